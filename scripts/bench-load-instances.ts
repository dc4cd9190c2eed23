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
 * PostgreSQL comes from tests/support/postgres.ts (initdb into a temporary folder).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
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
  type SignedCall,
} from '../tests/support/webhook-load';
import { CountingPlatform } from './support/counting-platform';

export interface InstancesOptions {
  /** Instance counts to run on PostgreSQL, e.g. [1, 2, 3]. */
  instances: number[];
  durationS: number;
  connections: number;
  drainS: number;
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
  problems: string[];
}

/** Closed loop: `connections` sockets over the instances, each sending the next call when answered. */
async function closedLoop(
  urls: string[],
  connections: number,
  seconds: number,
  next: () => SignedCall,
): Promise<{ accepted: SignedCall[]; latencies: number[]; seconds: number }> {
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: connections }));
  const accepted: SignedCall[] = [];
  const latencies: number[] = [];
  const startedAt = performance.now();
  const until = startedAt + seconds * 1000;
  const worker = async (c: number): Promise<void> => {
    const i = c % urls.length;
    const url = new URL(urls[i]!);
    while (performance.now() < until) {
      const call = next();
      const sentAt = performance.now();
      const status = await new Promise<number>((resolve) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: call.path,
            agent: agents[i],
            timeout: 10_000,
            headers: { ...call.headers, 'content-length': Buffer.byteLength(call.body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(0));
        req.end(call.body);
      });
      latencies.push(performance.now() - sentAt);
      if (status === 200) accepted.push(call);
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, c) => worker(c)));
  for (const agent of agents) agent.destroy();
  return { accepted, latencies, seconds: (performance.now() - startedAt) / 1000 };
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
    for (const file of files) servers.push(await startServer(env(file)));
    const tag = crypto.randomBytes(3).toString('hex');
    let n = 0;
    const next = () => signedCall(n, tag, texts[n % texts.length]!, SECRETS, n++);
    const urls = servers.map((s) => s.baseUrl);
    const warm = await closedLoop(urls, options.connections, 2, next);
    const measured = await closedLoop(urls, options.connections, options.durationS, next);
    const drainStart = performance.now();
    const outcomes = await drained(files[0]!, url, options.drainS * 1000);
    const drainS = (performance.now() - drainStart) / 1000;
    await Promise.all(servers.map((s) => (s.child.kill('SIGTERM'), s.exited)));
    const logs = files.map((file) => {
      const db = new Database(file, { readonly: true });
      try {
        return loggedCounts(db);
      } finally {
        db.close();
      }
    });
    const accepted = [...warm.accepted, ...measured.accepted];
    const check = checkOutcomes(
      outcomes,
      logs,
      accepted,
      (channel, recipient) => fake.received.get(`${channel}:${recipient}`) ?? 0,
    );
    const problems: string[] = [];
    if (check.stored !== accepted.length)
      problems.push(`inbox rows ${check.stored} vs accepted ${accepted.length}`);
    for (const [key, list] of Object.entries(check))
      if (Array.isArray(list) && list.length > 0) problems.push(`${key}: ${list.length}`);
    if (fake.duplicates > 0) problems.push(`${fake.duplicates} parts received twice`);
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
      problems,
    };
  } finally {
    await Promise.all(servers.map((s) => s.kill()));
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until no event is open (or the time is up), then reads every inbox row. */
async function drained(
  sqliteFile: string,
  url: string | undefined,
  timeoutMs: number,
): Promise<InboxOutcome[]> {
  const query = 'SELECT channel, event_id, user_id, state, parts_sent FROM channel_inbox';
  const deadline = performance.now() + timeoutMs;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (;;) {
        const { rows } = await client.query<InboxOutcome>(query);
        const open = rows.filter((r) => r.state === 'accepted' || r.state === 'answered').length;
        if (open === 0 || performance.now() > deadline) return rows;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await client.end();
    }
  }
  const db = new Database(sqliteFile, { readonly: true });
  try {
    for (;;) {
      const rows = db.prepare(query).all() as InboxOutcome[];
      const open = rows.filter((r) => r.state === 'accepted' || r.state === 'answered').length;
      if (open === 0 || performance.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    db.close();
  }
}

export async function benchInstances(options: InstancesOptions): Promise<boolean> {
  const texts = heldOutTexts();
  console.log(
    `bench:load --instances — the real server, unthrottled, ${options.connections} connections spread over the ` +
      `instances, ${options.durationS} s each; ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const results: RunResult[] = [];
  const line = (r: RunResult) =>
    `${r.name.padEnd(26)} ${r.rate.toFixed(0).padStart(5)} accepted/s   ack p50 ${r.p50.toFixed(1)} ms, ` +
    `p99 ${r.p99.toFixed(1)} ms   replies drained ${r.drainS.toFixed(1)} s after   ` +
    (r.problems.length === 0 ? 'exactly once: yes' : `exactly once: NO (${r.problems.join('; ')})`);
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
      console.log(`  ${line(results.at(-1)!)}`);
    }
  } finally {
    await stopPostgres();
  }
  console.log('');
  for (const r of results) console.log(line(r));
  const one = results.find((r) => r.postgres && r.instances === 1);
  const two = results.find((r) => r.postgres && r.instances === 2);
  if (one && two)
    console.log(
      `\nPostgreSQL, 2 instances vs 1: ${(two.rate / one.rate).toFixed(2)}× the accepted messages/s`,
    );
  return results.every((r) => r.problems.length === 0);
}
