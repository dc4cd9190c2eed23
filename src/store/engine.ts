/**
 * One store interface over two engines (issue #17): the queries are written once with Kysely,
 * a typed query builder that compiles them for SQLite (better-sqlite3, the embedded default)
 * or PostgreSQL (`pg`, when several instances share one database).
 *
 * The tables listed in `StoreSchema` have their schema in `shared-migrations.ts` and async
 * repositories (`shared-*.ts`, gathered by `store.ts`) that behave the same on both engines.
 * Without DATABASE_URL the bot's hot path still uses the synchronous better-sqlite3 file
 * (`db.ts`): the Engine then wraps that same file.
 */
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import pg from 'pg';
import { StoreError } from '../errors';
import type { Db } from './db';
import { sharedMigrations, type SharedMigration } from './shared-migrations';
import type { EngineKind, StoreSchema } from './shared-schema';

export type { EngineKind };

export interface Engine {
  readonly kind: EngineKind;
  readonly db: Kysely<StoreSchema>;
  /** Closes the pool (PostgreSQL) or the SQLite connection the engine was given. */
  close(): Promise<void>;
  /**
   * PostgreSQL only: runs `text` (with $1, $2… parameters) as the named prepared statement
   * `name`: each pooled connection parses and plans it once, then only binds and executes
   * it. For a hot statement whose text never changes (the ack path's insert), which Kysely
   * cannot name.
   */
  readonly prepared?: <R>(name: string, text: string, values: unknown[]) => Promise<R[]>;
}

/** Where the store lives: a PostgreSQL URL, or an open SQLite database the engine takes over. */
export type EngineTarget = { url: string; poolSize?: number } | { sqlite: Db };

/** The migration bookkeeping tables (Kysely's Migrator; its lock is a PostgreSQL advisory lock). */
const MIGRATION_TABLE = 'store_migration';
const MIGRATION_LOCK_TABLE = 'store_migration_lock';

/** pg's type id of int8 (BIGINT, BIGSERIAL): returned as a string unless parsed. */
const INT8_OID = 20;

/** True for the URLs `DATABASE_URL` accepts. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function openEngine(target: EngineTarget): Engine {
  if ('sqlite' in target) {
    const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: target.sqlite }) });
    return { kind: 'sqlite', db, close: () => db.destroy() };
  }
  if (!isPostgresUrl(target.url))
    throw new StoreError(
      target.url.replace(/\/\/[^@/]*@/, '//…@'),
      'DATABASE_URL must start with postgres:// or postgresql:// (e.g. postgres://bot:secret@db.internal:5432/tthc)',
    );
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 10,
    // Times and ids are BIGINT: milliseconds since the epoch and row ids fit in a JS number.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
    },
  });
  // A connection the server drops (a restart, a failover, an idle timeout) is an 'error' event
  // on the pool when idle, on the client when lent out — either would end the process,
  // unhandled. pg discards that connection and the next query opens a new one; the query that
  // was running fails to its caller, which reports it (StoreHealth) and waits for the server.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    close: () => db.destroy(),
    prepared: async <R>(name: string, text: string, values: unknown[]) =>
      (await pool.query<R & pg.QueryResultRow>({ name, text, values })).rows,
  };
}

/**
 * Applies the shared migrations not applied yet, in order, each in a transaction. Safe to run
 * from several instances starting at once: on PostgreSQL the migrator holds an advisory lock,
 * so one instance migrates and the others wait, then find nothing left to do.
 */
export async function migrateEngine(
  engine: Engine,
  list: readonly SharedMigration[] = sharedMigrations,
): Promise<void> {
  const names = list.map((m) => m.name);
  if (new Set(names).size !== names.length) throw new Error('Two shared migrations share a name');
  const migrator = new Migrator({
    db: engine.db,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(
          list.map((m): [string, Migration] => [m.name, { up: (db) => m.up(db, engine.kind) }]),
        ),
    },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Store migration ${failed ?? '(before any migration)'} failed on ${engine.kind}`, {
      cause: error,
    });
  }
}

/**
 * Runs `fn` while holding a lock named `key` across every instance sharing the database:
 * a PostgreSQL advisory lock held for the transaction, or on SQLite (one file, one writer)
 * the write lock of an immediate transaction. `fn` gets the transaction to query through.
 */
export async function withSharedLock<T>(
  engine: Engine,
  key: string,
  fn: (trx: Kysely<StoreSchema>) => Promise<T>,
): Promise<T> {
  if (engine.kind === 'postgres')
    return engine.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
      return fn(trx);
    });
  // Kysely's SQLite transactions begin DEFERRED: a first write takes the file's write lock at
  // once (one process has a single connection, which Kysely already lends to one transaction).
  return engine.db.transaction().execute(async (trx) => {
    await sql`UPDATE store_migration_lock SET is_locked = is_locked`.execute(trx);
    return fn(trx);
  });
}
