/**
 * A throwaway PostgreSQL cluster for the tests that run the store on PostgreSQL: `initdb` into
 * a temporary folder, `pg_ctl start` on a free loopback port with its Unix socket in that
 * folder and fsync off (the data is thrown away), `stop()` kills it and deletes the folder.
 *
 * PostgreSQL refuses to run as root: when the tests run as root (a CI container), the server
 * runs as the unprivileged user `nobody` (`runuser -u nobody`), owning only its temporary
 * folder. The binaries come from PG_BIN when set, else `pg_config --bindir`, else Debian's
 * /usr/lib/postgresql/<newest>/bin, else PATH.
 *
 * Without PostgreSQL installed the PostgreSQL tests are skipped with one line saying how to
 * get it; with REQUIRE_POSTGRES=1 (set by .ci/run, which installs Debian's package) they fail
 * instead, so CI never skips them silently.
 *
 * Run directly (`node --import tsx tests/support/postgres.ts`) it starts a cluster, prints its
 * URL, and stops it on Ctrl-C.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './process';

export const POSTGRES_HINT =
  'The PostgreSQL store tests need the PostgreSQL server binaries (initdb, pg_ctl): install them ' +
  '(Debian/Ubuntu: apt-get install postgresql) or set PG_BIN to their folder.';

/** The user the server runs as when the tests run as root (initdb and postgres refuse root). */
const UNPRIVILEGED_USER = 'nobody';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  if (env.PG_BIN) candidates.push(env.PG_BIN);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  } catch {
    // pg_config comes with the client or dev package; the server may be installed without it.
  }
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian))
    for (const version of fs.readdirSync(debian).sort((a, b) => Number(b) - Number(a)))
      candidates.push(path.join(debian, version, 'bin'));
  candidates.push(...(env.PATH ?? '').split(path.delimiter).filter(Boolean));
  return candidates.find(
    (dir) => isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl')),
  );
}

/** True when the PostgreSQL tests should run; throws when they must run and cannot. */
export function postgresAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (findPostgresBin(env)) return true;
  if (env.REQUIRE_POSTGRES === '1') throw new Error(`REQUIRE_POSTGRES=1 but ${POSTGRES_HINT}`);
  return false;
}

/**
 * `describe` when PostgreSQL is installed, else a skipped `describe` and one line on stderr;
 * skipped in the SQLite pass of `npm test`, which leaves them to the PostgreSQL pass.
 */
export function describePostgres(): jest.Describe {
  // `npm test`'s SQLite pass leaves them to its PostgreSQL pass (tests/support/jest-passes.ts).
  if (process.env.TEST_ENGINE === 'sqlite') return describe.skip;
  if (postgresAvailable()) return describe;
  process.stderr.write(`Skipping the PostgreSQL tests: ${POSTGRES_HINT}\n`);
  return describe.skip;
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication on loopback only). */
  url: string;
  port: number;
  /** Stops the server at once (it holds nothing worth a clean shutdown) and deletes its files. */
  stop(): Promise<void>;
}

/**
 * pg_ctl leaves the server running on its own: a test pass or bench interrupted before its
 * `stop` (Ctrl-C, a CI timeout, SIGKILL) would leave a cluster behind for good. A detached
 * shell watches this process and, once it is gone, stops the server and deletes its folder;
 * after a normal `stop` the folder is gone and the watcher just exits.
 */
function stopWhenOwnerExits(asUser: string[], bin: string, dir: string): void {
  const script =
    'owner=$1; dir=$2; shift 2; ' +
    'while kill -0 "$owner" 2>/dev/null && [ -d "$dir/data" ]; do sleep 2; done; ' +
    '[ -d "$dir/data" ] || exit 0; "$@" -D "$dir/data" -m immediate -w stop; rm -rf "$dir"';
  spawn(
    'sh',
    ['-c', script, 'tthc-pg-watch', String(process.pid), dir, ...asUser, path.join(bin, 'pg_ctl')],
    {
      detached: true,
      stdio: 'ignore',
    },
  ).unref();
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(POSTGRES_HINT);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, UNPRIVILEGED_USER], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, id('-u'), id('-g'));
  }
  const run = (file: string, args: string[]): void => {
    const [cmd, argv] = asRoot
      ? ['runuser', ['-u', UNPRIVILEGED_USER, '--', path.join(bin, file), ...args]]
      : [path.join(bin, file), args];
    // cwd: the server user may not be able to read the tests' working directory.
    const result = spawnSync(cmd, argv, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (result.status !== 0)
      throw new Error(
        `${file} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
          `${result.stdout}${result.stderr}`,
      );
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  stopWhenOwnerExits(asRoot ? ['runuser', '-u', UNPRIVILEGED_USER, '--'] : [], bin, dir);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

if (require.main === module) {
  void startPostgres().then((cluster) => {
    console.log(cluster.url);
    const stop = (): void => void cluster.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Nothing else keeps this process alive, and the cluster lives only as long as it does.
    setInterval(() => undefined, 60_000);
  });
}
