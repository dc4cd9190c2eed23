/**
 * The embedded SQLite store: one file under data/ in WAL mode, schema built by numbered
 * migrations that run once each, inside a transaction, at open time.
 *
 * The file holds platform tokens and citizens' text: it and its -wal/-shm files are readable
 * by their owner only, and deleted rows are overwritten with zeros (`secure_delete`), so an
 * erasure also erases the bytes once the WAL is checkpointed (`scrubDeleted`).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors';
import { migrations, type Migration } from './migrations';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the database at `file` (':memory:' for tests) and migrates it.
 * Throws a `StoreError` with a one-line message when the file cannot be created or written.
 */
export function openDatabase(file: string, list: readonly Migration[] = migrations): Db {
  try {
    return open(file, list);
  } catch (err) {
    // File-system and SQLite errors (EACCES, SQLITE_READONLY, SQLITE_CANTOPEN…) carry a code;
    // anything else is a bug (a broken migration) and keeps its stack.
    if (typeof (err as { code?: unknown })?.code !== 'string') throw err;
    const reason = (err as Error).message;
    throw new StoreError(
      file,
      `Cannot open the database ${file} for writing: ${reason}. Check that the file, its -wal and -shm ` +
        'files and their folder exist with write permission for this user and the disk is not full ' +
        'or read-only, or set DATABASE_PATH to another file.',
      { cause: err },
    );
  }
}

/** Owner read/write only; SQLite gives the -wal and -shm files the database file's mode. */
const PRIVATE_MODE = 0o600;

function open(file: string, list: readonly Migration[]): Db {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    // Created here rather than by SQLite, which would use 0644 (readable by every local user).
    fs.closeSync(fs.openSync(file, 'a', PRIVATE_MODE));
    restrictToOwner(file);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('secure_delete = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Wait for a concurrent writer (a report, a second process) rather than fail at once.
  db.pragma('busy_timeout = 5000');
  // The interaction log's indexes outgrow the default 2 MB page cache after ~100k rows, and
  // then every insert waits on reads: 64 MB keeps them in memory.
  db.pragma('cache_size = -65536');
  migrate(db, list);
  // A read-only file opens and reads fine; fail now, with a clear line, not at the first message.
  db.pragma(`user_version = ${db.pragma('user_version', { simple: true }) as number}`);
  if (file !== ':memory:') restrictToOwner(file);
  return db;
}

/**
 * Takes the group and world bits off the database and its -wal/-shm files (an older version
 * created them 0644). The owner's own bits stay: a file made read-only on purpose stays so.
 */
function restrictToOwner(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = fs.statSync(f).mode & 0o777;
    } catch {
      continue; // not created yet
    }
    if (mode & 0o077) fs.chmodSync(f, mode & 0o700);
  }
}

/**
 * Makes deleted rows unreadable in the files too: `secure_delete` has zeroed them in the
 * pages written since, and a truncating checkpoint copies those pages into the database file
 * and empties the WAL, whose older frames still held the rows. Run after an erasure or a
 * retention purge; inside a transaction it runs once the transaction has ended (SQLite
 * cannot checkpoint inside one). A checkpoint that a reader kept from finishing, or that
 * failed, is finished by the next one (the next erasure or retention run).
 */
export function scrubDeleted(db: Db): void {
  if (db.memory) return;
  if (db.inTransaction) {
    setImmediate(() => scrubDeleted(db));
    return;
  }
  try {
    if (db.open) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Best effort by design: the rows are already deleted; only old WAL bytes remain.
  }
}

/** Applies, in order, every migration newer than the database's `user_version`. */
export function migrate(db: Db, list: readonly Migration[]): void {
  const versions = list.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error('Two migrations share a version number');
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.up);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
