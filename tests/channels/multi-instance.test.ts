/**
 * Issue #17's proof: three instances of the real bot (src/main.ts, each its own process)
 * share one throwaway PostgreSQL (DATABASE_URL), with Zalo, Messenger and Telegram pointed at
 * the fake platform on 127.0.0.1. Citizens write several messages each, as signed webhooks
 * spread across the instances; a third of the calls are sent again to another instance, as a
 * platform retries when our 200 seemed late. One instance is killed with SIGKILL mid-burst
 * (a call to it then fails and goes to the next one, as a load balancer would). Checked:
 *
 * - every acknowledged event is stored once and delivered: the platform got, per citizen,
 *   exactly the parts the store recorded as sent, nothing twice — beyond a part the killed
 *   instance had sent but not yet recorded (no platform offers an idempotency key);
 * - logged once: exactly one interaction row per event, in PostgreSQL, whichever instance ran
 *   its turn — the log row commits with the reply stored under the lease, so a turn the
 *   killed instance ran but did not store left nothing, and one it stored is not run again;
 * - in order per citizen: each turn ran after the citizen's previous event was delivered.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pseudonymize } from '../../src/privacy/pseudonym';
import { tempDir } from '../support/app';
import { freshPostgresUrl, stopPostgres } from '../support/engines';
import { FakePlatform } from '../support/fake-platform';
import { describePostgres } from '../support/postgres';
import { startServer, type ServerProcess } from '../support/process';
import { until } from '../support/until';
import { heldOutTexts, signedCall, type SignedCall } from '../support/webhook-load';
import { channelEnv, LOAD_SECRETS } from './helpers';

const INSTANCES = 3;
const CITIZENS = 24;
const MESSAGES_EACH = 4;
const SECRET = 'multi-instance-test-pseudonym-secret';

describePostgres()('three instances of the bot on one PostgreSQL, one killed mid-burst', () => {
  let fake: FakePlatform;
  let instances: ServerProcess[] = [];
  const files: string[] = [];

  beforeAll(async () => {
    fake = await FakePlatform.start();
    // A platform takes a few ms to answer: the kill lands while sends are on the wire.
    fake.sendDelayMs = 3;
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await fake?.close();
    await stopPostgres();
  });

  it('answers every accepted event exactly once, logs it once, in order per citizen', async () => {
    const url = await freshPostgresUrl();
    const dir = tempDir();
    instances = await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) => {
        files.push(path.join(dir, `bot${i}.sqlite`));
        return startServer(
          channelEnv(fake, {
            DATABASE_URL: url,
            DATABASE_PATH: files[i]!,
            DATABASE_POOL_SIZE: '4',
            // Long enough that a living instance on a busy 2-core machine (three bots, PostgreSQL
            // and jest) never outlives its lease: the test is about a killed instance, whose
            // events are taken over when this lease expires (the wait is for events, not time).
            INBOX_LEASE_SECONDS: '12',
            PSEUDONYM_SECRET: SECRET,
            FLOOD_MAX_MESSAGES: '1000',
            // Not a test of timeouts: a send is not cut off (and maybe sent twice) on a busy machine.
            SEND_TIMEOUT_MS: '30000',
            LOG_LEVEL: 'debug',
          }),
        );
      }),
    );
    const alive = new Set(instances.keys());
    const post = async (i: number, call: SignedCall): Promise<boolean> => {
      try {
        const res = await fetch(`${instances[i]!.baseUrl}${call.path}`, {
          method: 'POST',
          headers: call.headers,
          body: call.body,
        });
        return res.status === 200;
      } catch {
        return false; // the instance is dead: the platform retries elsewhere
      }
    };
    // As a platform behind a load balancer: one instance, then the next until one says 200.
    const deliver = async (call: SignedCall, first: number): Promise<void> => {
      for (let k = 0; ; k++) {
        const i = (first + k) % INSTANCES;
        if (alive.has(i) && (await post(i, call))) return;
        if (k > 10 * INSTANCES) throw new Error(`no instance acknowledged ${call.eventId}`);
      }
    };

    const texts = heldOutTexts();
    const calls: SignedCall[][] = Array.from({ length: CITIZENS }, (_, c) =>
      Array.from({ length: MESSAGES_EACH }, (_, m) => {
        // n mod 3 is the channel: the same for all of a citizen's messages.
        const n = 3 * (c * MESSAGES_EACH + m) + (c % 3);
        return signedCall(n, 'mi', texts[n % texts.length]!, LOAD_SECRETS, c);
      }),
    );
    const citizen = async (c: number): Promise<void> => {
      for (const [m, call] of calls[c]!.entries()) {
        await deliver(call, (c + m) % INSTANCES);
        if ((c + m) % 3 === 0) await deliver(call, (c + m + 1) % INSTANCES);
      }
    };
    const burst = Promise.all(Array.from({ length: CITIZENS }, (_, c) => citizen(c)));
    // Mid-burst: once some replies went out, and while citizens are still writing.
    await until(() => fake.delivered().length >= 10);
    alive.delete(0);
    await instances[0]!.kill();
    await burst;

    const total = CITIZENS * MESSAGES_EACH;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    type Row = {
      id: string;
      channel: string;
      event_id: string;
      user_id: string;
      state: string;
      parts_sent: number;
      updated_at: string;
    };
    let rows: Row[] = [];
    let logged: { channel: string; message_id: string }[];
    try {
      await until(async () => {
        rows = (
          await client.query<Row>(
            'SELECT id, channel, event_id, user_id, state, parts_sent, updated_at FROM channel_inbox',
          )
        ).rows;
        return rows.filter((r) => r.state !== 'accepted' && r.state !== 'answered').length === total;
      });
      logged = (
        await client.query<{ channel: string; message_id: string }>(
          "SELECT channel, message_id FROM interactions WHERE channel != 'web'",
        )
      ).rows;
    } finally {
      await client.end();
    }
    // Stopped now, so the files can be read as they are.
    await Promise.all(instances.map((i) => i.kill()));

    // Stored once: one row per event, whichever instances received it and its retries.
    expect(rows).toHaveLength(total);
    const stored = (call: SignedCall) =>
      rows.find(
        (r) =>
          r.channel === call.channel &&
          (r.event_id === call.eventId ||
            r.event_id === `h:${pseudonymize(SECRET, call.channel, call.eventId)}`),
      );
    const keyOf = (call: SignedCall) => stored(call)?.event_id;
    expect(calls.flat().filter((call) => !stored(call))).toEqual([]);
    expect(rows.filter((r) => r.state !== 'delivered')).toEqual([]);

    // Answered exactly once: per citizen, the platform got the parts the store says were
    // sent. A part the killed instance had sent (or was sending) but not yet recorded is sent
    // again by the instance that took the event over: the same part, at most one per worker.
    let repeated = 0;
    for (const list of calls) {
      const { channel, recipient } = list[0]!;
      const sent = fake.sendsTo(channel, recipient).filter((r) => r.outcome === 'ok');
      const recorded = list.reduce((n, call) => n + stored(call)!.parts_sent, 0);
      const distinct = new Set(sent.map((r) => r.text)).size;
      const extra = sent.length - recorded;
      expect({ recipient, extra, repeatsOnly: sent.length - distinct >= extra }).toEqual({
        recipient,
        extra: extra > 0 ? 1 : 0,
        repeatsOnly: true,
      });
      repeated += extra;
    }
    expect(repeated).toBeLessThanOrEqual(4); // CHANNEL_CONCURRENCY of the killed instance

    // Logged once, in PostgreSQL: one row per event, none for anything else.
    const times = new Map<string, number>();
    for (const r of logged)
      times.set(`${r.channel}:${r.message_id}`, (times.get(`${r.channel}:${r.message_id}`) ?? 0) + 1);
    for (const call of calls.flat()) {
      const key = `${call.channel}:${keyOf(call)}`;
      expect({ key, logged: times.get(key) ?? 0 }).toEqual({ key, logged: 1 });
    }
    expect(logged).toHaveLength(total);
    // Nothing in the instances' own files any more.
    for (const file of files.filter((f) => fs.existsSync(f))) {
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('SELECT count(*) AS n FROM interactions').get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    }

    // In order: each citizen's turn ran (the instance's 'answering' line) after their
    // previous event was stored as delivered (the same machine's clock).
    const turns = new Map<number, number>();
    for (const instance of instances)
      for (const line of instance.logs().split('\n')) {
        if (!line.includes('"answering"')) continue;
        const { inboxId, time } = JSON.parse(line) as { inboxId: number; time: number };
        turns.set(inboxId, Math.max(turns.get(inboxId) ?? 0, time));
      }
    for (const list of calls)
      for (let m = 1; m < list.length; m++) {
        const previousDone = Number(stored(list[m - 1]!)!.updated_at);
        const id = Number(stored(list[m]!)!.id);
        expect({ id, after: turns.get(id)! >= previousDone }).toEqual({ id, after: true });
      }
    // The kill landed mid-burst: the killed instance had answered some events, the others
    // answered the rest.
    const answered = instances.map((i) => i.logs().split('"answering"').length - 1);
    expect(answered[0]).toBeGreaterThan(0);
    expect(answered[1]! + answered[2]!).toBeGreaterThan(total / 2);
  });
});
