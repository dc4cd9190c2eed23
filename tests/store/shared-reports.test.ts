/**
 * The reach report and its daily rollups (src/store/reports.ts) on SQLite and PostgreSQL:
 * the same traffic gives the same figures on both engines, Vietnam days included, and a
 * refresh half-way changes nothing (rollups are incremental).
 */
import { sql } from 'kysely';
import type { IncomingMessage } from '../../src/core/message';
import { migrateEngine } from '../../src/store/engine';
import { Reports } from '../../src/store/reports';
import { SharedFeedback } from '../../src/store/shared-feedback';
import { HandoffStore } from '../../src/store/shared-handoffs';
import { SharedInteractions } from '../../src/store/shared-interactions';
import { SharedLinks } from '../../src/store/shared-links';
import { sharedMigrations } from '../../src/store/shared-migrations';
import { engineKinds, openInstances, type Instances } from '../support/engines';

const kinds = engineKinds();
/** A Vietnam local time (UTC+7) as milliseconds. */
const vn = (local: string) => Date.parse(`${local}:00+07:00`);

const TRAFFIC = [
  // 23:30 on 4 January in Vietnam is still 4 January; 00:10 on the 5th is the 5th.
  { user: 'A', at: '2026-01-04T23:30', answer: 'proc.id_card', text: 'làm căn cước', latency: 40 },
  { user: 'A', at: '2026-01-05T00:10', answer: null, text: 'giá vàng hôm nay', latency: 10 },
  { user: 'B', at: '2026-01-05T09:00', answer: 'proc.id_card', text: 'cccd ở đâu', latency: 20 },
  { user: 'B', at: '2026-01-05T09:01', answer: 'dvc.submit', text: 'nộp hồ sơ', latency: 30 },
  { user: 'C', at: '2026-01-06T10:00', answer: null, text: 'giá vàng hôm nay', latency: 50 },
];

/** Logs a Zalo message the bot could not answer, folded as it was written. */
async function logFallback(
  log: SharedInteractions,
  m: { user: string; messageId: string; text: string; at: string },
): Promise<void> {
  const message = {
    channel: 'zalo',
    userId: m.user,
    messageId: m.messageId,
    text: m.text,
    timestamp: vn(m.at),
  };
  const result = {
    userKey: `k${m.user}`,
    reply: { blocks: [{}] },
    intent: null,
    confidence: 0.1,
    answerId: null,
  };
  await log.record(
    message as IncomingMessage,
    { ...result, normalisedText: m.text, contentVersion: 'v1', procedure: null },
    10,
    'delivered',
  );
}

