/**
 * Reads (and, for a test's set-up, writes) a test app's rows wherever they live, so one
 * assertion holds on both passes of `npm test`: the SQLite file, or with DATABASE_URL the
 * PostgreSQL database for the tables on it. The tables have the same names and columns on both
 * engines; a query takes `?` placeholders, as better-sqlite3's `prepare` does.
 *
 *   const rows = await selectRows<{ state: string }>(t, 'SELECT state FROM channel_inbox');
 */
import Database from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Db } from '../../src/store/db';
import type { Store } from '../../src/store/store';
import { testDatabaseUrl, testEngine, testStoreOf } from './test-engine';

/**
 * What buildTestApp / buildChannelApp return (the SQLite file and, on PostgreSQL, the store),
 * or just the app's SQLite file: its store is then the one tests/support/test-engine.ts opened
 * over it.
 */
export type RowSource = Db | { db: Db; store?: Store };

function parts(source: RowSource): { db: Db; store?: Store } {
  if ('prepare' in source) return { db: source, store: testStoreOf(source) };
  return { db: source.db, store: source.store ?? testStoreOf(source.db) };
}

/**
 * Tables still written to each instance's SQLite file with DATABASE_URL: none since the turn's
 * own rows moved to PostgreSQL (a table named here is read from the file in both passes).
 */
export const FILE_TABLES: ReadonlySet<string> = new Set<string>([]);

/** True when `query` names a table kept on the PostgreSQL store (none can be mixed with the file's). */
function onStore(source: { store?: Store }, query: string): boolean {
  if (source.store?.kind !== 'postgres') return false;
  const tables = [...query.matchAll(/\b(?:FROM|INTO|UPDATE|JOIN)\s+([a-z_]+)/gi)].map((m) => m[1]!);
  const inFile = tables.filter((table) => FILE_TABLES.has(table));
  if (inFile.length > 0 && inFile.length < tables.length)
    throw new Error(`A query may not join the SQLite file's tables (${inFile}) with the store's: ${query}`);
  return inFile.length === 0;
}

/** `?` placeholders as PostgreSQL's $1, $2… (the tests' queries hold no literal '?'). */
function numbered(query: string): string {
  let n = 0;
  return query.replace(/\?/g, () => `$${++n}`);
}

export async function selectRows<T>(from: RowSource, query: string, ...params: unknown[]): Promise<T[]> {
  const source = parts(from);
  if (!onStore(source, query)) return source.db.prepare(query).all(...params) as T[];
  const result = await source.store!.engine.db.executeQuery(CompiledQuery.raw(numbered(query), params));
  return result.rows as T[];
}

/** The first row, or undefined. */
export async function selectRow<T>(
  source: RowSource,
  query: string,
  ...params: unknown[]
): Promise<T | undefined> {
  return (await selectRows<T>(source, query, ...params))[0];
}

/** Runs a statement (a test's set-up: back-dating rows, inserting a fixture); the rows changed. */
export async function runStatement(from: RowSource, query: string, ...params: unknown[]): Promise<number> {
  const source = parts(from);
  if (!onStore(source, query)) return source.db.prepare(query).run(...params).changes;
  const result = await source.store!.engine.db.executeQuery(CompiledQuery.raw(numbered(query), params));
  return Number(result.numAffectedRows ?? 0);
}

/** The first column of every row (better-sqlite3's `pluck().all()`). */
export async function selectColumn<T>(source: RowSource, query: string, ...params: unknown[]): Promise<T[]> {
  return (await selectRows<Record<string, T>>(source, query, ...params)).map((row) => Object.values(row)[0]!);
}

/** The first column of the first row, or undefined (better-sqlite3's `pluck().get()`). */
export async function selectValue<T>(
  source: RowSource,
  query: string,
  ...params: unknown[]
): Promise<T | undefined> {
  return (await selectColumn<T>(source, query, ...params))[0];
}

/**
 * Rows of the store a server process runs on (`startServer` with DATABASE_PATH=databasePath),
 * through a connection of the test's own: the SQLite file read-only, or in the PostgreSQL pass
 * the database that goes with that file (tests/support/test-engine.ts) for the tables on it.
 */
