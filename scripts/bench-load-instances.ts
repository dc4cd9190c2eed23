/**
 * `npm run bench:load -- --instances 1,2,3` (issue #17): the webhook ack path of the real
 * server, unthrottled, on the SQLite file (one instance) and on one throwaway PostgreSQL with
 * each given number of instances (each its own process, as behind a load balancer), all in
 * one run on this machine:
 *
 *   - the same closed-loop load for each: `connections` keep-alive sockets spread round-robin
 *     over the instances, each sending its next signed webhook (one fresh citizen and message
 *     per request, rotating Zalo, Messenger and Telegram) as soon as the last is answered, for
 *     `duration` seconds after a short warm-up;
 *   - prints accepted messages/s and ack p50/p99 for each, then the ratio of 2 instances to 1
 *     on PostgreSQL;
 *   - checks exactly once after the replies have drained: every acknowledged event stored
 *     once and delivered, logged once (across the instances' files), its recipient got exactly
 *     the parts stored as sent, no part twice.
 *
 * PostgreSQL comes from tests/support/postgres.ts (initdb into a temporary folder). The
 * interaction log is read from PostgreSQL and from every instance's file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { freshPostgresUrl, stopPostgres } from '../tests/support/engines';
import { startServer, type ServerProcess } from '../tests/support/process';
import {
  checkOutcomes,
  heldOutTexts,
  loggedCounts,
  signedCall,
  type InboxOutcome,
} from '../tests/support/webhook-load';
import { CountingPlatform } from './support/counting-platform';
import { closedLoop, requestBytes } from './support/keep-alive-loop';

export interface InstancesOptions {
  /** Instance counts to run on PostgreSQL, e.g. [1, 2, 3]. */
  instances: number[];
  durationS: number;
  connections: number;
  /** The longest wait for the replies while none is being finished (a hang guard). */
  drainS: number;
  /**
   * Seconds of the same load before measuring. V8 compiles each instance's hot code on its
   * own, as its traffic makes it hot: N instances each see 1/N of the webhooks, so after the
   * same warm-up they run colder code and compile more while measured (default 2).
   */
  warmupS?: number;
  /** Writes each server's CPU profile (node --cpu-prof) into this folder. */
  cpuProfDir?: string;
  /**
   * Stops the instances right after the measured seconds, without waiting for the replies
   * nor checking exactly once: for profiling the ack path alone (exploration, not a result).
   */
  skipDrain?: boolean;
}

const SECRETS = {
  zaloAppId: '1234567890123456789',
  zaloOaSecretKey: 'bench-zalo-oa-secret-key',
  messengerAppSecret: 'bench-messenger-app-secret',
  telegramWebhookSecret: 'bench_telegram_webhook_secret',
};

interface RunResult {
  name: string;
  instances: number;
  postgres: boolean;
  accepted: number;
  rate: number;
  p50: number;
  p99: number;
  drainS: number;
  /** CPU ms per accepted message during the measured seconds, by process. */
  cpu: { bots: number; botsBackground: number; postgres: number; bench: number; busyCores: number };
  /** Reply parts the platform received during the measured seconds (turns run during the burst). */
  partsWhileMeasured: number;
  /** Calls signed while measured, past the ones built before (0 unless the pool ran out). */
  signedLate: number;
  problems: string[];
}

/** Interaction rows per `channel:message_id` in the PostgreSQL log (platform channels only). */
async function postgresLoggedCounts(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ channel: string; message_id: string; n: string }>(
      "SELECT channel, message_id, count(*) AS n FROM interactions WHERE channel != 'web' GROUP BY channel, message_id",
    );
    return new Map(rows.map((r) => [`${r.channel}:${r.message_id}`, Number(r.n)]));
  } finally {
    await client.end();
  }
}

