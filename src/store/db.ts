/**
 * The embedded SQLite store: one file under data/ in WAL mode, schema built by numbered
 * migrations that run once each, inside a transaction, at open time.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations, type Migration } from './migrations';

export type Db = Database.Database;

/** Opens (creating if needed) the database at `file` (':memory:' for tests) and migrates it. */
export function openDatabase(file: string, list: readonly Migration[] = migrations): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Wait for a concurrent writer (a report, a second process) rather than fail at once.
  db.pragma('busy_timeout = 5000');
  // The interaction log's indexes outgrow the default 2 MB page cache after ~100k rows, and
  // then every insert waits on reads: 64 MB keeps them in memory.
  db.pragma('cache_size = -65536');
  migrate(db, list);
  return db;
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

/** True when the database answers a trivial query; used by /healthz. */
export function isDatabaseHealthy(db: Db): boolean {
  try {
    return db.prepare('SELECT 1 AS ok').get() !== undefined;
  } catch {
    return false;
  }
}
