/**
 * Erasure and retention in the shared store (src/store/shared-erasure.ts) on SQLite and
 * PostgreSQL: every row keyed by the citizen goes, with their finished channel events and
 * their share of the rolled-up unanswered questions, and nobody else's; old text goes while
 * the rows stay. On a SQLite file the erased text is gone from the bytes too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from '../../src/core/message';
import { alsoEraseIn, eraseCitizen, eraseCitizenInStore } from '../../src/privacy/erase';
import { openDatabase } from '../../src/store/db';
import { openEngine, type Engine } from '../../src/store/engine';
import { eraseCitizenShared, purgeOldTextShared, vietnamDay } from '../../src/store/shared-erasure';
import { SharedFeedback } from '../../src/store/shared-feedback';
import { HandoffStore } from '../../src/store/shared-handoffs';
import { SharedInteractions } from '../../src/store/shared-interactions';
import { SharedLinks } from '../../src/store/shared-links';
import { engineKinds, openInstances, type Instances } from '../support/engines';
import { until } from '../support/until';
import { describePostgres } from '../support/postgres';

const kinds = engineKinds();
const T0 = Date.parse('2026-03-01T20:00:00Z'); // 03:00 on 2 March in Vietnam

async function seed(engine: Engine, userKey: string, platformId: string, text: string) {
  const log = new SharedInteractions(engine, undefined, () => T0);
  const msg = { channel: 'zalo', userId: platformId, messageId: `${userKey}-1`, text, timestamp: T0 };
  const id = (await log.record(
    msg as IncomingMessage,
    {
      userKey,
      reply: { blocks: [{}] },
      intent: null,
      confidence: 0.1,
      answerId: null,
      normalisedText: text,
      contentVersion: 'v1',
    },
    5,
    'delivered',
  ))!;
  await new SharedFeedback(engine, () => T0).rate({
    userKey,
    channel: 'zalo',
    interactionId: id,
    answerId: null,
    rating: -1,
  });
  await new SharedLinks(engine, () => T0).add([
    { token: `${userKey}-tok`, url: 'https://x.gov.vn', channel: 'zalo', userKey, answerId: null },
  ]);
  await new SharedLinks(engine, () => T0).follow(`${userKey}-tok`);
  const handoffs = new HandoffStore(engine, () => T0);
  const { id: handoffId } = await handoffs.open(userKey, 'zalo', async () => [text]);
  const h = (await handoffs.get(handoffId))!;
  await handoffs.recordReply(h, `trả lời ${text}`, { id: 0, name: 'Quản trị viên' });
  await engine.db
    .insertInto('channel_inbox')
    .values({
      channel: 'zalo',
      event_id: `${userKey}-e1`,
      user_id: platformId,
      text,
      tap_candidate: 0,
      event_time: T0,
      received_at: T0,
      state: 'delivered',
      updated_at: T0,
    })
    .execute();
  await engine.db
    .insertInto('channel_offers')
    .values({ channel: 'zalo', user_id: platformId, payloads: '[]', updated_at: T0 })
    .execute();
  await engine.db
    .insertInto('sessions')
    .values({ user_key: userKey, state: '{}', expires_at: T0 + 60_000 })
    .execute();
  await engine.db
    .insertInto('daily_users')
    .values({ day: '2026-03-02', channel: 'zalo', user_key: userKey })
    .execute();
}

/** Rolls the seeded fallbacks up as reports would: one unanswered group per text. */
async function rollUp(engine: Engine) {
  const day = vietnamDay(engine.kind, 'ts');
  const rows = await engine.db
    .selectFrom('interactions')
    .select([day.as('day'), 'channel', 'normalised', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy([day, 'channel', 'normalised'])
    .execute();
  for (const r of rows)
    await engine.db
      .insertInto('daily_unanswered')
      .values({ day: r.day, channel: r.channel, normalised: r.normalised!, n: Number(r.n), example: null })
      .execute();
  const max = await engine.db
    .selectFrom('interactions')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow();
  await engine.db.updateTable('rollup_state').set({ last_id: max.id! }).where('id', '=', 1).execute();
}

async function countFor(engine: Engine, userKey: string) {
  const tables = ['interactions', 'citizens', 'contacts', 'sessions', 'feedback', 'links', 'clicks'] as const;
  const out: Record<string, number> = {};
  for (const t of [...tables, 'handoffs', 'officer_messages', 'daily_users'] as const) {
    const row = await engine.db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_key', '=', userKey)
      .executeTakeFirstOrThrow();
    out[t] = Number(row.n);
  }
  return out;
}

describe.each(kinds)('erasure and retention in the shared store on %s', (kind) => {
  let instances: Instances | undefined;
  afterEach(async () => {
    await instances?.close();
    instances = undefined;
  });

  it("erases one citizen's rows everywhere, and only theirs", async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines;
    await seed(a!, 'k1', 'zalo-1', 'giá vàng');
    await seed(a!, 'k2', 'zalo-2', 'giá vàng');
    await rollUp(a!);
    const groups = () => a!.db.selectFrom('daily_unanswered').select(['day', 'normalised', 'n']).execute();
    expect((await groups()).map((g) => ({ ...g, n: Number(g.n) }))).toEqual([
      { day: '2026-03-02', normalised: 'giá vàng', n: 2 },
    ]);

    const report = await eraseCitizenShared(b!, 'k1');
    expect(report).toMatchObject({
      channel_inbox: 1,
      channel_offers: 1,
      interactions: 1,
      citizens: 1,
      contacts: 1,
      sessions: 1,
      feedback: 1,
      links: 1,
      clicks: 1,
      handoffs: 1,
      officer_messages: 1,
      handoff_events: 1,
      daily_users: 1,
    });
    expect(Object.values(await countFor(a!, 'k1')).every((n) => n === 0)).toBe(true);
    expect(Object.values(await countFor(a!, 'k2')).every((n) => n === 1)).toBe(true);
    expect((await groups()).map((g) => Number(g.n))).toEqual([1]);
    const inbox = await a!.db.selectFrom('channel_inbox').select('user_id').execute();
    expect(inbox).toEqual([{ user_id: 'zalo-2' }]);
    await eraseCitizenShared(a!, 'k2');
    expect(await groups()).toEqual([]);
  });

  it('deletes old text but keeps every row', async () => {
    instances = await openInstances(kind, 1);
    const [engine] = instances.engines;
    await seed(engine!, 'k1', 'zalo-1', 'giá vàng');
    await rollUp(engine!);
    expect(await purgeOldTextShared(engine!, 180, T0)).toEqual({
      interactions: 0,
      handoffs: 0,
      unansweredGroups: 0,
    });
    expect(await purgeOldTextShared(engine!, 180, T0 + 181 * 86_400_000)).toEqual({
      interactions: 1,
      handoffs: 2, // the request's messages and the officer's reply
      unansweredGroups: 1,
    });
    const row = await engine!.db
      .selectFrom('interactions')
      .select(['text', 'normalised'])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ text: null, normalised: null });
    const h = await engine!.db
      .selectFrom('handoffs')
      .select(['last_messages', 'note'])
      .executeTakeFirstOrThrow();
    expect(h).toEqual({ last_messages: null, note: null });
    expect(await engine!.db.selectFrom('officer_messages').select('text').execute()).toEqual([
      { text: null },
    ]);
    expect(Object.values(await countFor(engine!, 'k1')).every((n) => n === 1)).toBe(true);
  });
});

