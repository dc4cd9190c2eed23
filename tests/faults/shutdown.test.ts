/**
 * The real server process stopped under load, then started again on the same SQLite file:
 * SIGTERM (a deploy) and SIGKILL (a crash, an OOM kill). Every acknowledged message is
 * answered after the restart; the engine runs and the log records once per message.
 */
import path from 'node:path';
import { channelEnv, LOAD_SECRETS } from '../channels/helpers';
import { tempDir } from '../support/app';
import { FakePlatform } from '../support/fake-platform';
import { startServer, type ServerProcess } from '../support/process';
import {
  checkExactlyOnceAt,
  heldOutTexts,
  signedCall,
  type LoadChannel,
  type SignedCall,
} from '../support/webhook-load';
import { until } from '../support/until';
import { testEngine } from '../support/test-engine';

const CONCURRENCY = 4;
/** Zalo, Messenger and Telegram each have CONCURRENCY workers (src/channels/delivery.ts). */
const WORKERS = CONCURRENCY * 3;
const MESSAGES = 45;

describe('the server stopped under load and restarted', () => {
  let fake: FakePlatform;
  let servers: ServerProcess[];
  let dbPath: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    fake = await FakePlatform.start();
    // A slow platform (sends take 150 ms): at the stop, sends are on the wire and events queued.
    fake.sendDelayMs = 150;
    servers = [];
    dbPath = path.join(tempDir(), 'bot.sqlite');
    env = channelEnv(fake, {
      DATABASE_PATH: dbPath,
      CHANNEL_CONCURRENCY: String(CONCURRENCY),
      SEND_TIMEOUT_MS: '5000',
      // On PostgreSQL a killed instance's claimed events are taken over once its lease ends.
      INBOX_LEASE_SECONDS: '3',
    });
  });
  afterEach(async () => {
    for (const s of servers) await s.kill();
    await fake.close();
  });

  /** Posts MESSAGES signed webhook calls, 15 at a time; returns those acknowledged with 200. */
  async function load(server: ServerProcess): Promise<SignedCall[]> {
    const texts = heldOutTexts();
    const accepted: SignedCall[] = [];
    for (let start = 0; start < MESSAGES; start += 15) {
      await Promise.all(
        Array.from({ length: 15 }, async (_, i) => {
          const n = start + i;
          const call = signedCall(n, 'stop', texts[(n * 11) % texts.length], LOAD_SECRETS);
          const res = await fetch(`${server.baseUrl}${call.path}`, {
            method: 'POST',
            headers: call.headers,
            body: call.body,
          });
          if (res.status === 200) accepted.push(call);
        }),
      );
    }
    return accepted;
  }

  const okSends = (channel: LoadChannel, recipient: string) =>
    fake.sendsTo(channel, recipient).filter((r) => r.outcome !== 'failed').length;

  async function restartAndFinish(): Promise<ServerProcess> {
    const second = await startServer(env);
    servers.push(second);
    await until(
      async () =>
        (await checkExactlyOnceAt(dbPath, [], () => 0)).notDelivered.length === 0 &&
        fake.requests.every((r) => r.outcome !== 'held'),
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    return second;
  }

  it('SIGTERM: in-flight sends finish, queued events wait for the next start; each answered exactly once', async () => {
    const first = await startServer(env);
    servers.push(first);
    const accepted = await load(first);
    expect(accepted).toHaveLength(MESSAGES);
    await fake.waitFor(() => fake.sends().length >= CONCURRENCY);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Nothing was cut off: every send the platform got was answered before the exit.
    expect(fake.requests.filter((r) => r.outcome === 'held').map((r) => r.path)).toEqual([]);
    const beforeRestart = await checkExactlyOnceAt(dbPath, accepted, okSends);
    expect(beforeRestart.lost).toEqual([]);
    expect(beforeRestart.notDelivered.length).toBeGreaterThan(0); // the load was really cut short

    const second = await restartAndFinish();
    // (The SQLite delivery says what it resumed; on PostgreSQL the events are claimed anew.)
    if (testEngine() === 'sqlite')
      expect(second.logs()).toContain('resuming platform events left unanswered');
    expect(await checkExactlyOnceAt(dbPath, accepted, okSends)).toEqual({
      stored: MESSAGES,
      lost: [],
      notDelivered: [],
      loggedWrongly: [],
      partsMismatch: [],
    });
  });

  it('SIGKILL: after a restart every accepted message is answered, logged once, resent at most for sends on the wire', async () => {
    const first = await startServer(env);
    servers.push(first);
    const accepted = await load(first);
    expect(accepted).toHaveLength(MESSAGES);
    await fake.waitFor(() => fake.sends().length >= CONCURRENCY * 2);
    // No count of the sends on the wire is taken here: more start between a count and the
    // kill's effect, and a busy machine widens that gap (this test failed so: 3 resent, at
    // most 2 allowed). The bound below holds whenever the kill lands.
    await first.kill();
    // The server is really gone (no orphan left by a wrapper process).
    await expect(fetch(`${first.baseUrl}/healthz`)).rejects.toThrow();

    await restartAndFinish();
    const check = await checkExactlyOnceAt(dbPath, accepted, okSends);
    expect(check.stored).toBe(MESSAGES);
    expect(check.lost).toEqual([]);
    expect(check.notDelivered).toEqual([]);
    expect(check.loggedWrongly).toEqual([]);
    // A part whose request was on the wire at the kill may have reached the platform and is
    // sent again (no platform offers an idempotency key): at most one per worker.
    expect(check.partsMismatch.length).toBeLessThanOrEqual(WORKERS);
    for (const call of accepted) expect(okSends(call.channel, call.recipient)).toBeGreaterThan(0);
  });
});
