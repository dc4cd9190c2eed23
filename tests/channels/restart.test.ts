/**
 * Crash safety with the real server process: killed (SIGKILL) after the ack, restarted on
 * the same SQLite file, the message is answered exactly once.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/db';
import { Inbox } from '../../src/store/inbox';
import { tempDir } from '../support/app';
import { FakePlatform } from '../support/fake-platform';
import { startServer, type ServerProcess } from '../support/process';
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

/** Waits until every inbox row of the server's file is delivered (read through a second connection). */
async function untilDelivered(dbPath: string): Promise<void> {
  for (;;) {
    const db = new Database(dbPath, { readonly: true });
    const open =
      (db.prepare("SELECT count(*) FROM channel_inbox WHERE state != 'delivered'").pluck().get() as number) >
      0;
    db.close();
    if (!open) return;
    await new Promise((r) => setTimeout(r, 50));
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

  const countRows = (dbPath: string, table: string): number | undefined => {
    const db = new Database(dbPath, { readonly: true });
    try {
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
      return exists ? (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n : undefined;
    } finally {
      db.close();
    }
  };

  it('answers the message once after a restart, without running the engine again', async () => {
    const dbPath = path.join(tempDir(), 'bot.sqlite');
    // A long timeout: the first process must still be waiting on the platform when killed.
    const env = channelEnv(fake, { DATABASE_PATH: dbPath, SEND_TIMEOUT_MS: '60000' });
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

    const db = new Database(dbPath, { readonly: true });
    const rows = db.prepare('SELECT state, interaction_id FROM channel_inbox').all() as { state: string }[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'delivered' });
    // Every part went out exactly once (the held request was never answered by the platform).
    const texts = fake
      .delivered('messenger')
      .map((r) => JSON.stringify((r.body as { message: unknown }).message));
    expect(new Set(texts).size).toBe(texts.length);
    expect(second.logs()).toContain('resuming platform events left unanswered');
    // The engine's record of the exchange was written once, by the first process.
    const interactions = countRows(dbPath, 'interactions');
    if (interactions !== undefined) expect(interactions).toBe(1);
  });

  it('answers at start an event that was accepted but never processed', async () => {
    const dbPath = path.join(tempDir(), 'bot.sqlite');
    const db = openDatabase(dbPath);
    new Inbox(db).insert([
      {
        channel: 'messenger',
        eventId: 'm_accepted_before_the_crash',
        userId: '6912345678901234',
        text: 'xin chào',
        eventTime: Date.now(),
      },
    ]);
    db.close();

    const server = await startServer(channelEnv(fake, { DATABASE_PATH: dbPath }));
    servers.push(server);
    await untilDelivered(dbPath);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const check = new Database(dbPath, { readonly: true });
    expect(check.prepare('SELECT state FROM channel_inbox').all()).toEqual([{ state: 'delivered' }]);
    check.close();
    expect((fake.delivered('messenger')[0].body as { recipient: { id: string } }).recipient.id).toBe(
      '6912345678901234',
    );
    expect(server.logs()).toMatch(/channels live: web, zalo, messenger, telegram/);
  });
});
