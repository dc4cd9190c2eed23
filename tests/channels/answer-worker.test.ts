/**
 * The answer worker (issue #14): the real app on a SQLite file with its turns in the worker
 * thread, over real HTTP. Signed webhooks are answered and logged once, the web chat is
 * answered, an editor's save goes live in the worker (and a broken one nowhere), a "gặp cán
 * bộ" reaches the officers' inbox, and a worker that dies mid-turn is started again and the
 * event is answered once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { Delivery } from '../../src/channels/delivery';
import { KnowledgeService } from '../../src/knowledge/service';
import { silentLogger } from '../../src/logger';
import { openDatabase } from '../../src/store/db';
import { listenOnLoopback, tempDir } from '../support/app';
import { copyTrees, edit, type ContentTrees } from '../support/content-trees';
import { FakePlatform } from '../support/fake-platform';
import { selectRows } from '../support/rows';
import { channelEnv, fixtureWith, messengerSignature, SECRETS } from './helpers';

/** A procedure with an editor's file in content/procedures/ (khai sinh). */
const BIRTH = '1.001193';
const CRASH_TEXT = 'tin nhắn làm sập luồng trả lời';

/** The real app with the answer worker on, listening on loopback, on a private content copy. */
async function startApp(fake: FakePlatform, trees: ContentTrees, crashOn?: string) {
  const databasePath = path.join(tempDir(), 'bot.sqlite');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: databasePath,
    CONTENT_DIR: trees.contentDir,
    INTENTS_DIR: trees.intentsDir,
    LOG_LEVEL: 'silent',
    ...channelEnv(fake),
  });
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const db = openDatabase(databasePath);
  const knowledge = new KnowledgeService(
    { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
    { threshold: config.NLU_THRESHOLD },
    silentLogger(),
  );
  const built = createApp({ config, db, knowledge, logger, answerWorker: { crashOn } });
  const respond = jest.spyOn(built.runtime, 'respond');
  const { server, baseUrl } = await listenOnLoopback(built.app);
  built.channels.start();
  return {
    ...built,
    db,
    knowledge,
    baseUrl,
    /** Turns run in this thread's runtime (none may: they all belong to the worker). */
    respond,
    logs: () => lines.join(''),
    async close() {
      await new Promise((resolve) => (server as Server).close(resolve));
      await built.channels.stop();
      db.close();
    },
  };
}
type App = Awaited<ReturnType<typeof startApp>>;

/**
 * One app for a describe block (a worker takes seconds to start): a fake platform, a content
 * copy and the app, read from the object returned once `beforeAll` has run.
 */
function useWorkerApp(crashOn?: string) {
  const parts = {} as { fake: FakePlatform; trees: ContentTrees; app: App };
  beforeAll(async () => {
    parts.fake = await FakePlatform.start();
    parts.trees = copyTrees();
    parts.app = await startApp(parts.fake, parts.trees, crashOn);
  });
  afterAll(async () => {
    await parts.app?.close();
    await parts.fake?.close();
    if (parts.trees) fs.rmSync(parts.trees.root, { recursive: true, force: true });
  });
  return parts;
}

let seq = 0;

