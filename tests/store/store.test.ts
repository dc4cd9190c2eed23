/**
 * The store chosen by DATABASE_URL (src/store/store.ts): none is the SQLite file as always,
 * a PostgreSQL URL puts the shared tables on that server, and a server that cannot be used
 * stops the start with one line that names it without its password.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { StoreError } from '../../src/errors';
import { openStore, type Store } from '../../src/store/store';
import { freePort } from '../support/process';
import { freshPostgresUrl, stopPostgres } from '../support/engines';
import { describePostgres } from '../support/postgres';
import { tempDir } from '../support/app';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('openStore', () => {
  it('without DATABASE_URL keeps everything in the SQLite file at DATABASE_PATH', async () => {
    const file = path.join(tempDir(), 'bot.sqlite');
    store = await openStore(loadConfig({ DATABASE_PATH: file }));
    expect(store.kind).toBe('sqlite');
    expect(store.db.name).toBe(file);
    // The shared repositories work on the file's own tables.
    const [row] = await store.inbox.insert([
      { channel: 'zalo', eventId: 'e1', userId: 'u1', text: 'chào', eventTime: 1 },
    ]);
    expect(store.db.prepare('SELECT state FROM channel_inbox WHERE id = ?').get(row!.id)).toEqual({
      state: 'accepted',
    });
    expect(await store.flood.check('zalo:u1')).toBe('answer');
    await store.close();
    expect(store.db.open).toBe(false);
    store = undefined;
  });

  it('refuses a server it cannot reach with one line, without the password', async () => {
    const port = await freePort();
    const config = loadConfig({
      DATABASE_PATH: path.join(tempDir(), 'bot.sqlite'),
      DATABASE_URL: `postgres://bot:s3cret@127.0.0.1:${port}/tthc`,
    });
    const error = await openStore(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Cannot use the PostgreSQL database at postgres://bot:…@127\\.0\\.0\\.1:${port}/tthc: .*ECONNREFUSED`,
      ),
    );
    expect((error as Error).message).not.toContain('s3cret');
    expect((error as Error).message).not.toContain('\n');
  });
});

describePostgres()('openStore with DATABASE_URL', () => {
  afterAll(stopPostgres);

  it('puts the shared tables on the server, migrated once by instances starting together', async () => {
    const url = await freshPostgresUrl();
    const config = (n: number) =>
      loadConfig({
        DATABASE_PATH: path.join(tempDir(), `bot${n}.sqlite`),
        DATABASE_URL: url,
        DATABASE_POOL_SIZE: '2',
      });
    const [a, b] = await Promise.all([openStore(config(1)), openStore(config(2))]);
    try {
      expect(a.kind).toBe('postgres');
      const [row] = await a.inbox.insert([
        { channel: 'zalo', eventId: 'e1', userId: 'u1', text: 'chào', eventTime: 1 },
      ]);
      expect((await b.inbox.get(row!.id))?.text).toBe('chào');
      // Not in either instance's SQLite file.
      expect(a.db.prepare('SELECT COUNT(*) AS n FROM channel_inbox').get()).toEqual({ n: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
