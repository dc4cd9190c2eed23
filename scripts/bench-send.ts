/**
 * CPU per platform send: the client of src/channels/http.ts (Zalo's and Messenger's sends)
 * against `fetch` used the way that client used it before (an AbortController and a timer
 * per request, `text()`, JSON.parse). Each posts `--requests` small JSON bodies, `--inflight`
 * at a time, to a keep-alive node:http server in a child process (its CPU is not counted),
 * after a warm-up; the two alternate for `--rounds`. Prints this process's CPU µs per request
 * (process.cpuUsage), requests/s, the medians, the ratio and the load average.
 *
 *   npm run bench:send [-- --requests 20000 --inflight 50 --rounds 3]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { postJson, type HttpResponse } from '../src/channels/http';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    inflight: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
  },
});
const REQUESTS = Number(values.requests);
const INFLIGHT = Number(values.inflight);
const ROUNDS = Number(values.rounds);
const TIMEOUT_MS = 10_000;

/** The fake platform: reads the JSON body, answers like Graph's /me/messages. */
const SERVER = `
const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString());
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ recipient_id: '1234567890', message_id: 'm_' + n++ }));
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

type Send = (url: string, body: unknown) => Promise<HttpResponse>;

const stop = new AbortController().signal;
const client: Send = (url, body) => postJson('messenger', url, body, { signal: stop, timeoutMs: TIMEOUT_MS });

/** channels/http.ts before it left fetch, without its stop signal and late-timeout detail. */
const fetchBaseline: Send = async (url, body) => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  } finally {
    clearTimeout(timer);
  }
};

/** Sends `count` parts, INFLIGHT at a time; returns CPU µs per request and requests/s. */
async function run(send: Send, url: string, count: number): Promise<{ cpuUs: number; perSecond: number }> {
  const body = {
    recipient: { id: '1234567890' },
    messaging_type: 'RESPONSE',
    message: { text: 'Hồ sơ gồm: tờ khai, giấy tờ tùy thân. Nộp tại bộ phận một cửa.' },
  };
  let next = 0;
  let ok = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await send(url, body);
      if (res.status === 200 && typeof (res.body as { message_id?: unknown }).message_id === 'string') ok++;
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (ok !== count) throw new Error(`only ${ok} of ${count} sends were answered with success`);
  return { cpuUs: (cpu.user + cpu.system) / count, perSecond: count / seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    const url = `http://127.0.0.1:${port}/me/messages?access_token=bench`;
    console.log(
      `bench:send — ${REQUESTS} sends × ${ROUNDS} rounds, ${INFLIGHT} in flight, keep-alive server in a child process; ${os.cpus().length} CPUs, load average ${loadavg()}`,
    );
    const variants = [
      { name: 'fetch (before)', send: fetchBaseline, cpu: [] as number[] },
      { name: 'channels/http.ts', send: client, cpu: [] as number[] },
    ];
    for (const v of variants) await run(v.send, url, Math.min(2000, REQUESTS)); // warm-up
    for (let round = 1; round <= ROUNDS; round++) {
      for (const v of variants) {
        const r = await run(v.send, url, REQUESTS);
        v.cpu.push(r.cpuUs);
        console.log(
          `  round ${round} ${v.name.padEnd(17)} ${r.cpuUs.toFixed(1).padStart(6)} µs CPU/send, ${r.perSecond.toFixed(0)} sends/s; load average ${loadavg()}`,
        );
      }
    }
    const [before, now] = variants.map((v) => median(v.cpu));
    console.log(
      `median CPU per send: fetch ${before.toFixed(1)} µs, channels/http.ts ${now.toFixed(1)} µs: ratio ${(now / before).toFixed(2)}`,
    );
  } finally {
    server.kill();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
