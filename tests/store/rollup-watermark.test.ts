/**
 * The rollups' watermark on PostgreSQL (src/store/reports.ts): interaction ids come from a
 * sequence in the order rows are inserted, but transactions commit in any order. A refresh
 * that ran while a lower id was still uncommitted and a higher one visible would move the
 * watermark past the lower row, which then never reached the daily figures. Refresh waits
 * for the transactions that log (they hold LOG_WRITE_LOCK shared) before reading the top id.
 */
import { sql } from 'kysely';
import type { IncomingMessage } from '../../src/core/message';
import { Reports } from '../../src/store/reports';
import { SharedInteractions, type Exchange } from '../../src/store/shared-interactions';
import { openInstances, stopPostgres, type Instances } from '../support/engines';
import { describePostgres } from '../support/postgres';
import { until } from '../support/until';

const exchange = (messageId: string): Exchange => ({
  message: {
    channel: 'zalo',
    userId: messageId,
    messageId,
    text: 'nộp hồ sơ',
    timestamp: Date.now(),
  } as IncomingMessage,
  result: {
    userKey: `k-${messageId}`,
    reply: { blocks: [{}] },
    intent: 'dvc.submit',
    confidence: 0.9,
    answerId: 'dvc.submit',
    normalisedText: 'nop ho so',
    contentVersion: 'v1',
  },
  latencyMs: 5,
  status: 'delivered',
});

describePostgres()('the rollups watermark on PostgreSQL', () => {
  let instances: Instances | undefined;
  afterAll(async () => {
    await instances?.close();
    await stopPostgres();
  });

  it('does not fold past a lower id whose transaction commits after a higher one', async () => {
    instances = await openInstances('postgres', 2);
    const [a, b] = instances.engines;
    const log = new SharedInteractions(a!);
    const reports = new Reports(b!);

    // Instance A's turn draws the lower id and keeps its transaction open...
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let drawn!: () => void;
    const idDrawn = new Promise<void>((resolve) => (drawn = resolve));
    const slow = a!.db.transaction().execute(async (trx) => {
      const id = await log.insertExchange(trx, exchange('slow'), null);
      drawn();
      await held;
      return id;
    });
    await idDrawn;
    // ...while another turn draws a higher id and commits at once.
    const fast = await log.record(exchange('fast').message, exchange('fast').result, 5, 'delivered');

    // A refresh now waits for the open transaction instead of folding up to `fast`.
    let refreshed = false;
    const refreshing = reports.refresh().finally(() => (refreshed = true));
    // Until the refresh waits for the lock (or, were it not to wait, has finished).
    await until(async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`.execute(b!.db);
      return refreshed || rows[0]!.n > 0;
    });
    expect(refreshed).toBe(false);
    release();
    const slowId = await slow;
    expect(slowId).toBeLessThan(fast!);
    await refreshing;
    await reports.refresh();

    const { rows } = await sql<{ n: number }>`
      SELECT CAST(coalesce(sum(messages_in), 0) AS int) AS n FROM daily_stats`.execute(b!.db);
    expect(rows[0]!.n).toBe(2);
  });
});