it('leaves no trace of an erased citizen in the SQLite file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-erase-'));
  const file = path.join(dir, 'bot.sqlite');
  const marker = 'mật khẩu bí mật xyzzy';
  try {
    const engine = openEngine({ sqlite: openDatabase(file) });
    await seed(engine, 'k1', 'zalo-1', marker);
    await seed(engine, 'k2', 'zalo-2', 'giá vàng');
    const bytes = () =>
      Buffer.concat(
        [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
      ).toString('utf8');
    expect(bytes()).toContain(marker);
    await eraseCitizenShared(engine, 'k1');
    expect(bytes()).not.toContain(marker);
    expect(bytes()).not.toContain('zalo-1');
    await engine.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describePostgres()('erasing a citizen with DATABASE_URL (postgres)', () => {
  const kind = 'postgres';
  let instances: Instances | undefined;
  afterEach(async () => {
    await instances?.close();
    instances = undefined;
  });

  it("erases their rows in this instance's file and on PostgreSQL, under the platform id the file knows", async () => {
    instances = await openInstances(kind, 1);
    const [engine] = instances.engines;
    const db = openDatabase(':memory:');
    db.prepare("INSERT INTO contacts VALUES ('k1', 'zalo', 'zalo-1')").run();
    db.prepare("INSERT INTO citizens VALUES ('k1', 'zalo', 1)").run();
    await seed(engine!, 'k1', 'zalo-1', 'giá vàng');
    await engine!.db.deleteFrom('contacts').execute(); // the log (and so contacts) is in the file
    const failures: unknown[] = [];
    alsoEraseIn(db, engine!, (err) => failures.push(err));
    const report = await eraseCitizenInStore(db, 'k1');
    expect(report).toMatchObject({
      citizens: 2,
      contacts: 1,
      channel_inbox: 1,
      handoffs: 1,
      officer_messages: 1,
    });
    expect(Object.values(await countFor(engine!, 'k1')).every((n) => n === 0)).toBe(true);

    // The runtime's synchronous erase step: the file at once, PostgreSQL in the background.
    db.prepare("INSERT INTO contacts VALUES ('k2', 'zalo', 'zalo-2')").run();
    await seed(engine!, 'k2', 'zalo-2', 'giá vàng');
    expect(eraseCitizen(db, 'k2').contacts).toBe(1);
    await until(async () => (await countFor(engine!, 'k2')).handoffs === 0);
    expect(Object.values(await countFor(engine!, 'k2')).every((n) => n === 0)).toBe(true);
    expect(failures).toEqual([]);
    db.close();
  });
});
