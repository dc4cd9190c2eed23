/**
 * Another process (a report, an officer's erase command, a backup) holds SQLite's write
 * lock for about a second, twice: while webhooks arrive and while replies are computed.
 * The real server waits for the lock (busy_timeout) instead of failing: every webhook is
 * acknowledged, every message answered and logged exactly once.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { channelEnv, LOAD_SECRETS } from '../channels/helpers';
import { tempDir } from '../support/app';
import { FakePlatform } from '../support/fake-platform';
import { startServer, type ServerProcess } from '../support/process';
import { checkExactlyOnce, heldOutTexts, signedCall, type SignedCall } from '../support/webhook-load';
import { describeSqliteOnly } from '../support/test-engine';

const LOCK_MS = 1000;

describeSqliteOnly("another process holds the SQLite file's write lock")(
  'SQLite locked by another process for a second',
  () => {
    let fake: FakePlatform;
    let server: ServerProcess | undefined;

    beforeEach(async () => {
      fake = await FakePlatform.start();
    });
    afterEach(async () => {
      await server?.kill();
      await fake.close();
    });

    /** Takes the write lock in this process's own connection; releases it after LOCK_MS. */
    function holdWriteLock(dbPath: string): Promise<void> {
      const locker = new Database(dbPath);
      locker.exec('BEGIN EXCLUSIVE');
      return new Promise((resolve) =>
        setTimeout(() => {
          locker.exec('COMMIT');
          locker.close();
          resolve();
        }, LOCK_MS),
      );
    }

    it('waits for the lock on the ack path and while answering; nothing lost, nothing twice', async () => {
      const dbPath = path.join(tempDir(), 'bot.sqlite');
      // The send timeout must outlast a lock wait: a blocked event loop cannot read the answers
      // that arrive meanwhile, and a send timed out that way would be sent twice.
      server = await startServer(
        channelEnv(fake, { DATABASE_PATH: dbPath, CHANNEL_CONCURRENCY: '4', SEND_TIMEOUT_MS: '5000' }),
      );
      const base = server.baseUrl;
      // Slow sends, so that answering is still going on during the second lock.
      fake.sendDelayMs = 100;
      const texts = heldOutTexts();
      const calls: SignedCall[] = Array.from({ length: 30 }, (_, n) =>
        signedCall(n, 'lock', texts[(n * 13) % texts.length], LOAD_SECRETS),
      );

      // 1. Locked while the webhooks arrive: their acks wait for the lock, then succeed.
      const released = holdWriteLock(dbPath);
      const lockedAt = Date.now();
      const acks = await Promise.all(
        calls.map(async (call) => {
          const res = await fetch(`${base}${call.path}`, {
            method: 'POST',
            headers: call.headers,
            body: call.body,
          });
          return { status: res.status, after: Date.now() - lockedAt };
        }),
      );
      await released;
      expect(acks.map((a) => a.status)).toEqual(calls.map(() => 200));
      // The server really waited for the lock (nothing could be stored before it was released).
      expect(Math.min(...acks.map((a) => a.after))).toBeGreaterThanOrEqual(LOCK_MS - 100);

      // 2. Locked again while the replies are being computed and sent.
      await fake.waitFor(() => fake.sends().length >= 1);
      const undelivered = checkExactlyOnce(dbPath, [], () => 0).notDelivered.length;
      expect(undelivered).toBeGreaterThan(0);
      await holdWriteLock(dbPath);

      await fake.waitFor(
        () =>
          checkExactlyOnce(dbPath, [], () => 0).notDelivered.length === 0 &&
          fake.requests.every((r) => r.outcome !== 'held'),
        30_000,
      );
      const received = (channel: 'zalo' | 'messenger' | 'telegram', recipient: string) =>
        fake.sendsTo(channel, recipient).filter((r) => r.outcome === 'ok').length;
      expect(checkExactlyOnce(dbPath, calls, received)).toEqual({
        stored: 30,
        lost: [],
        notDelivered: [],
        loggedWrongly: [],
        partsMismatch: [],
      });
      const errors = server
        .logs()
        .split('\n')
        .filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 50);
      expect(errors).toEqual([]);
    });
  },
);
