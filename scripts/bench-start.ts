/**
 * Cold start of the real server: the time from spawning it until GET /healthz first answers
 * 200, median of 5 (after one unmeasured run each, so that the file-system cache and tsx's
 * transform cache are warm for both alike). Compared:
 *
 * - tsx: `tsx src/main.ts`, what `npm start` ran before the server was compiled;
 * - compiled: `node scripts/launch.cjs start src/main.ts`, what `npm start` runs now once
 *   dist/ is current (its source-hash check included).
 *
 * Each run gets a fresh SQLite file in a temporary folder, so both do the same migrations.
 *
 *   npm run bench:start [-- --runs 5]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli-support';
import { REPO_ROOT } from '../tests/support/process';
import { spawnServer } from './support/spawn-server';

interface Variant {
  name: string;
  command: string;
  args: string[];
}

const VARIANTS: Variant[] = [
  {
    name: 'tsx src/main.ts',
    command: path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    args: ['src/main.ts'],
  },
  {
    name: 'compiled (npm start)',
    command: process.execPath,
    args: ['scripts/launch.cjs', 'start', 'src/main.ts'],
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let coldStarts = 0;

/** Milliseconds from spawn to the first 200 from /healthz; the server is stopped afterwards. */
async function coldStart(variant: Variant, dir: string): Promise<number> {
  const server = await spawnServer({
    name: variant.name,
    command: variant.command,
    args: variant.args,
    env: {
      ADMIN_PASSWORD: 'bench-start-password',
      DATABASE_PATH: path.join(dir, `start-${++coldStarts}.sqlite`),
    },
    pollMs: 5,
  });
  await server.stop();
  return server.readyMs;
}

void runCli(async () => {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-start-'));
  try {
    // A current dist/, built outside the measured runs (npm start builds only when stale).
    await new Promise<void>((resolve, reject) =>
      spawn(process.execPath, ['scripts/launch.cjs', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' }).on(
        'exit',
        (c) => (c === 0 ? resolve() : reject(new Error('npm run build failed'))),
      ),
    );
    console.log(
      `cold start to GET /healthz = 200, median of ${runs} (after 1 warm-up run); node ${process.version}`,
    );
    const medians = new Map<string, number>();
    for (const variant of VARIANTS) {
      await coldStart(variant, dir);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await coldStart(variant, dir));
      medians.set(variant.name, median(times));
      console.log(
        `  ${variant.name.padEnd(22)} ${median(times).toFixed(0).padStart(6)} ms   runs: ${times.map((t) => t.toFixed(0)).join(', ')}`,
      );
    }
    const [tsx, compiled] = VARIANTS.map((v) => medians.get(v.name)!);
    console.log(
      `  compiled is ${(tsx! / compiled!).toFixed(2)}× as fast as tsx (${(tsx! - compiled!).toFixed(0)} ms less)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
