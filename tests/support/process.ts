/**
 * Starts the real server (`src/main.ts`) as a child process, as `npm start` does — except
 * that the child is node itself with tsx as an import hook (`node --import tsx`), not the
 * `tsx` CLI. The CLI runs the server in a grandchild and cannot relay SIGKILL, so killing it
 * left the real server running; here every signal (SIGTERM for graceful shutdown, SIGKILL
 * for crash tests) reaches the server process directly.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { engineOverrides } from './test-engine';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  baseUrl: string;
  logs: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGKILL: the server dies at once, as in a crash or an OOM kill. */
  kill(): Promise<number | null>;
}

export const REPO_ROOT = path.join(__dirname, '..', '..');

export interface StartOptions {
  /** Extra node flags (e.g. --cpu-prof), after tsx's `--import` so they may name .ts files. */
  nodeArgs?: string[];
  /** How long to wait for /healthz before giving up. Default 100 s: a hang guard, not a speed budget. */
  startTimeoutMs?: number;
  /** The script to run, from the repository's root. Default src/main.ts (the server). */
  entry?: string;
  /**
   * The checkout whose server runs (its own code and node_modules). Default this repository;
   * `bench:load:compare` runs an older commit's server under this tree's load and checks.
   */
  root?: string;
}

/** Spawns the server and resolves once it accepts HTTP on /healthz. */
export async function startServer(
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(options.nodeArgs ?? []), options.entry ?? path.join('src', 'main.ts')],
    {
      cwd: options.root ?? REPO_ROOT,
      // Tests that are not about flood control poll as one user; they get a generous limit,
      // as tests/support/app.ts gives in-process apps (a test may still set its own).
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        FLOOD_MAX_MESSAGES: '1000',
        CHAT_RATE_PER_ADDRESS: '1000000',
        CHAT_RATE_TOTAL: '1000000',
        // The PostgreSQL pass: the server's own database, kept with its SQLite file.
        ...(env.DATABASE_PATH && env.DATABASE_URL === undefined ? engineOverrides(env.DATABASE_PATH) : {}),
        ...env,
      },
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 100_000);
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, baseUrl, logs: () => output, exited, kill };
}
