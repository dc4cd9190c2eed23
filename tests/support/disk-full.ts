/**
 * A full disk, injected into one SQLite connection (the app's): from `fillDisk` until the
 * returned `freeDisk`, every INSERT, UPDATE and DELETE on any table fails with the very
 * error better-sqlite3 raises when the disk is full (a SqliteError, code SQLITE_FULL,
 * "database or disk is full"), while reads keep working — the inbox insert, the reply
 * step and the recording of a delivery alike.
 *
 * Why not a real full disk: filling a file system needs root, and capping the file
 * (`PRAGMA max_page_count`) only fails writes that need a new page — the reply step's
 * updates fit in free pages and the WAL and still committed, so such a test passed
 * without reproducing the finding.
 */
import Database from 'better-sqlite3';

export function fillDisk(db: Database.Database): () => void {
  db.function('disk_full_for_test', () => {
    throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
  });
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  const triggers: string[] = [];
  for (const table of tables)
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      const name = `disk_full_${op.toLowerCase()}_${table}`;
      db.exec(
        `CREATE TEMP TRIGGER ${name} BEFORE ${op} ON main.${table} BEGIN SELECT disk_full_for_test(); END`,
      );
      triggers.push(name);
    }
  return () => {
    for (const name of triggers) db.exec(`DROP TRIGGER temp.${name}`);
  };
}
