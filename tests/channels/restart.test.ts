/**
 * Crash safety with the real server process: killed (SIGKILL) after the ack, restarted on
 * the same SQLite file, the message is answered exactly once.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { openDatabase } from '../../src/store/db';
import { openEngine } from '../../src/store/engine';
import { Inbox, type InboxInsert } from '../../src/store/inbox';
import { SharedInbox } from '../../src/store/shared-inbox';
import { tempDir } from '../support/app';
import { FakePlatform } from '../support/fake-platform';
import { startServer, type ServerProcess } from '../support/process';
import { selectRowsAt } from '../support/rows';
import { testDatabaseUrl, testEngine } from '../support/test-engine';
import { channelEnv, fixtureWith, messengerSignature } from './helpers';

/**
 * SIGKILL for the server itself: `tsx` runs it as a child node process and cannot relay a
 * SIGKILL, so the server (and then the wrapper) are killed by pid.
 */
function killHard(server: ServerProcess): Promise<number | null> {
  const pid = server.child.pid!;
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    /* no child: the wrapper is the server */
  }
  for (const child of children) process.kill(child, 'SIGKILL');
  server.child.kill('SIGKILL');
  return server.exited;
}

/** Waits until every inbox row of the server's store is delivered (read through a second connection). */
async function untilDelivered(dbPath: string): Promise<void> {
  while (
    (await selectRowsAt(dbPath, "SELECT event_id FROM channel_inbox WHERE state != 'delivered'")).length > 0
  )
    await new Promise((r) => setTimeout(r, 50));
}

/** Stores an event as accepted, in the store the server will start on, before it starts. */
async function acceptedBeforeStart(dbPath: string, event: InboxInsert): Promise<void> {
  const db = openDatabase(dbPath);
  if (testEngine() === 'sqlite') {
    new Inbox(db).insert([event]);
    db.close();
    return;
  }
  db.close();
  const engine = openEngine({ url: testDatabaseUrl(dbPath) });
  try {
    await new SharedInbox(engine).insert([event]);
  } finally {
    await engine.close();
  }
}

describe('a server killed after the ack', () => {
  let fake: FakePlatform;
  let servers: ServerProcess[] = [];

  beforeEach(async () => {
    fake = await FakePlatform.start();
    servers = [];
  });
  afterEach(async () => {
    for (const s of servers) if (s.child.exitCode === null) await killHard(s);
    await fake.close();
  });

  it('answers the message once after a restart, without running the engine again', async () => {
    const dbPath = path.join(tempDir(), 'bot.sqlite');
    // A long timeout: the first process must still be waiting on the platform when killed.
    // On PostgreSQL the restarted process takes the event over once the dead one's lease ends.
    const env = channelEnv(fake, {
      DATABASE_PATH: dbPath,
      SEND_TIMEOUT_MS: '60000',
      INBOX_LEASE_SECONDS: '2',
    });
    const first = await startServer(env);
    servers.push(first);

    fake.failNext('timeout'); // the platform holds the first send without answering
    const body = fixtureWith('messenger', 'text');
    const res = await fetch(`${first.baseUrl}/webhooks/messenger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': messengerSignature(body) },
      body,
    });
    expect(res.status).toBe(200);
    await fake.waitFor(() => fake.sends('messenger').length === 1);
    await killHard(first);
    expect(fake.delivered('messenger')).toHaveLength(0);

    const second = await startServer(env);
    servers.push(second);
    await fake.waitFor(() => fake.delivered('messenger').length >= 1);
    // Let the restarted process finish every part (its row delivered: an event, not a time).
    await untilDelivered(dbPath);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const rows = await selectRowsAt(dbPath, 'SELECT state, interaction_id FROM channel_inbox');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'delivered' });
    // Every part went out exactly once (the held request was never answered by the platform).
    const texts = fake
      .delivered('messenger')
      .map((r) => JSON.stringify((r.body as { message: unknown }).message));
    expect(new Set(texts).size).toBe(texts.length);
    // (The SQLite delivery says what it resumed; on PostgreSQL the event is claimed anew.)
    if (testEngine() === 'sqlite')
      expect(second.logs()).toContain('resuming platform events left unanswered');
    // The engine's record of the exchange was written once, by the first process.
    expect(await selectRowsAt(dbPath, 'SELECT id FROM interactions')).toHaveLength(1);
  });

  it('answers at start an event that was accepted but never processed', async () => {
    const dbPath = path.join(tempDir(), 'bot.sqlite');
    await acceptedBeforeStart(dbPath, {
      channel: 'messenger',
      eventId: 'm_accepted_before_the_crash',
      userId: '6912345678901234',
      text: 'xin chào',
      eventTime: Date.now(),
    });

    const server = await startServer(channelEnv(fake, { DATABASE_PATH: dbPath }));
    servers.push(server);
    await untilDelivered(dbPath);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await selectRowsAt(dbPath, 'SELECT state FROM channel_inbox')).toEqual([{ state: 'delivered' }]);
    expect((fake.delivered('messenger')[0].body as { recipient: { id: string } }).recipient.id).toBe(
      '6912345678901234',
    );
    expect(server.logs()).toMatch(/channels live: web, zalo, messenger, telegram/);
  });
});
