/**
 * Starts the real server for a benchmark (never loaded by `npm start`): by default what
 * `npm start` runs — `node scripts/launch.cjs start src/main.ts`, which compiles first when
 * dist/ is stale — on a free loopback port, and resolves once GET /healthz answers 200.
 *
 * The child runs in its own process group and `stop()` signals the whole group: the `tsx` CLI
 * and the launcher run the server in a grandchild, which a signal to the child alone would
 * leave running. Unlike tests/support/process.ts (tests: output kept for assertions, SIGKILL
 * for crash tests), only stderr is kept, for the error when the server exits before answering.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { freePort, REPO_ROOT } from '../../tests/support/process';

export interface SpawnOptions {
  /** Names the server in errors. Default "the server". */
  name?: string;
  /** Default process.execPath (node). */
  command?: string;
  /** Default `scripts/launch.cjs start src/main.ts` (what `npm start` runs). */
  args?: string[];
  /** Added to (and overriding) the defaults: NODE_ENV=development, HOST, PORT, LOG_LEVEL=warn. */
  env: Record<string, string>;
  /** How often /healthz is polled while the server starts. Default 50 ms. */
  pollMs?: number;
}

export interface SpawnedServer {
  child: ChildProcessByStdio<null, null, Readable>;
  baseUrl: string;
  /** Milliseconds from spawn to the first 200 from /healthz (a cold start, for bench:start). */
  readyMs: number;
  /** SIGTERM to the process group (graceful shutdown); resolves once the child has exited. */
  stop(): Promise<void>;
}

export async function spawnServer(options: SpawnOptions): Promise<SpawnedServer> {
  const name = options.name ?? 'the server';
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(
    options.command ?? process.execPath,
    options.args ?? ['scripts/launch.cjs', 'start', 'src/main.ts'],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        ...options.env,
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  };
  try {
    for (;;) {
      try {
        if ((await fetch(`${baseUrl}/healthz`)).ok) break;
      } catch {
        /* not listening yet */
      }
      if (child.exitCode !== null) throw new Error(`${name} exited before answering:\n${stderr}`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, baseUrl, readyMs: performance.now() - started, stop };
}
