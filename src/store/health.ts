/**
 * Whether the store can write (issue #13, finding 3). A full disk still answers reads, so
 * `SELECT 1` says nothing about it: what counts is whether the last write committed. The
 * writers (the delivery queue, the web chat) report each storage failure and success here;
 * /healthz reads the state and, while writes fail, tries one small write itself (at most
 * once a second) so that recovery shows even when no traffic comes.
 */
import type { Db } from './db';

/**
 * SQLite failing to store — disk full, an I/O error, a read-only or vanished file, a lock
 * held past busy_timeout, no memory — as opposed to a bug or a constraint. Such a failure
 * is worth retrying once the cause is gone; the error or one of its causes carries the code.
 */
export function isStorageFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STORAGE_CODES.test(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Primary codes and their extended forms (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…). */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|NOMEM)(_|$)/;

/** /healthz's view of the database. */
export interface StoreStatus {
  ok: boolean;
  db: 'ok' | 'error' | 'unwritable';
  /** Why not ok: since when writes fail and the last error, e.g. "SQLITE_FULL: database or disk is full". */
  reason?: string;
}

/** A probe write at most this often, so a busy health checker adds no write load. */
const PROBE_EVERY_MS = 1000;

export class StoreHealth {
  private failingSince: number | null = null;
  private lastError = '';
  private lastProbeAt = -Infinity;
  private readonly probeStmt;
  private readonly readStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.probeStmt = db.prepare(
      'INSERT INTO store_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at',
    );
    this.readStmt = db.prepare('SELECT 1 AS ok');
  }

  /** True while the last write attempt failed for a storage reason. */
  get failing(): boolean {
    return this.failingSince !== null;
  }

  /** A write failed; anything but a storage failure is ignored (it says nothing about the disk). */
  failed(err: unknown): void {
    if (!isStorageFailure(err)) return;
    this.failingSince ??= this.now();
    const { code, message } = err as { code?: string; message?: string };
    this.lastError = `${code ?? 'error'}: ${message ?? String(err)}`;
  }

  /** A write committed. */
  succeeded(): void {
    this.failingSince = null;
  }

  /**
   * One small committed write: true when it went through (and the store is writable again).
   * A rolled-back write would prove nothing: in WAL mode nothing reaches the disk before
   * the commit.
   */
  probe(): boolean {
    try {
      this.probeStmt.run(this.now());
      this.succeeded();
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  /** For /healthz: readable, and not failing to write (re-probed while failing). */
  status(): StoreStatus {
    try {
      this.readStmt.get();
    } catch (err) {
      return { ok: false, db: 'error', reason: `cannot read: ${(err as Error).message}` };
    }
    if (this.failing && performance.now() - this.lastProbeAt >= PROBE_EVERY_MS) {
      this.lastProbeAt = performance.now();
      this.probe();
    }
    if (this.failingSince === null) return { ok: true, db: 'ok' };
    return {
      ok: false,
      db: 'unwritable',
      reason: `writes failing since ${new Date(this.failingSince).toISOString()} (${this.lastError})`,
    };
  }
}
