/**
 * The turn's own rows land in the store in use (issue #17): without DATABASE_URL the SQLite
 * file, as always; with it PostgreSQL — the interaction log, citizens and contacts (the
 * privacy notice), ratings, tracked links, erasure and the delivery status — loaded by
 * `prepare`, kept by `respond` and stored by `save` in one transaction, with what the caller
 * stores alongside (a false `alongside` keeps nothing).
 */
import path from 'node:path';
import { sql } from 'kysely';
import { createApp } from '../../src/app';
import type { IncomingMessage } from '../../src/core/message';
import { KnowledgeService } from '../../src/knowledge/service';
import { silentLogger } from '../../src/logger';
import { buildRuntime, type Alongside, type Runtime } from '../../src/runtime';
import type { Config } from '../../src/config';
import { openDatabase } from '../../src/store/db';
import type { EngineKind } from '../../src/store/engine';
import { openStore, type Store } from '../../src/store/store';
import { tempDir, testConfig } from '../support/app';
import { engineKinds, freshPostgresUrl } from '../support/engines';

const NOTICE = /dữ liệu|xóa/i;

describe.each(engineKinds())('a turn on %s', (kind: EngineKind) => {
  let store: Store;
  let runtime: Runtime;
  let app: ReturnType<typeof createApp>;
  let config: Config;
  let knowledge: KnowledgeService;
  let seq = 0;

  beforeAll(async () => {
    const overrides: Record<string, string> = {
      DATABASE_PATH: path.join(tempDir(), 'bot.sqlite'),
      FEEDBACK_EVERY: '1',
    };
    if (kind === 'postgres') overrides.DATABASE_URL = await freshPostgresUrl();
    config = testConfig(overrides);
    const logger = silentLogger();
    const db = openDatabase(config.DATABASE_PATH);
    store = await openStore(config, { db });
    knowledge = new KnowledgeService(
      { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
      { threshold: config.NLU_THRESHOLD },
      logger,
    );
    app = createApp({ config, db, store, knowledge, logger });
    runtime = app.runtime;
  });
  afterAll(async () => {
    await app.handoffs.settled();
    await store.close();
  });

  const rows = (table: 'interactions' | 'citizens' | 'feedback' | 'links' | 'clicks', userKey: string) =>
    store.engine.db.selectFrom(table).selectAll().where('user_key', '=', userKey).execute();

  async function say(
    userId: string,
    input: { text?: string; payload?: string },
    alongside?: Alongside,
  ): Promise<{
    message: IncomingMessage;
    result: ReturnType<Runtime['respond']>;
    id: number | null;
    kept: boolean;
  }> {
    const message: IncomingMessage = {
      channel: 'zalo',
      userId,
      messageId: `m${++seq}`,
      timestamp: Date.now(),
      ...input,
    };
    await runtime.prepare(message);
    const result = runtime.respond(message, { status: 'pending' });
    const saved = await runtime.save(message, alongside);
    return { message, result, id: saved.interactionId ?? result.interactionId, kept: saved.kept };
  }

  it('logs each exchange once in the store in use, with the notice on the first reply only', async () => {
    const first = await say('citizen-1', { text: 'nộp hồ sơ trực tuyến thế nào' });
    const second = await say('citizen-1', { text: 'tra cứu hồ sơ' });
    const text = (r: typeof first.result) =>
      r.reply.blocks.map((b) => ('text' in b ? b.text : '')).join('\n');
    expect(text(first.result)).toMatch(NOTICE);
    expect(text(second.result)).not.toMatch(NOTICE);
    const logged = await rows('interactions', first.result.userKey);
    expect(logged.map((r) => [r.id, r.message_id, r.status])).toEqual([
      [first.id, first.message.messageId, 'pending'],
      [second.id, second.message.messageId, 'pending'],
    ]);
    expect(await rows('citizens', first.result.userKey)).toHaveLength(1);

    await runtime.markDelivery(first.id, 'delivered');
    await runtime.markDelivery(second.id, 'failed', 'platform said no');
    const marked = await rows('interactions', first.result.userKey);
    expect(marked.map((r) => [r.status, r.status_detail])).toEqual([
      ['delivered', null],
      ['failed', 'platform said no'],
    ]);
  });

  it('keeps one rating per answer, whichever tap comes last', async () => {
    const asked = await say('citizen-2', { text: 'nộp hồ sơ trực tuyến thế nào' });
    const up = asked.result.reply.quickReplies.find((q) => q.payload.startsWith('#fb:up:'))!;
    expect(up).toBeDefined();
    await say('citizen-2', { payload: up.payload });
    await say('citizen-2', { payload: up.payload.replace('#fb:up:', '#fb:down:') });
    const ratings = await rows('feedback', asked.result.userKey);
    expect(ratings.map((r) => [r.interaction_id, r.rating])).toEqual([[asked.id, -1]]);
    const down = await app.reports.downRated({ from: '2000-01-01', to: '2100-01-01' });
    expect(down.items).toContainEqual(
      expect.objectContaining({ answer_id: asked.result.answerId, question: 'nộp hồ sơ trực tuyến thế nào' }),
    );
  });

  it('tracks a link in the store in use and follows it from there', async () => {
    const { result } = await say('citizen-3', { text: 'nộp hồ sơ trực tuyến thế nào' });
    const link = result.reply.blocks.find((b) => b.type === 'link');
    expect(link && 'url' in link && link.url).toMatch(/\/r\/[A-Za-z0-9_-]+$/);
    const token = (link as { url: string }).url.split('/r/')[1]!;
    expect((await rows('links', result.userKey)).map((r) => r.token)).toEqual([token]);
    expect(await runtime.links.follow(token)).toBe('https://dichvucong.gov.vn');
    expect(await rows('clicks', result.userKey)).toHaveLength(1);
  });

  it('erases the citizen with the turn that confirms it; the next reply has the notice again', async () => {
    const { result } = await say('citizen-4', { text: 'nộp hồ sơ trực tuyến thế nào' });
    await say('citizen-4', { text: 'xóa dữ liệu của tôi' });
    const done = await say('citizen-4', { payload: '#erase:yes' });
    expect(done.result.unlogged).toBe(true);
    expect(await rows('interactions', result.userKey)).toEqual([]);
    expect(await rows('citizens', result.userKey)).toEqual([]);
    const again = await say('citizen-4', { text: 'tra cứu hồ sơ' });
    expect(again.result.reply.blocks.map((b) => ('text' in b ? b.text : '')).join('\n')).toMatch(NOTICE);
  });

  it('stores the exchange in the transaction of what is stored alongside it', async () => {
    const seen: (number | null)[] = [];
    const kept = await say('citizen-5', { text: 'tra cứu hồ sơ' }, async (_trx, id) => {
      seen.push(id);
      return true;
    });
    expect(kept.kept).toBe(true);
    if (kind === 'postgres') expect(seen).toEqual([kept.id]);
    const refused = await say('citizen-5', { text: 'nộp phí trực tuyến' }, async () => false);
    expect(refused.kept).toBe(false);
    const logged = await rows('interactions', kept.result.userKey);
    // On SQLite the turn wrote its rows as it ran (delivery.ts rolls its own transaction back).
    expect(logged.map((r) => r.message_id)).toEqual(
      kind === 'postgres' ? [kept.message.messageId] : [kept.message.messageId, refused.message.messageId],
    );
  });

  (kind === 'postgres' ? it : it.skip)(
    'an instance that dies inside the turn leaves nothing logged; the one that takes over logs it once',
    async () => {
      // Instance A runs the turn; its connection dies before the turn's transaction commits
      // (SIGKILL closes its sockets: the server rolls the transaction back).
      const message: IncomingMessage = {
        channel: 'zalo',
        userId: 'citizen-6',
        messageId: 'killed-turn',
        timestamp: Date.now(),
        text: 'nộp hồ sơ trực tuyến thế nào',
      };
      await runtime.prepare(message);
      const { userKey } = runtime.respond(message, { status: 'pending' });
      await expect(
        runtime.save(message, async (trx) => {
          await sql`SELECT pg_terminate_backend(pg_backend_pid())`.execute(trx!);
          return true;
        }),
      ).rejects.toThrow();
      expect(await rows('interactions', userKey)).toEqual([]);
      expect(await rows('citizens', userKey)).toEqual([]);

      // Instance B (its own pool and file) takes the event over and runs the turn again.
      const other = await openStore(
        { ...config, DATABASE_PATH: path.join(tempDir(), 'b.sqlite') },
        { db: openDatabase(':memory:') },
      );
      try {
        const b = buildRuntime(config, { db: other.db, store: other, brain: () => knowledge.current });
        await b.prepare(message);
        const result = b.respond(message, { status: 'pending' });
        const saved = await b.save(message);
        expect(result.reply.blocks.map((x) => ('text' in x ? x.text : '')).join('\n')).toMatch(NOTICE);
        expect((await rows('interactions', userKey)).map((r) => [r.id, r.message_id])).toEqual([
          [saved.interactionId, 'killed-turn'],
        ]);
      } finally {
        await other.close();
      }
    },
  );
});
