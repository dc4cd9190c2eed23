/**
 * `npm run bench:chat`: the time of one conversation turn through POST /api/chat on the real
 * server — compiled as `npm start` runs it, a fresh SQLite file, real HTTP — for the citizens'
 * procedure conversations of tests/fixtures/procedures (first questions, follow-ups such as
 * "thế mất bao lâu", choices among the options offered), each played in order as one citizen.
 *
 * Flood control and the /api/chat rate limits are set high for the run (FLOOD_MAX_MESSAGES,
 * CHAT_RATE_PER_ADDRESS, CHAT_RATE_TOTAL): one client sends every turn, and a "slow down"
 * reply would be a figure about the limits, not about answering. Everything else is the
 * default configuration. Each turn waits for the previous reply (a citizen reads before
 * writing again); one unmeasured pass first warms the server up.
 *
 * Prints p50/p99/max per turn (all turns, first turns, follow-ups), GET /healthz in the same
 * run as the floor of an HTTP round trip on this machine, the ratio of the two, the server's
 * memory (RSS) and the load average, since other work on the machine moves every figure.
 *
 *   npm run bench:chat [-- --passes 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli-support';
import { REPO_ROOT } from '../tests/support/process';
import { spawnServer } from './support/spawn-server';

const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'procedures');
/** The held-out set is kept out of everything but its own evaluation. */
const FILES = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.jsonl') && f !== 'heldout.jsonl')
  .sort();

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const summary = (xs: number[]) =>
  `p50 ${ms(percentile(xs, 50))}, p99 ${ms(percentile(xs, 99))}, max ${ms(Math.max(...xs))} (${xs.length} turns)`;

/** The server's resident memory, from /proc (Linux), in MB. */
function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

void runCli(async () => {
  const passesFlag = process.argv.indexOf('--passes');
  const passes = passesFlag > 0 ? Number(process.argv[passesFlag + 1]) : 3;
  const conversations = FILES.flatMap((f) =>
    fs
      .readFileSync(path.join(FIXTURES, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { turns: string[] }).turns),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-chat-'));
  // What `npm start` runs (it compiles first when dist/ is stale).
  const server = await spawnServer({
    env: {
      ADMIN_PASSWORD: 'bench-chat-password',
      DATABASE_PATH: path.join(dir, 'bench.sqlite'),
      FLOOD_MAX_MESSAGES: '1000000',
      CHAT_RATE_PER_ADDRESS: '1000000',
      CHAT_RATE_TOTAL: '1000000',
    },
  }).catch((error: unknown) => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const { baseUrl, child } = server;
  try {
    const rssStart = rssMb(child.pid!);

    const post = async (userId: string, text: string) => {
      const started = performance.now();
      const res = await fetch(`${baseUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, text }),
      });
      const body = (await res.json()) as { procedure?: unknown };
      const elapsed = performance.now() - started;
      if (!res.ok) throw new Error(`POST /api/chat answered ${res.status}: ${JSON.stringify(body)}`);
      return { elapsed, procedure: body.procedure != null };
    };
    const first: number[] = [];
    const followUps: number[] = [];
    let answered = 0;
    for (let pass = 0; pass <= passes; pass++) {
      const warmUp = pass === 0;
      for (const [i, turns] of conversations.entries()) {
        // A new citizen per conversation and pass: nothing carries over between them.
        const userId = `bench-chat-${pass}-${i}`;
        for (const [t, text] of turns.entries()) {
          const { elapsed, procedure } = await post(userId, text);
          if (warmUp) continue;
          (t === 0 ? first : followUps).push(elapsed);
          if (procedure) answered++;
        }
      }
    }
    const health: number[] = [];
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await (await fetch(`${baseUrl}/healthz`)).json();
      health.push(performance.now() - started);
    }
    const all = [...first, ...followUps];
    const [load1, load5] = os.loadavg();
    console.log(
      `POST /api/chat, one turn at a time, ${conversations.length} conversations × ${passes} passes ` +
        `(${FILES.join(', ')}), after 1 warm-up pass; node ${process.version}, ${os.cpus().length} CPUs, ` +
        `load average ${load1.toFixed(2)} (5 min ${load5.toFixed(2)})`,
    );
    console.log(`  every turn    ${summary(all)}; ${answered} replies named a procedure`);
    console.log(`  first turns   ${summary(first)}`);
    console.log(`  follow-ups    ${summary(followUps)}`);
    console.log(`  GET /healthz  ${summary(health).replace('turns', 'requests')}`);
    console.log(
      `  a turn takes ${(percentile(all, 50) / percentile(health, 50)).toFixed(1)}× a /healthz round trip at p50, ` +
        `${(percentile(all, 99) / percentile(health, 99)).toFixed(1)}× at p99; target: p99 < 50 ms`,
    );
    const rssEnd = rssMb(child.pid!);
    if (rssStart && rssEnd)
      console.log(
        `  server memory (RSS): ${rssStart.toFixed(0)} MB ready, ${rssEnd.toFixed(0)} MB after the run`,
      );
    console.log(
      '  flood control and /api/chat rate limits set to 1,000,000 for the run (one client sends every turn)',
    );
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