export async function selectRowsAt<T>(
  databasePath: string,
  query: string,
  ...params: unknown[]
): Promise<T[]> {
  if (testEngine() === 'postgres' && onStore({ store: { kind: 'postgres' } as Store }, query)) {
    const client = new pg.Client({
      connectionString: testDatabaseUrl(databasePath),
      // COUNT(*) and BIGINT ids as numbers, as the store's own pool reads them (src/store/engine.ts).
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? Number : pg.types.getTypeParser(oid, format)) as never,
      },
    });
    await client.connect();
    try {
      return (await client.query(numbered(query), params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(databasePath, { readonly: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

/**
 * From now on every INSERT into `table` fails ('disk full (test)'), on the engine holding it:
 * a trigger (a temporary one on SQLite), dropped by `stopFailingInserts`. The error is not one
 * the bot takes for a storage failure (on SQLite a trigger's abort, on PostgreSQL a raised
 * exception): a write that fails for no reason it can wait out.
 */
export async function failInserts(from: RowSource, table: string): Promise<void> {
  await failWrites(parts(from), 'INSERT', table, { storageFailure: false });
}

export async function stopFailingInserts(from: RowSource, table: string): Promise<void> {
  await stopFailingWrites(parts(from), 'INSERT', table);
}

/**
 * From now on every UPDATE of `table` whose new row matches `when` (an SQL condition on `NEW`
 * that both engines read alike, e.g. "NEW.state = 'answered'"; every update without it) fails
 * as it does when the disk is full — the error the bot takes for a storage failure, to be
 * waited out: on SQLite better-sqlite3's SQLITE_FULL, on PostgreSQL SQLSTATE 53100 (disk_full).
 * A trigger (a temporary one on SQLite), dropped by `stopFailingUpdates`.
 */
export async function failUpdates(from: RowSource, table: string, when?: string): Promise<void> {
  await failWrites(parts(from), 'UPDATE', table, { storageFailure: true, when });
}

export async function stopFailingUpdates(from: RowSource, table: string): Promise<void> {
  await stopFailingWrites(parts(from), 'UPDATE', table);
}

type Write = 'INSERT' | 'UPDATE';

function triggerName(op: Write, table: string): string {
  return `fail_${op.toLowerCase()}_${table}`;
}

async function failWrites(
  source: { db: Db; store?: Store },
  op: Write,
  table: string,
  { storageFailure, when }: { storageFailure: boolean; when?: string },
): Promise<void> {
  const name = triggerName(op, table);
  const condition = when ? `WHEN ${when}` : '';
  if (!onStore(source, `${op} ${op === 'INSERT' ? 'INTO ' : ''}${table}`)) {
    if (storageFailure)
      source.db.function(`${name}_disk_full`, () => {
        throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
      });
    const raise = storageFailure ? `SELECT ${name}_disk_full()` : "SELECT RAISE(ABORT, 'disk full (test)')";
    source.db.exec(`CREATE TEMP TRIGGER ${name} BEFORE ${op} ON main.${table} ${condition}
                    BEGIN ${raise}; END`);
    return;
  }
  const errcode = storageFailure ? "USING ERRCODE = 'disk_full'" : '';
  const db = source.store!.engine.db;
  await db.executeQuery(
    CompiledQuery.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'disk full (test)' ${errcode}; END $$`),
  );
  await db.executeQuery(
    CompiledQuery.raw(`CREATE TRIGGER ${name} BEFORE ${op} ON ${table}
      FOR EACH ROW ${when ? `WHEN (${when})` : ''} EXECUTE FUNCTION ${name}()`),
  );
}

async function stopFailingWrites(source: { db: Db; store?: Store }, op: Write, table: string): Promise<void> {
  const name = triggerName(op, table);
  if (!onStore(source, `${op} ${op === 'INSERT' ? 'INTO ' : ''}${table}`)) {
    source.db.exec(`DROP TRIGGER temp.${name}`);
    return;
  }
  const db = source.store!.engine.db;
  await db.executeQuery(CompiledQuery.raw(`DROP TRIGGER ${name} ON ${table}`));
  await db.executeQuery(CompiledQuery.raw(`DROP FUNCTION ${name}()`));
}
