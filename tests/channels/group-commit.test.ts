/**
 * The delivery queue's group commit (src/channels/group-commit.ts): the writes asked for in
 * one turn of the event loop share one transaction, each in a savepoint; a caller hears of its
 * write only once it is committed, and a write that cannot be stored is never reported stored.
 * A second connection to the same file (WAL) sees only what was committed.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { localAnswers } from '../../src/channels/delivery';
import { GroupCommit, LockTries } from '../../src/channels/group-commit';
import type { ChannelAdapter } from '../../src/channels/types';
import type { IncomingMessage } from '../../src/core/message';
import type { TurnResult } from '../../src/runtime/types';
import { Inbox } from '../../src/store/inbox';
import { openDatabase, type Db } from '../../src/store/db';
import { tempDir } from '../support/app';
import { until } from '../support/until';
import { describeSqliteOnly } from '../support/test-engine';

describeSqliteOnly('groups writes to the SQLite file')('group commit of the delivery writes', () => {
  let db: Db;
  let other: Database.Database;
  let group: GroupCommit;

  const insert = (name: string) => () => {
    db.prepare('INSERT INTO t (name) VALUES (?)').run(name);
    return name;
  };
  /** What another connection sees: only committed rows. */
  const committed = () => other.prepare('SELECT name FROM t ORDER BY id').pluck().all();

  beforeEach(() => {
    const file = path.join(tempDir(), 'group.sqlite');
    db = openDatabase(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    other = new Database(file);
    group = new GroupCommit(db, new LockTries(db));
  });
  afterEach(() => {
    other.close();
    db.close();
  });

  it('commits the writes of one turn of the loop together, and tells each caller only after the commit', async () => {
    const seenInside: unknown[][] = [];
    const first = group.run(insert('a'));
    const second = group.run(() => {
      // Same transaction: the first write is there for this one, not yet for anyone else.
      seenInside.push(db.prepare('SELECT name FROM t').pluck().all(), committed());
      return insert('b')();
    });
    expect(committed()).toEqual([]); // nothing runs inside the caller's turn of the loop
    const heard = await Promise.all([
      first.then((v) => [v, committed()]),
      second.then((v) => [v, committed()]),
    ]);
    expect(seenInside).toEqual([['a'], []]);
    expect(heard).toEqual([
      ['a', ['a', 'b']],
      ['b', ['a', 'b']],
    ]);
  });

  it('undoes a write that throws alone: its caller gets the error, the others are committed', async () => {
    const results = await Promise.allSettled([
      group.run(insert('a')),
      group.run(() => {
        insert('half-done')();
        throw new Error('a bug in this turn');
      }),
      group.run(insert('c')),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'a bug in this turn',
      'c',
    ]);
    expect(committed()).toEqual(['a', 'c']);
  });

  it('undoes the whole group when one write cannot be stored: every caller gets the storage failure', async () => {
    const full = new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    const results = await Promise.allSettled([
      group.run(insert('a')),
      group.run(() => {
        throw full;
      }),
      group.run(insert('c')),
    ]);
    // A caller told "stored" here would skip a reply (or its outcome) that is not in the file.
    expect(results).toEqual([
      { status: 'rejected', reason: full },
      { status: 'rejected', reason: full },
      { status: 'rejected', reason: full },
    ]);
    expect(committed()).toEqual([]);
    expect(await group.run(insert('d'))).toBe('d');
    expect(committed()).toEqual(['d']);
  });

  it('fails every write of a group whose commit fails, and stores none of them', async () => {
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);
    const results = await Promise.allSettled([
      group.run(insert('a')),
      // Checked only at COMMIT: the statement itself succeeds.
      group.run(() => db.prepare('INSERT INTO child (parent) VALUES (42)').run().changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(results.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([
      'SQLITE_CONSTRAINT_FOREIGNKEY',
      'SQLITE_CONSTRAINT_FOREIGNKEY',
    ]);
    expect(committed()).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });

  it('on a database file, waits off the thread while another connection (the answer worker, a WAL restart) holds the write lock, and runs each write once', async () => {
    const tries = jest.spyOn(db, 'exec');
    other.exec('BEGIN IMMEDIATE');
    let runs = 0;
    const written = group.run(() => {
      runs++;
      return insert('a')();
    });
    // Tried (and found the lock taken) a few times before the other connection lets go.
    await until(() => tries.mock.calls.filter(([s]) => s === 'PRAGMA busy_timeout = 0').length >= 3);
    expect(runs).toBe(0);
    other.exec('COMMIT');
    expect(await written).toBe('a');
    expect(runs).toBe(1);
    expect(committed()).toEqual(['a']);
  });

  it("answers an event's text as stored when its turn runs, not as read before (a Telegram edit in between)", async () => {
    const inbox = new Inbox(db);
    const [{ id }] = inbox.insert([
      { channel: 'telegram', eventId: 'e1', userId: 'u1', text: 'làm căn cước', eventTime: Date.now() },
    ]);
    const read = inbox.get(id)!;
    const asked: (string | undefined)[] = [];
    const runtime = {
      respond: (message: IncomingMessage) => {
        asked.push(message.text);
        return { reply: { blocks: [], quickReplies: [] }, interactionId: null } as unknown as TurnResult;
      },
    };
    const adapter = {
      name: 'telegram',
      limits: { buttonsMax: 3 },
      render: () => [{ text: 'trả lời' }],
    } as unknown as ChannelAdapter;
    const answering = localAnswers(inbox, runtime, group).answer(read, adapter);
    // The edit's group commit lands before the turn's (both on a later turn of the loop).
    inbox.insert([
      {
        channel: 'telegram',
        eventId: 'e1',
        userId: 'u1',
        text: 'đăng ký tạm trú',
        eventTime: Date.now(),
        edit: true,
      },
    ]);
    const { row } = await answering;
    expect(asked).toEqual(['đăng ký tạm trú']);
    expect(row).toMatchObject({
      id,
      state: 'answered',
      text: 'đăng ký tạm trú',
      parts: [{ text: 'trả lời' }],
    });
    expect(row).toEqual(inbox.get(id)); // the row as stored, built without reading it back
  });
});
