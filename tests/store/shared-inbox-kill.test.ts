/**
 * Three processes share one PostgreSQL inbox (tests/support/shared-inbox-worker.ts stands in
 * for the bot's delivery queue, which still runs on SQLite only). A burst of events is spread
 * across them, a third sent again to another instance as a platform retries; one instance is
 * killed with SIGKILL mid-burst and its events are taken over when their lease expires.
 * Every event is stored once, answered and delivered, in order per citizen; only a send on the
 * wire at the kill may reach the platform twice (no platform offers an idempotency key).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import path from 'node:path';
import { sql } from 'kysely';
import { migrateEngine, openEngine } from '../../src/store/engine';
import type { InboxInsert } from '../../src/store/inbox';
import { freshPostgresUrl, stopPostgres } from '../support/engines';
import { describePostgres } from '../support/postgres';
import { startServer, type ServerProcess } from '../support/process';

const INSTANCES = 3;
const WORKERS = 3;
const CITIZENS = 15;
const MESSAGES_EACH = 4;

interface Send {
  owner: string;
  eventId: string;
  userId: string;
  part: number;
}

describePostgres()('three instances on one PostgreSQL, one killed mid-burst', () => {
  const sends: Send[] = [];
  let platform: import('node:http').Server;
  let instances: ServerProcess[] = [];

  beforeAll(async () => {
    const app = express();
    app.post('/send', express.json(), (req, res) => {
      sends.push(req.body as Send);
      // A platform takes a few ms to answer: the kill lands while sends are on the wire.
      setTimeout(() => res.json({ ok: true }), 3 + Math.random() * 5);
    });
    await new Promise<void>((resolve) => {
      platform = app.listen(0, '127.0.0.1', () => resolve());
    });
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await new Promise((r) => platform.close(r));
    await stopPostgres();
  });

  it('stores each event once, answers and delivers each, in order per citizen', async () => {
    const url = await freshPostgresUrl();
    const engine = openEngine({ url });
    await migrateEngine(engine);
    const platformUrl = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
    instances = await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) =>
        startServer(
          {
            DATABASE_URL: url,
            OWNER: `I${i}`,
            PLATFORM_URL: platformUrl,
            LEASE_MS: '3000',
            WORKERS: String(WORKERS),
          },
          { entry: path.join('tests', 'support', 'shared-inbox-worker.ts') },
        ),
      ),
    );
    const alive = new Set(instances.keys());
    const post = async (i: number, events: InboxInsert[]): Promise<boolean> => {
      try {
        return (
          await fetch(`${instances[i]!.baseUrl}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(events),
          })
        ).ok;
      } catch {
        return false; // the instance is dead: the platform retries elsewhere
      }
    };
    // As a platform does: deliver to one instance, retry on another until one acknowledges.
    const deliver = async (e: InboxInsert, first: number): Promise<void> => {
      for (let k = 0; ; k++) {
        const i = (first + k) % INSTANCES;
        if (alive.has(i) && (await post(i, [e]))) return;
        if (k > 10 * INSTANCES) throw new Error(`no instance acknowledged ${e.eventId}`);
      }
    };

    const citizen = async (c: number): Promise<void> => {
      for (let n = 0; n < MESSAGES_EACH; n++) {
        const e: InboxInsert = {
          channel: 'zalo',
          eventId: `c${c}-m${n}`,
          userId: `c${c}`,
          text: `tin ${n}`,
          eventTime: 1_000 * n,
        };
        await deliver(e, (c + n) % INSTANCES);
        // A retry the platform sent because our 200 seemed late: to another instance.
        if ((c + n) % 3 === 0) await deliver(e, (c + n + 1) % INSTANCES);
      }
    };
    const burst = Promise.all(Array.from({ length: CITIZENS }, (_, c) => citizen(c)));
    await waitFor(() => sends.filter((s) => s.owner === 'I0').length >= 5);
    alive.delete(0);
    await instances[0]!.kill();
    await burst;

    const total = CITIZENS * MESSAGES_EACH;
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM channel_inbox WHERE state = 'delivered'`.execute(engine.db);
      return rows[0]!.n === total;
    });
    const stored = await engine.db.selectFrom('channel_inbox').select(['event_id', 'state']).execute();
    await engine.close();
    expect(stored).toHaveLength(total);

    const byEvent = new Map<string, Send[]>();
    for (const s of sends) byEvent.set(s.eventId, [...(byEvent.get(s.eventId) ?? []), s]);
    expect(byEvent.size).toBe(total);
    const resent = [...byEvent.values()].filter((list) => list.length > 1);
    // Only a send on the wire when I0 died is sent again, by the instance that took it over.
    expect(resent.length).toBeLessThanOrEqual(WORKERS);
    for (const list of resent) expect(list[0]!.owner).toBe('I0');
    expect(sends.filter((s) => s.owner !== 'I0').length).toBeGreaterThan(0);
    for (let c = 0; c < CITIZENS; c++) {
      const order = sends.filter((s) => s.userId === `c${c}`).map((s) => s.eventId);
      const firsts = order.filter((id, i) => order.indexOf(id) === i);
      expect(firsts).toEqual(Array.from({ length: MESSAGES_EACH }, (_, n) => `c${c}-m${n}`));
    }
  });
});

async function waitFor(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}
