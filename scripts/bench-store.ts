/**
 * bench:store — the shared inbox (src/store/shared-inbox.ts) under a burst, on SQLite with one
 * instance and on PostgreSQL with 1, 2 and 3 instance processes (the stand-in instances of
 * tests/support/shared-inbox-worker.ts: an ack route, and workers that claim, answer, send to
 * a fake platform on 127.0.0.1 and finish). Prints accepted events/s and ack p50/p99 (the
 * ack path: store, then 200), the time until the last reply reached the platform, and checks
 * that every event was sent exactly once. The bot's own delivery queue still runs on SQLite
 * only (issue #17): this measures the store's part of scaling out, not the whole bot.
 *
 *   npm run bench:store -- --events 4000 --clients 32 --instances 1,2,3
 */
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import express from 'express';
import { freshPostgresUrl, stopPostgres } from '../tests/support/engines';
import { startServer, type ServerProcess } from '../tests/support/process';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '4000' },
    clients: { type: 'string', default: '32' },
    instances: { type: 'string', default: '1,2,3' },
  },
});
const EVENTS = Number(values.events);
const CLIENTS = Number(values.clients);
const COUNTS = values.instances.split(',').map(Number);
if (![EVENTS, CLIENTS, ...COUNTS].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('--events, --clients and --instances (e.g. 1,2,3) take whole numbers above 0');
  process.exit(2);
}

interface Result {
  label: string;
  acceptedPerS: number;
  ackP50: number;
  ackP99: number;
  drainedS: number;
  duplicates: number;
  missing: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function run(label: string, env: Record<string, string>, instances: number): Promise<Result> {
  const sent = new Map<string, number>();
  const app = express();
  app.post('/send', express.json(), (req, res) => {
    const id = (req.body as { eventId: string }).eventId;
    sent.set(id, (sent.get(id) ?? 0) + 1);
    res.json({ ok: true });
  });
  const platform = app.listen(0, '127.0.0.1');
  await new Promise((r) => platform.once('listening', r));
  const platformUrl = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
  const servers: ServerProcess[] = [];
  // One at a time: the first migrates, the others find it done.
  for (let i = 0; i < instances; i++)
    servers.push(
      await startServer(
        { ...env, OWNER: `I${i}`, PLATFORM_URL: platformUrl, WORKERS: '4' },
        { entry: path.join('tests', 'support', 'shared-inbox-worker.ts') },
      ),
    );
  const acks: number[] = [];
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (let n = next++; n < EVENTS; n = next++) {
      const event = {
        channel: 'zalo',
        eventId: `e${n}`,
        userId: `u${n % 500}`,
        text: `tin ${n}`,
        eventTime: n,
      };
      const t = performance.now();
      const res = await fetch(`${servers[n % instances]!.baseUrl}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([event]),
      });
      if (!res.ok) throw new Error(`${label}: ack ${res.status}`);
      acks.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const acceptedS = (performance.now() - started) / 1000;
  while (sent.size < EVENTS) await new Promise((r) => setTimeout(r, 20));
  const drainedS = (performance.now() - started) / 1000;
  await Promise.all(servers.map((s) => s.kill()));
  platform.close();
  acks.sort((a, b) => a - b);
  return {
    label,
    acceptedPerS: Math.round(EVENTS / acceptedS),
    ackP50: Math.round(quantile(acks, 0.5) * 10) / 10,
    ackP99: Math.round(quantile(acks, 0.99) * 10) / 10,
    drainedS: Math.round(drainedS * 100) / 100,
    duplicates: [...sent.values()].filter((n) => n > 1).length,
    missing: EVENTS - sent.size,
  };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  try {
    results.push(await run('SQLite, 1 instance', { DATABASE_PATH: path.join(dir, 'bench.sqlite') }, 1));
    for (const n of COUNTS)
      results.push(
        await run(
          `PostgreSQL, ${n} instance${n > 1 ? 's' : ''}`,
          { DATABASE_URL: await freshPostgresUrl() },
          n,
        ),
      );
  } finally {
    await stopPostgres();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `${EVENTS} events from ${CLIENTS} clients, 4 workers per instance, on ${os.cpus().length} cores`,
  );
  console.table(results);
  const one = results.find((r) => r.label === 'PostgreSQL, 1 instance');
  for (const r of results)
    if (one && r !== one && r.label.startsWith('PostgreSQL'))
      console.log(`${r.label} / 1 instance: accepted/s × ${(r.acceptedPerS / one.acceptedPerS).toFixed(2)}`);
  if (results.some((r) => r.duplicates > 0 || r.missing > 0)) {
    console.error('FAILED: an event was sent twice or not at all');
    process.exitCode = 1;
  }
}

void main();
