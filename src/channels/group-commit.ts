/**
 * The delivery queue's writes to the SQLite file after the ack: a reply's turn (its session,
 * log row and stored parts), the progress after each part sent, and the final outcome. Each
 * used to be a commit of its own, ~2.75 per reply; a commit (BEGIN IMMEDIATE, the WAL write)
 * cost more CPU than the writes in it (issue #14: 0.29 ms per turn's transaction). Here the
 * writes asked for in one turn of the event loop share one transaction, committed on the next
 * turn of the loop, as the ack path's group commit (`Delivery.flushAccepts`) does for accepts.
 *
 *   - Each write runs in a savepoint of its own: one that throws is undone alone and its caller
 *     gets its error, the others commit.
 *   - A storage failure (disk full, I/O error: `isStorageFailure`) in any write, or in the
 *     commit, undoes the whole group: every caller gets that failure, exactly as if its own
 *     commit had failed (the delivery queue parks the event and keeps what is not stored).
 *   - A caller's promise settles only after the commit: nothing is sent before the row it
 *     depends on is committed.
 *
 * One citizen never has two writes in one group: the delivery queue runs one event per citizen
 * at a time and awaits each write before the next step, so the order per citizen is kept.
 */
import type { Transaction } from 'better-sqlite3';
import type { Db } from '../store/db';
import { isStorageFailure } from '../store/health';

/** Returned by `LockTries.attempt` when another connection holds the write lock. */
export const BUSY = Symbol('busy');
/** The wait before trying a write again that found the lock taken (a turn, a WAL restart). */
const LOCK_RETRY_MS = 1;
/** After this many tries a write waits in SQLite's busy handler like any other (busy_timeout). */
const LOCK_TRIES = 200;

/**
 * Writes from the main thread while another connection of this process may hold SQLite's
 * write lock for milliseconds (the answer worker's turn; the checkpoint worker starting the
 * WAL over, store/checkpointer.ts): SQLite's busy handler waits by sleeping (1, 2, 5, 10… ms),
 * and a sleep on this thread stalls every ack. On a database file, a write first tries
 * without waiting (busy_timeout 0) and, when the lock is taken, is tried again after
 * LOCK_RETRY_MS off the thread; after LOCK_TRIES it waits like any other write, so a lock
 * held for long (a backup) still ends in the usual storage failure. In memory (tests) no
 * other connection exists, and writes run as they always did.
 */
export class LockTries {
  /** The busy_timeout to restore; undefined: no other connection, writes run as always. */
  private readonly busyTimeout: number | undefined;

  constructor(private readonly db: Db) {
    if (!db.memory) this.busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  }

  /** Runs `write` once without waiting for the lock; BUSY when it was taken (nothing done). */
  attempt<T>(write: () => T): T | typeof BUSY {
    if (this.busyTimeout === undefined) return write();
    // Not a prepared statement: SQLite applies this pragma when it compiles it, not when run.
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      return write();
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') return BUSY;
      throw err;
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${this.busyTimeout}`);
    }
  }
}

/**
 * A batch written from the main thread (the ack path's accepts, the delivery queue's group):
 * tried without waiting for the lock (`LockTries`) while fewer than LOCK_TRIES tries in a row
 * found it taken, then waiting in SQLite's busy handler like any other write. When the lock
 * was taken nothing is written: `again` runs after LOCK_RETRY_MS, off the thread, and the
 * caller keeps its batch (taking in what arrives meanwhile).
 */
export class BusyRetry {
  /** Tries in a row that found the write lock taken. */
  private tries = 0;

  constructor(private readonly lockTries: LockTries) {}

  write<T>(write: () => T, again: () => void): T | typeof BUSY {
    let result: T | typeof BUSY;
    try {
      result = this.tries < LOCK_TRIES ? this.lockTries.attempt(write) : write();
    } catch (err) {
      this.tries = 0;
      throw err;
    }
    if (result !== BUSY) this.tries = 0;
    else {
      this.tries++;
      setTimeout(again, LOCK_RETRY_MS);
    }
    return result;
  }
}

/** One write waiting for the next group commit. */
interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** What became of one write inside the group's transaction (before the commit). */
type Result = { ok: true; value: unknown } | { ok: false; err: unknown };

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Tries the group without waiting while another connection holds the lock (`LockTries`). */
  private readonly busy: BusyRetry;
  /** The group's transaction and each write's savepoint, made once (better-sqlite3 nests them). */
  private readonly group: Transaction<(batch: readonly Pending[], results: Result[]) => void>;
  private readonly savepoint: (work: () => unknown) => unknown;

  constructor(db: Db, lockTries: LockTries) {
    this.busy = new BusyRetry(lockTries);
    this.savepoint = db.transaction((work: () => unknown) => work());
    this.group = db.transaction((batch: readonly Pending[], results: Result[]) => {
      results.length = 0;
      for (const item of batch) {
        try {
          results.push({ ok: true, value: this.savepoint(item.work) });
        } catch (err) {
          // The whole group is undone: a write that failed to store means none is stored.
          if (isStorageFailure(err)) throw err;
          results.push({ ok: false, err });
        }
      }
    });
  }

  /**
   * Runs `work` (synchronous SQLite writes, and whatever they compute) in the next group's
   * transaction; resolves to its result once that transaction committed. A write that reads
   * a row first sees it as committed or as written earlier in the same group.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const results: Result[] = [];
    let attempt: void | typeof BUSY;
    try {
      // The answer worker's turn or a WAL restart may hold the write lock: the group waits a
      // millisecond off the thread (taking in the writes asked for meanwhile), not in
      // SQLite's busy handler on the acks' thread. BEGIN IMMEDIATE fails before any write runs.
      attempt = this.busy.write(
        () => this.group.immediate(batch, results),
        () => this.flush(),
      );
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    if (attempt === BUSY) {
      this.pending = [...batch, ...this.pending];
      this.scheduled = true;
      return;
    }
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.err);
    });
  }
}
