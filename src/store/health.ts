/**
 * Whether the store can write (issue #13, finding 3). A full disk still answers reads, so
 * `SELECT 1` says nothing about it: what counts is whether the last write committed. The
 * writers (the delivery queue, the web chat) report each storage failure and success here;
 * /healthz reads the state and, while writes fail, tries one small write itself (at most
 * once a second) so that recovery shows even when no traffic comes.
 *
 * With DATABASE_URL the shared tables live on PostgreSQL: `SharedStoreHealth` is the same
 * for that server (a cheap `SELECT 1` with a short timeout for reads, a probe row for writes),
 * and the shared delivery queue parks its events on it while the server cannot store.
 */
import { sql } from 'kysely';
import type { Db } from './db';
import type { Engine } from './engine';

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

/**
 * PostgreSQL (or the way to it) failing to store — the connection refused, reset or lost, the
 * server shutting down or starting, out of disk or connections, read-only — as opposed to a
 * bug or a constraint: worth retrying once the cause is gone.
 */
export function isSharedStoreFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown[] };
    if (typeof code === 'string' && SHARED_STORE_CODES.test(code)) return true;
    // pg's own errors for a lost or never-made connection carry no code.
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
    // A refused connection to a dual-stack host is an AggregateError of each address's.
    if (Array.isArray(errors) && errors.some(isSharedStoreFailure)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * SQLSTATE classes 08 (connection), 53 (insufficient resources: disk full, too many
 * connections), 57P01-57P03 (shutting down, cannot connect now), 25006 (read-only
 * transaction), and the socket errors of a connection that cannot be made or was lost.
 */
const SHARED_STORE_CODES =
  /^(08...|53...|57P0[1-3]|25006|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/** /healthz's view of the database. */
export interface StoreStatus {
  ok: boolean;
  db: 'ok' | 'error' | 'unwritable';
  /** Why not ok, on one line: since when writes fail and the last error, e.g. "SQLITE_FULL: database or disk is full". */
  reason?: string;
}

/** A probe write at most this often, so a busy health checker adds no write load. */
const PROBE_EVERY_MS = 1000;

/** Whether the last write to one store failed for a storage reason, since when, and why. */
abstract class WriteState {
  protected failingSince: number | null = null;
  protected lastError = '';
  protected lastProbeAt = -Infinity;

  constructor(
    private readonly isFailure: (err: unknown) => boolean,
    protected readonly now: () => number,
  ) {}

  /** True while the last write attempt failed for a storage reason. */
  get failing(): boolean {
    return this.failingSince !== null;
  }

  /** A write failed; anything but a storage failure is ignored (it says nothing about the store). */
  failed(err: unknown): void {
    if (!this.isFailure(err)) return;
    this.failingSince ??= this.now();
    this.lastError = errorLine(err);
  }

  /** A write committed. */
  succeeded(): void {
    this.failingSince = null;
  }

  /** True when a failing store is due for another probe (at most once a second). */
  protected probeDue(): boolean {
    if (!this.failing || performance.now() - this.lastProbeAt < PROBE_EVERY_MS) return false;
    this.lastProbeAt = performance.now();
    return true;
  }

  protected writeStatus(): StoreStatus {
    if (this.failingSince === null) return { ok: true, db: 'ok' };
    return {
      ok: false,
      db: 'unwritable',
      reason: `writes failing since ${new Date(this.failingSince).toISOString()} (${this.lastError})`,
    };
  }
}

/** "CODE: message" on one line (a driver's message may span several). */
function errorLine(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string };
  return `${code ?? 'error'}: ${(message || String(err)).replace(/\s+/g, ' ')}`;
}

/** The SQLite file at DATABASE_PATH. */
export class StoreHealth extends WriteState {
  private readonly probeStmt;
  private readonly readStmt;

  constructor(db: Db, now: () => number = Date.now) {
    super(isStorageFailure, now);
    this.probeStmt = db.prepare(
      'INSERT INTO store_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at',
    );
    this.readStmt = db.prepare('SELECT 1 AS ok');
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
    if (this.probeDue()) this.probe();
    return this.writeStatus();
  }
}

/** How long /healthz waits for PostgreSQL to answer before calling it unreachable. */
export const SHARED_HEALTH_TIMEOUT_MS = 2000;

/** The PostgreSQL server of DATABASE_URL (`where`: its URL without the password). */
export class SharedStoreHealth extends WriteState {
  constructor(
    private readonly engine: Engine,
    private readonly where: string,
    now: () => number = Date.now,
    private readonly timeoutMs = SHARED_HEALTH_TIMEOUT_MS,
  ) {
    super(isSharedStoreFailure, now);
  }

  /** One small committed write: true when it went through (and the server stores again). */
  async probe(): Promise<boolean> {
    try {
      const at = this.now();
      await this.engine.db
        .insertInto('store_probe')
        .values({ id: 1, at })
        .onConflict((oc) => oc.column('id').doUpdateSet({ at }))
        .execute();
      this.succeeded();
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  /** For /healthz: answers a trivial query within the timeout, and is not failing to write. */
  async status(): Promise<StoreStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.timeoutMs / 1000} s`)),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([sql`SELECT 1`.execute(this.engine.db), timeout]);
    } catch (err) {
      return {
        ok: false,
        db: 'error',
        reason: `PostgreSQL at ${this.where} unreachable: ${errorLine(innermost(err))}`,
      };
    } finally {
      clearTimeout(timer);
    }
    if (this.probeDue()) await this.probe();
    return this.writeStatus();
  }
}

/** The error that says what happened: a refused connection's first address, a wrapped cause. */
function innermost(err: unknown): unknown {
  let e = err as { cause?: unknown; errors?: unknown[]; message?: string } | undefined;
  while (e && !e.message && (e.errors?.length || e.cause !== undefined))
    e = (e.errors?.[0] ?? e.cause) as typeof e;
  return e;
}
