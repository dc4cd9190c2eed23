/**
 * The database file holds platform tokens and citizens' text: only its owner may read it,
 * and so for its WAL and shared-memory files (issue #13, finding 17). A database the server
 * cannot write stops the start with one clear line, not a stack trace (finding 18).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../src/errors';
import { openDatabase } from '../../src/store/db';
import { tempDir } from '../support/app';
import { REPO_ROOT } from '../support/process';
import { describeSqliteOnly } from '../support/test-engine';

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const FILES = ['', '-wal', '-shm'];

describeSqliteOnly("the SQLite file's and its WAL's permissions")('database file permissions', () => {
  it('creates the database, its WAL and its shared-memory file readable by their owner only', () => {
    const file = path.join(tempDir(), 'bot.sqlite');
    const db = openDatabase(file);
    db.prepare('INSERT INTO sessions (user_key, state, expires_at) VALUES (?, ?, ?)').run('k', '{}', 1);
    for (const suffix of FILES)
      expect({ file: suffix, mode: mode(file + suffix).toString(8) }).toEqual({
        file: suffix,
        mode: '600',
      });
    db.close();
  });

  it('takes the group and world bits off a database an older version created 0644', () => {
    const file = path.join(tempDir(), 'bot.sqlite');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x)');
    expect(mode(file) & 0o044).not.toBe(0); // the old default really was readable by others
    const db = openDatabase(file);
    for (const suffix of FILES) expect(mode(file + suffix) & 0o077).toBe(0);
    db.close();
    old.close();
  });
});

/**
 * A file this process cannot write. chmod is enough for a normal user; root ignores it, so
 * as root the file is also made immutable (chattr +i, where the file system allows it).
 */
function makeReadOnly(file: string): (() => void) | null {
  fs.chmodSync(file, 0o400);
  let immutable = false;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
      immutable = true;
    } catch {
      /* not supported here */
    }
  }
  const undo = () => {
    if (immutable) execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    fs.chmodSync(file, 0o600);
  };
  try {
    fs.appendFileSync(file, '');
    fs.closeSync(fs.openSync(file, 'r+'));
  } catch {
    return undo;
  }
  undo();
  return null;
}

describeSqliteOnly('an SQLite file the server cannot write')('a database the server cannot write', () => {
  const file = path.join(tempDir(), 'bot.sqlite');
  openDatabase(file).close();
  const undo = makeReadOnly(file);
  afterAll(() => undo?.());
  // Skipped, visibly, only where this user can write any file (root without chattr).
  const itIfReadOnly = undo ? it : it.skip;

  itIfReadOnly('is refused by openDatabase with a StoreError naming the file and what to do', () => {
    let error: unknown;
    try {
      openDatabase(file).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/DATABASE_PATH/);
    expect((error as Error).message).not.toContain('\n');
  });

  itIfReadOnly('stops the server at start-up with one clear line and no stack trace', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_PATH: file,
        PORT: '39999',
        LOG_LEVEL: 'info',
        ADMIN_PASSWORD: 'x'.repeat(20),
      },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot open the database .*bot\.sqlite for writing: .+DATABASE_PATH/);
    expect(output).not.toMatch(/\bat \S+:\d+/);
  });
});