describe.each(kinds)('reports on %s', (kind) => {
  let instances: Instances | undefined;
  afterAll(async () => {
    await instances?.close();
  });

  it('counts the same traffic the same way, with incremental rollups', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines;
    const log = new SharedInteractions(a!);
    const reports = new Reports(b!);
    const ids: number[] = [];
    for (const [i, t] of TRAFFIC.entries()) {
      const message = {
        channel: i === 4 ? 'web' : 'zalo',
        userId: t.user,
        messageId: `m${i}`,
        text: t.text,
        timestamp: vn(t.at),
      };
      ids.push(
        (await log.record(
          message as IncomingMessage,
          {
            userKey: `k${t.user}`,
            reply: { blocks: [{}, {}] },
            intent: t.answer,
            confidence: 0.9,
            answerId: t.answer,
            normalisedText: t.text === 'giá vàng hôm nay' ? 'gia vang hom nay' : t.text,
            contentVersion: 'v1',
            procedure: t.answer === 'proc.id_card' ? { code: '1.001' } : null,
          },
          t.latency,
          'delivered',
        ))!,
      );
      if (i === 2) expect(await reports.refresh()).toBe(3);
    }
    await log.markDelivery(ids[3]!, 'failed', 'zalo said no');
    const at = vn('2026-01-05T09:02');
    await new SharedFeedback(a!, () => at).rate({
      userKey: 'kB',
      channel: 'zalo',
      interactionId: ids[2]!,
      answerId: 'proc.id_card',
      rating: 1,
    });
    await new SharedFeedback(a!, () => at).rate({
      userKey: 'kA',
      channel: 'zalo',
      interactionId: ids[0]!,
      answerId: 'proc.id_card',
      rating: -1,
    });
    await new SharedLinks(a!, () => at).add([
      { token: 'tok12345', url: 'https://x.gov.vn', channel: 'zalo', userKey: 'kB', answerId: null },
    ]);
    await new SharedLinks(a!, () => at).follow('tok12345');
    const handoffs = new HandoffStore(a!, () => at);
    const { id } = await handoffs.open('kB', 'zalo', async () => []);
    const reply = await handoffs.recordReply((await handoffs.get(id))!, 'chào', { id: 0, name: 'QTV' });
    await handoffs.markReply(reply, 'delivered');

    const range = { from: '2026-01-01', to: '2026-01-31' };
    const report = await reports.reach(range);
    expect(report).toMatchObject({
      uniqueCitizens: 3,
      newCitizens: 3,
      returningCitizens: 0,
      conversations: 4, // A's second message comes 40 minutes after the first
      messagesIn: 5,
      messagesOut: 11, // two blocks each, and the officer's delivered reply
      answered: 3,
      fallbacks: 2,
      fallbackRate: 0.4,
      topics: [
        { key: 'proc', n: 2 },
        { key: 'dvc', n: 1 },
      ],
      intents: [
        { key: 'proc.id_card', n: 2 },
        { key: 'dvc.submit', n: 1 },
      ],
      procedures: [{ key: '1.001', n: 2 }],
      unanswered: [{ normalised: 'gia vang hom nay', n: 2, example: 'giá vàng hôm nay' }],
      handoffs: 1,
      officerReplies: 1,
      handoffsAnswered: 1,
      feedbackUp: 1,
      feedbackDown: 1,
      satisfactionRate: 0.5,
      linkClicks: 1,
      medianLatencyMs: 30,
      failedDeliveries: 1,
    });
    expect(await reports.reach(range, 'web')).toMatchObject({
      uniqueCitizens: 1,
      messagesIn: 1,
      fallbacks: 1,
    });
    expect(await reports.reach({ from: '2026-01-04', to: '2026-01-04' })).toMatchObject({
      messagesIn: 1,
      answered: 1,
    });
    const daily = await reports.daily({ from: '2026-01-04', to: '2026-01-06' });
    expect(daily).toEqual({
      days: ['2026-01-04', '2026-01-05', '2026-01-06'],
      citizens: { zalo: [1, 2, 0], web: [0, 0, 1] },
      fallbackRate: [0, 1 / 3, 1],
    });
    expect(await reports.refresh()).toBe(0);
  });

  it('rolls up an unanswered question of any length (PostgreSQL indexes at most 2,704 bytes)', async () => {
    await instances?.close();
    instances = await openInstances(kind, 1);
    const [engine] = instances.engines;
    const log = new SharedInteractions(engine!);
    const reports = new Reports(engine!);
    // 2,000 different CJK characters, 6,000 bytes that do not compress: what a citizen may paste.
    const text = Array.from({ length: 2000 }, (_, i) =>
      String.fromCodePoint(0x4e00 + ((i * 7919) % 20000)),
    ).join('');
    for (const messageId of ['long1', 'long2'])
      await logFallback(log, { user: 'D', messageId, text, at: '2026-02-01T10:00' });
    expect(await reports.refresh()).toBe(2);
    const [group] = (await reports.reach({ from: '2026-02-01', to: '2026-02-01' })).unanswered;
    expect(group).toMatchObject({ n: 2, example: text });
    expect(text.startsWith(group!.normalised)).toBe(true);
  });

  it('cuts the folded texts logged before they were bounded, by characters (migration 0107)', async () => {
    await instances?.close();
    instances = await openInstances(kind, 1, false);
    const [engine] = instances.engines;
    const before = sharedMigrations.filter((m) => m.name !== '0107-unanswered-keys-bounded');
    expect(before).toHaveLength(sharedMigrations.length - 1);
    await migrateEngine(engine!, before);
    await logFallback(new SharedInteractions(engine!), {
      user: 'E',
      messageId: 'old',
      text: 'x',
      at: '2026-02-02T10:00',
    });
    // What an older version stored: 600 emoji (two UTF-16 units each) and a short text.
    const long = '😀'.repeat(600);
    await sql`UPDATE interactions SET normalised = ${long}`.execute(engine!.db);
    await migrateEngine(engine!);
    const row = await engine!.db.selectFrom('interactions').select('normalised').executeTakeFirstOrThrow();
    expect(row.normalised).toBe('😀'.repeat(500));
    expect(await new Reports(engine!).refresh()).toBe(1);
  });
});
