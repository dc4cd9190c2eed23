/**
 * Which engine this jest pass runs the bot on. `npm test` runs jest twice
 * (tests/support/jest-passes.cjs): TEST_ENGINE=sqlite, then TEST_ENGINE=postgres. In the
 * PostgreSQL pass one throwaway cluster serves the whole run (tests/support/postgres-global.ts
 * starts it and builds a migrated template database); every app a test builds gets its own
 * database cloned from that template, so test files and parallel workers never share rows.
 *
 * A database belongs to a DATABASE_PATH: an app rebuilt on the same SQLite file (a restart)
 * finds the same PostgreSQL database, exactly as it finds the same file.
 *
 * Without TEST_ENGINE (a bare `npx jest …`) the tests behave as before the two passes: the bot
 * on SQLite, the store tests on every engine installed.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Config } from '../../src/config';
import type { Db } from '../../src/store/db';
import { openEngine, type EngineKind } from '../../src/store/engine';
import { storeOver, type Store } from '../../src/store/store';
import { findPostgresBin } from './postgres';

/** The pass: 'postgres' when TEST_ENGINE=postgres, else 'sqlite'. */
export function testEngine(): EngineKind {
  return process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

/** The cluster of the PostgreSQL pass (set by postgres-global.ts for every worker). */
export const CLUSTER_URL_VARIABLE = 'TEST_POSTGRES_URL';
/** The database every test database is cloned from: empty, with the store's schema migrated. */
export const TEMPLATE_DATABASE = 'tthc_template';

const databaseByPath = new Map<string, string>();

/** What the file opened, closed and dropped by tests/support/postgres-environment.cjs. */
const opened = globalThis as { tthcTestStores?: Store[]; tthcTestDatabases?: string[] };

/** The pass's cluster URL (…/postgres), or undefined outside the PostgreSQL pass. */
export function passClusterUrl(): string | undefined {
  return process.env[CLUSTER_URL_VARIABLE] || undefined;
}

/**
 * A database name no other test file of the run uses: a worker runs many files, each with its
 * own module registry (a counter would start again), one after the other on the one cluster.
 */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}${process.pid}_${crypto.randomBytes(6).toString('hex')}`;
}

/** Has the PostgreSQL pass drop database `name` once the test file is done. */
export function noteTestDatabase(name: string): void {
  if (passClusterUrl()) (opened.tthcTestDatabases ??= []).push(name);
}

/**
 * Runs one SQL statement on the pass's cluster, synchronously (psql): the apps are built
 * synchronously, at a suite's collection time too.
 */
function psql(statement: string): void {
  const url = passClusterUrl();
  if (!url)
    throw new Error(`${CLUSTER_URL_VARIABLE} is not set: run the PostgreSQL pass with npm run test:postgres`);
  const bin = findPostgresBin();
  const client = bin ? path.join(bin, 'psql') : 'psql';
  execFileSync(client, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement], { stdio: 'pipe' });
}

/**
 * The URL of the PostgreSQL database that goes with the SQLite file `databasePath`: a new
 * clone of the migrated template the first time, the same database afterwards.
 */
export function testDatabaseUrl(databasePath: string): string {
  const key = path.resolve(databasePath);
  let url = databaseByPath.get(key);
  if (!url) {
    const name = uniqueDatabaseName('w');
    psql(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
    noteTestDatabase(name);
    url = passClusterUrl()!.replace(/\/postgres$/, `/${name}`);
    databaseByPath.set(key, url);
  }
  return url;
}

/** Environment overrides that put a test's app on the pass's engine (none on SQLite). */
export function engineOverrides(databasePath: string): Record<string, string> {
  return testEngine() === 'postgres' ? { DATABASE_URL: testDatabaseUrl(databasePath) } : {};
}

/**
 * The store `config` names, opened synchronously over `db` (the app's SQLite file): with
 * DATABASE_URL, the test database (already migrated: a clone of the template); without,
 * undefined, and the app builds its SQLite store from `db` as it always did in tests.
 */
export function openTestStore(config: Config, db: Db): Store | undefined {
  if (!config.DATABASE_URL) return undefined;
  const engine = openEngine({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  const store = storeOver(config, db, engine);
  (opened.tthcTestStores ??= []).push(store);
  storeByFile.set(db, store);
  return store;
}

const storeByFile = new WeakMap<Db, Store>();

/** The PostgreSQL store `openTestStore` opened over the app's SQLite file `db`, if any. */
export function testStoreOf(db: Db): Store | undefined {
  return storeByFile.get(db);
}

/**
 * `describe` for a suite whose subject is SQLite itself (the file's bytes, its WAL, a full
 * disk under it…): it runs in the SQLite pass and is skipped in the PostgreSQL pass, where
 * `reason` says why. `reason`: one line, e.g. 'reads the SQLite file's bytes after an erase'.
 */
export function describeSqliteOnly(reason: string): jest.Describe {
  if (!reason.trim()) throw new Error('describeSqliteOnly needs a reason');
  return testEngine() === 'sqlite' ? describe : describe.skip;
}