/** CPU time (ms) a process has used so far, from /proc (Linux); 0 when it is gone. */
function cpuMs(pid: number, tid?: string): number {
  try {
    const stat = fs.readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) of a process's threads other than its main one: in a bot, V8's background
 * threads (TurboFan compiling hot code, concurrent GC), worker threads (the SQLite file's
 * checkpointer and answer thread) and libuv's pool. V8's share is high while an instance is
 * still warming up; 0 when the process is gone.
 */
function backgroundCpuMs(pid: number): number {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  return tids.filter((tid) => tid !== String(pid)).reduce((t, tid) => t + cpuMs(pid, tid), 0);
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every usual build). */
const CLOCK_TICKS = 100;

/** The PostgreSQL server's processes serving this database (backends and background workers). */
async function postgresPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function run(
  name: string,
  count: number,
  postgres: boolean,
  options: InstancesOptions,
  texts: string[],
): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-instances-'));
  const fake = await CountingPlatform.start();
  const url = postgres ? await freshPostgresUrl() : undefined;
  const files = Array.from({ length: count }, (_, i) => path.join(dir, `bot${i}.sqlite`));
  const servers: ServerProcess[] = [];
  const env = (file: string) => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_PATH: file,
    ...(url && { DATABASE_URL: url, DATABASE_POOL_SIZE: '8' }),
    PSEUDONYM_SECRET: 'bench-instances-pseudonym-secret',
    ADMIN_PASSWORD: crypto.randomBytes(16).toString('hex'),
    PUBLIC_BASE_URL: 'https://bot.example.gov.vn',
    ZALO_APP_ID: SECRETS.zaloAppId,
    ZALO_OA_SECRET_KEY: SECRETS.zaloOaSecretKey,
    ZALO_ACCESS_TOKEN: 'bench-zalo-access-token',
    ZALO_API_BASE: fake.baseUrl,
    ZALO_OAUTH_BASE: fake.baseUrl,
    MESSENGER_APP_SECRET: SECRETS.messengerAppSecret,
    MESSENGER_VERIFY_TOKEN: 'bench-verify-token',
    MESSENGER_PAGE_ACCESS_TOKEN: 'bench-messenger-page-token',
    MESSENGER_API_BASE: fake.baseUrl,
    TELEGRAM_BOT_TOKEN: '7000000001:AAbench-telegram-token',
    TELEGRAM_WEBHOOK_SECRET: SECRETS.telegramWebhookSecret,
    TELEGRAM_API_ROOT: fake.baseUrl,
    FLOOD_MAX_MESSAGES: '10',
    FLOOD_WINDOW_SECONDS: '10',
  });
  try {
    // One after the other: the first migrates, the others find nothing to do.
    const nodeArgs = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
    for (const file of files) servers.push(await startServer(env(file), { nodeArgs }));
    const tag = crypto.randomBytes(3).toString('hex');
    let n = 0;
    const build = () => {
      const call = signedCall(n, tag, texts[n % texts.length]!, SECRETS, n++);
      return { item: call, bytes: requestBytes('127.0.0.1', 'POST', call.path, call.headers, call.body) };
    };
    const ports = servers.map((s) => Number(new URL(s.baseUrl).port));
    // The warm-up signs each call as it goes, and meanwhile builds and signs the calls the
    // measured seconds send (twice the warm-up's rate: timestamps a few seconds old are
    // current for every platform, see currentEvents), so that this process's CPU stays off the
    // cores the instances are measured on, with no pause between the two for the instances to
    // leave their burst mode in.
    const pool: ReturnType<typeof build>[] = [];
    const perWarmCall = Math.ceil((2 * options.durationS) / (options.warmupS ?? 2));
    const warm = await closedLoop(ports, options.connections, options.warmupS ?? 2, () => {
      for (let i = 0; i < perWarmCall; i++) pool.push(build());
      return build();
    });
    for (let i = 0; i < 1000; i++) pool.push(build());
    let taken = 0;
    let signedLate = 0;
    const next = () => (taken < pool.length ? pool[taken++]! : (signedLate++, build()));
    // CPU used during the measured seconds: the bots, the PostgreSQL server (its processes
    // for this database), and this process (the load's client and the fake platform).
    const pgPids = url ? await postgresPids(url) : [];
    const botPids = servers.map((s) => s.child.pid!);
    const cpuNow = () => ({
      bots: botPids.reduce((t, pid) => t + cpuMs(pid), 0),
      botsBackground: botPids.reduce((t, pid) => t + backgroundCpuMs(pid), 0),
      postgres: pgPids.reduce((t, pid) => t + cpuMs(pid), 0),
      bench: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
    });
    // The pool's garbage is collected now rather than while measured (bench:load runs --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const cpuBefore = cpuNow();
    const partsBefore = fake.total;
    const measured = await closedLoop(ports, options.connections, options.durationS, next);
    const cpuAfter = cpuNow();
    const partsWhileMeasured = fake.total - partsBefore;
    const problems: string[] = [];
    let drainS = NaN;
    if (options.skipDrain) await Promise.all(servers.map((s) => (s.child.kill('SIGTERM'), s.exited)));
    else {
      const drainStart = performance.now();
      const outcomes = await drained(files[0]!, url, options.drainS * 1000);
      drainS = (performance.now() - drainStart) / 1000;
      await Promise.all(servers.map((s) => (s.child.kill('SIGTERM'), s.exited)));
      // With DATABASE_URL the interaction log is on PostgreSQL; each file is read too, so a
      // row logged in both places counts twice.
      const logs = files.map((file) => {
        const db = new Database(file, { readonly: true });
        try {
          return loggedCounts(db);
        } finally {
          db.close();
        }
      });
      if (url) logs.push(await postgresLoggedCounts(url));
      const accepted = [...warm.accepted, ...measured.accepted];
      const check = checkOutcomes(
        outcomes,
        logs,
        accepted,
        (channel, recipient) => fake.received.get(`${channel}:${recipient}`) ?? 0,
      );
      if (check.stored !== accepted.length)
        problems.push(`inbox rows ${check.stored} vs accepted ${accepted.length}`);
      for (const [key, list] of Object.entries(check))
        if (Array.isArray(list) && list.length > 0) problems.push(`${key}: ${list.length}`);
      if (fake.duplicates > 0) problems.push(`${fake.duplicates} parts received twice`);
    }
    const latencies = measured.latencies.sort((a, b) => a - b);
    return {
      name,
      instances: count,
      postgres,
      accepted: measured.accepted.length,
      rate: measured.accepted.length / measured.seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      drainS,
      cpu: {
        bots: (cpuAfter.bots - cpuBefore.bots) / measured.accepted.length,
        botsBackground: (cpuAfter.botsBackground - cpuBefore.botsBackground) / measured.accepted.length,
        postgres: (cpuAfter.postgres - cpuBefore.postgres) / measured.accepted.length,
        bench: (cpuAfter.bench - cpuBefore.bench) / measured.accepted.length,
        busyCores:
          (cpuAfter.bots +
            cpuAfter.postgres +
            cpuAfter.bench -
            cpuBefore.bots -
            cpuBefore.postgres -
            cpuBefore.bench) /
          1000 /
          measured.seconds,
      },
      partsWhileMeasured,
      signedLate,
      problems,
    };
  } finally {
    await Promise.all(servers.map((s) => s.kill()));
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Waits until no event is open, for as long as events keep being finished (as plain
 * `bench:load` does): it gives up only after `stallMs` without one finished, a hang guard,
 * not a budget. Then reads every inbox row for the exactly-once check.
 */
async function drained(
  sqliteFile: string,
  url: string | undefined,
  stallMs: number,
): Promise<InboxOutcome[]> {
  const rowsQuery = 'SELECT channel, event_id, user_id, state, parts_sent FROM channel_inbox';
  const openQuery = "SELECT count(*) AS n FROM channel_inbox WHERE state IN ('accepted', 'answered')";
  let open: () => Promise<number>;
  let rows: () => Promise<InboxOutcome[]>;
  let close: () => Promise<void>;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    open = async () => Number((await client.query<{ n: string }>(openQuery)).rows[0]!.n);
    rows = async () => (await client.query<InboxOutcome>(rowsQuery)).rows;
    close = () => client.end();
  } else {
    const db = new Database(sqliteFile, { readonly: true });
    open = () => Promise.resolve((db.prepare(openQuery).get() as { n: number }).n);
    rows = () => Promise.resolve(db.prepare(rowsQuery).all() as InboxOutcome[]);
    close = async () => void db.close();
  }
  try {
    let last = Infinity;
    let progressAt = performance.now();
    for (;;) {
      const n = await open();
      if (n < last) {
        last = n;
        progressAt = performance.now();
      }
      if (n === 0 || performance.now() - progressAt > stallMs) return await rows();
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await close();
  }
}

export async function benchInstances(options: InstancesOptions): Promise<boolean> {
  const texts = heldOutTexts();
  console.log(
    `bench:load --instances — the real server, unthrottled, ${options.connections} connections spread over the ` +
      `instances, ${options.durationS} s each after ${options.warmupS ?? 2} s of warm-up; ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    'SQLite: WAL, synchronous=NORMAL (a commit is not flushed to disk). PostgreSQL: a throwaway cluster on ' +
      '127.0.0.1 (tests/support/postgres.ts) with fsync=off, synchronous_commit=off, full_page_writes=off, ' +
      'as the tests use: neither flushes a commit, so neither waits for the disk; a production PostgreSQL keeps fsync on.',
  );
  const results: RunResult[] = [];
  const line = (r: RunResult) =>
    `${r.name.padEnd(26)} ${r.rate.toFixed(0).padStart(5)} accepted/s   ack p50 ${r.p50.toFixed(1)} ms, ` +
    `p99 ${r.p99.toFixed(1)} ms   ` +
    (Number.isNaN(r.drainS) ? '' : `replies drained ${r.drainS.toFixed(1)} s after   `) +
    (options.skipDrain
      ? 'exactly once: not checked (--no-drain)'
      : r.problems.length === 0
        ? 'exactly once: yes'
        : `exactly once: NO (${r.problems.join('; ')})`);
  const runs: [string, number, boolean][] = [
    ['SQLite, 1 instance', 1, false],
    ...options.instances.map((n): [string, number, boolean] => [
      `PostgreSQL, ${n} instance${n > 1 ? 's' : ''}`,
      n,
      true,
    ]),
  ];
  try {
    for (const [name, count, postgres] of runs) {
      results.push(await run(name, count, postgres, options, texts));
      const r = results.at(-1)!;
      console.log(`  ${line(r)}`);
      console.log(
        `    CPU per accepted message while measured: bots ${r.cpu.bots.toFixed(2)} ms ` +
          `(${r.cpu.botsBackground.toFixed(2)} ms of it off the main thread: V8 compiling and GC, worker threads), PostgreSQL ` +
          `${r.cpu.postgres.toFixed(2)} ms, this process (load + fake platform) ${r.cpu.bench.toFixed(2)} ms; ` +
          `${r.cpu.busyCores.toFixed(2)} of ${os.cpus().length} cores busy with them; ${r.partsWhileMeasured} reply parts sent meanwhile; ` +
          (r.signedLate > 0 ? `${r.signedLate} calls signed while measured (built too few before); ` : '') +
          `load average ${os.loadavg()[0]!.toFixed(1)}`,
      );
    }
  } finally {
    await stopPostgres();
  }
  console.log('');
  for (const r of results) console.log(line(r));
  const one = results.find((r) => r.postgres && r.instances === 1);
  if (one) {
    console.log('');
    for (const more of results.filter((r) => r.postgres && r.instances > 1))
      console.log(
        `PostgreSQL, ${more.instances} instances vs 1: ${(more.rate / one.rate).toFixed(2)}× the accepted messages/s`,
      );
  }
  return !options.skipDrain && results.every((r) => r.problems.length === 0);
}