async function telegram(app: App, text: string, chat = 5012345678): Promise<number> {
  seq++;
  const body = fixtureWith('telegram', 'text', {
    '"update_id": 912345001': `"update_id": ${912345001 + seq}`,
    '"message_id": 101': `"message_id": ${1000 + seq}`,
    '5012345678': String(chat),
    'làm căn cước cần giấy tờ gì': text,
  });
  const res = await fetch(`${app.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-telegram-bot-api-secret-token': SECRETS.telegramWebhookSecret,
    },
    body,
  });
  return res.status;
}

async function chat(app: App, userId: string, text: string) {
  const res = await fetch(`${app.baseUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, text }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { replies: { text?: string }[]; intent?: string };
}

const inboxStates = (app: App) =>
  selectRows<{ state: string }>(app.db, 'SELECT state FROM channel_inbox ORDER BY id');
const interactions = (app: App) =>
  selectRows<{ channel: string }>(app.db, 'SELECT channel FROM interactions ORDER BY id');

describe('the answer worker on SQLite', () => {
  const w = useWorkerApp();

  it('answers signed webhooks once and logs them once, with no turn on the main thread', async () => {
    expect(await telegram(w.app, 'làm căn cước cần giấy tờ gì')).toBe(200);
    const body = fixtureWith('messenger', 'text', { m_: `m_${++seq}_` });
    const messenger = await fetch(`${w.app.baseUrl}/webhooks/messenger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': messengerSignature(body) },
      body,
    });
    expect(messenger.status).toBe(200);
    // The same webhook again (a platform's retry): acknowledged, not answered again.
    expect(
      (
        await fetch(`${w.app.baseUrl}/webhooks/messenger`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': messengerSignature(body) },
          body,
        })
      ).status,
    ).toBe(200);
    await w.app.channels.delivery.idle();
    expect(await inboxStates(w.app)).toEqual([{ state: 'delivered' }, { state: 'delivered' }]);
    expect((await interactions(w.app)).map((r) => r.channel).sort()).toEqual(['messenger', 'telegram']);
    const sent = w.fake.delivered();
    expect(sent.filter((r) => r.platform === 'telegram').length).toBeGreaterThanOrEqual(1);
    expect(sent.filter((r) => r.platform === 'messenger').length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(sent.filter((r) => r.platform === 'telegram').map((r) => r.body))).toContain(
      'căn cước',
    );
    expect(w.app.respond).not.toHaveBeenCalled();
  });

  it('answers the web chat through the worker', async () => {
    const reply = await chat(w.app, 'web-1', 'làm căn cước cần giấy tờ gì');
    expect(reply.intent).toBe('proc.id_card');
    expect(w.app.respond).not.toHaveBeenCalled();
  });

  it('serves an editor’s save from the worker, and keeps a broken one from going live anywhere', async () => {
    const greeting = path.join(w.trees.contentDir, 'greeting.md');
    edit(greeting, 'Xin chào! Tôi là Trợ lý TTHC', 'Kính chào! Tôi là Trợ lý TTHC');
    const outcome = await w.app.knowledge.reload();
    expect(outcome.status).toBe('reloaded');
    const texts = (await chat(w.app, 'web-2', 'xin chào')).replies.map((r) => r.text ?? '').join('\n');
    expect(texts).toContain('Kính chào! Tôi là Trợ lý TTHC');

    // A broken procedure file: only the worker checks those (it builds the assistant). Its
    // rejection rejects the reload here too, and the last good version keeps serving.
    const live = w.app.knowledge.current.knowledge.version;
    edit(path.join(w.trees.contentDir, 'procedures', `${BIRTH}.md`), /^code: .*$/m, 'code: "9.999999"');
    edit(greeting, 'Kính chào!', 'Chào bạn!');
    const rejected = await w.app.knowledge.reload();
    expect(rejected.status).toBe('rejected');
    expect(rejected.status === 'rejected' && rejected.errors.map((e) => e.message).join('\n')).toContain(
      `${BIRTH}.md:2`,
    );
    expect(w.app.knowledge.current.knowledge.version).toBe(live);
    const again = (await chat(w.app, 'web-3', 'xin chào')).replies.map((r) => r.text ?? '').join('\n');
    expect(again).toContain('Kính chào! Tôi là Trợ lý TTHC');
  });

  it('files a "gặp cán bộ" from a platform turn in the officers’ inbox', async () => {
    expect(await telegram(w.app, 'gặp cán bộ', 5012345999)).toBe(200);
    await w.app.channels.delivery.idle();
    await w.app.handoffs.settled();
    const rows = await selectRows<{ channel: string }>(w.app.db, 'SELECT channel FROM handoffs');
    expect(rows).toEqual([{ channel: 'telegram' }]);
  });
});

describe('an answer worker that dies mid-turn', () => {
  const w = useWorkerApp(CRASH_TEXT);

  it('is started again, and the event is answered and logged once', async () => {
    expect(await telegram(w.app, CRASH_TEXT)).toBe(200);
    await w.app.channels.delivery.idle();
    expect(w.app.logs()).toContain('the answer worker stopped; starting it again');
    expect(await inboxStates(w.app)).toEqual([{ state: 'delivered' }]);
    expect(await interactions(w.app)).toEqual([{ channel: 'telegram' }]);
    expect(w.fake.delivered('telegram').length).toBeGreaterThanOrEqual(1);
    // Answered by the second worker, which then keeps answering.
    expect(await telegram(w.app, 'làm căn cước cần giấy tờ gì')).toBe(200);
    await w.app.channels.delivery.idle();
    expect(await inboxStates(w.app)).toEqual([{ state: 'delivered' }, { state: 'delivered' }]);
  });
});

describe('the ack path while another connection holds the write lock', () => {
  // The answer worker's turn, or the checkpointer starting the WAL over (with the answer
  // step on this thread too: ANSWER_WORKER=off).
  it.each([
    ['the answer worker on', true],
    ['the answer worker off', false],
  ])(
    'never sleeps in SQLite, and commits the webhook once the lock is released (%s)',
    async (_, offThread) => {
      const file = path.join(tempDir(), 'bot.sqlite');
      const db = openDatabase(file);
      // Were the main thread to wait in SQLite's busy handler, it could not run the timer below
      // that ends the other connection's transaction: the accept would fail with SQLITE_BUSY
      // once this wait is over (the answer worker off, before the WAL restarts of issue #14).
      db.pragma('busy_timeout = 2000');
      const worker = openDatabase(file);
      // An answer step that never finishes: only the ack path is under test.
      const delivery = new Delivery(
        db,
        { respond: jest.fn(), markDelivery: jest.fn() },
        new Map(),
        silentLogger(),
        {
          concurrency: 1,
          eventKeySecret: 'secret',
          maxAttempts: 1,
          retryBaseMs: 10,
          retryMaxMs: 10,
          answers: { offThread, answer: () => new Promise<never>(() => undefined) },
        },
      );
      // The other connection's transaction: the write lock held until a timer of this thread ends it.
      worker.exec('BEGIN IMMEDIATE');
      let committedWhileLocked = false;
      const accepted = delivery
        .accept('telegram', [{ userId: 'u1', eventId: 'e1', text: 'xin chào', timestamp: Date.now() }])
        .then(() => (committedWhileLocked = worker.inTransaction));
      await new Promise((resolve) => setTimeout(resolve, 20));
      worker.exec('COMMIT');
      await accepted;
      expect(committedWhileLocked).toBe(false);
      expect(await selectRows(db, 'SELECT event_id, state FROM channel_inbox')).toEqual([
        { event_id: 'e1', state: 'accepted' },
      ]);
      expect(delivery.storeHealth.status()).toMatchObject({ ok: true });
      await delivery.stop(0);
      worker.close();
      db.close();
    },
  );
});
