import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer } from './support/process';
import { tempDir } from './support/app';

describe('the server process', () => {
  it('serves chat over HTTP with an SQLite file, logs JSON to stderr, and stops cleanly on SIGTERM', async () => {
    const dbPath = path.join(tempDir(), 'nested', 'bot.sqlite');
    const server = await startServer({ DATABASE_PATH: dbPath });
    const res = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u1', text: 'xin chào' }),
    });
    expect(await res.json()).toMatchObject({ intent: 'greeting' });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = server.logs().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining(['stopped']));

    // The database file is real, in WAL mode, and was closed cleanly (no -wal left behind).
    expect(fs.existsSync(dbPath)).toBe(true);
    expect(fs.existsSync(`${dbPath}-wal`)).toBe(false);
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses to start on invalid content, naming the file', async () => {
    const dir = tempDir();
    fs.cpSync('content', path.join(dir, 'content'), { recursive: true });
    fs.appendFileSync(path.join(dir, 'content', 'system.yaml'), '\nunknown_key: 1\n');
    await expect(startServer({ CONTENT_DIR: path.join(dir, 'content') })).rejects.toThrow(/system\.yaml:\d+/);
  });
});
