import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { startBackgroundCheckpoints } from '../src/store/checkpointer';
import { openDatabase } from '../src/store/db';
import { silentLogger } from '../src/logger';
import { tempDir } from './support/app';
import { describeSqliteOnly } from './support/test-engine';

function writeRows(db: ReturnType<typeof openDatabase>, n: number) {
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  for (let i = 0; i < n; i++) insert.run('x'.repeat(500)); // one commit each, like acks
}

/** The WAL header's checkpoint sequence number: SQLite adds one each time it starts the WAL over. */
function walRestarts(file: string): number {
  const header = Buffer.alloc(16);
  const fd = fs.openSync(`${file}-wal`, 'r');
  try {
    fs.readSync(fd, header, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  return header.readUInt32BE(12);
}

/**
 * One 3,000-byte row per commit, each on its own turn of the event loop, as under load, until
 * `done` (or 64 MB were written).
 */
async function commitUntil(db: ReturnType<typeof openDatabase>, done: () => boolean): Promise<void> {
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  for (let written = 0; !done() && written < 64 * 1024 * 1024; written += 3000) {
    insert.run('x'.repeat(3000));
    await new Promise((r) => setImmediate(r));
  }
}

const waitFor = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return check();
};

describeSqliteOnly("checkpoints SQLite's write-ahead log")('background WAL checkpoints', () => {
  it('copies the WAL into the database from a worker while the server connection never checkpoints', async () => {
    const file = path.join(tempDir(), 'bot.sqlite');
    const db = openDatabase(file);
    const checkpoints = startBackgroundCheckpoints(db, silentLogger(), { intervalMs: 50 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = fs.statSync(file).size;
    writeRows(db, 3000);
    // Only a checkpoint moves pages from the -wal file into the main file.
    expect(await waitFor(() => fs.statSync(file).size > before + 1_000_000)).toBe(true);
    await checkpoints.stop();
    db.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('starts the WAL over under sustained writes instead of letting it grow', async () => {
    const file = path.join(tempDir(), 'bot.sqlite');
    const db = openDatabase(file);
    const checkpoints = startBackgroundCheckpoints(db, silentLogger(), {
      intervalMs: 20,
      restartFrames: 256,
    });
    try {
      await commitUntil(db, () => walRestarts(file) >= 3);
      expect(walRestarts(file)).toBeGreaterThanOrEqual(3);
    } finally {
      await checkpoints.stop();
      db.close();
    }
  });

  it('starts the WAL over once a reader that kept it from doing so has finished', async () => {
    const file = path.join(tempDir(), 'bot.sqlite');
    const db = openDatabase(file);
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const checkpoints = startBackgroundCheckpoints(db, logger, {
      intervalMs: 20,
      restartFrames: 256,
      restartTries: 5,
    });
    const postponed = () => lines.filter((line) => line.includes('WAL restart postponed')).length;
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
      // A long report: while its snapshot lasts, the frames committed after it cannot be
      // copied into the database file, so the WAL cannot start over.
      const report = new Database(file);
      report.exec('BEGIN');
      report.prepare('SELECT count(*) FROM t').get();
      const restartsBefore = walRestarts(file);
      // Commits go on until the worker has tried to start the WAL over, and could not, twice.
      await commitUntil(db, () => postponed() >= 2);
      expect(postponed()).toBeGreaterThanOrEqual(2);
      expect(walRestarts(file)).toBe(restartsBefore);
      report.exec('COMMIT');
      report.close();
      // Then, under the same writes, it is started over again and again.
      await commitUntil(db, () => walRestarts(file) >= restartsBefore + 3);
      expect(walRestarts(file)).toBeGreaterThanOrEqual(restartsBefore + 3);
      expect(lines.filter((line) => JSON.parse(line).level >= 40)).toEqual([]);
    } finally {
      await checkpoints.stop();
      db.close();
    }
  });

  it('leaves the main file untouched without the worker (the control case)', () => {
    const file = path.join(tempDir(), 'bot.sqlite');
    const db = openDatabase(file);
    db.pragma('wal_autocheckpoint = 0');
    const before = fs.statSync(file).size;
    writeRows(db, 3000);
    expect(fs.statSync(file).size).toBe(before);
    db.close();
  });
});
