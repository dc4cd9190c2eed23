/**
 * Retention: message text older than RETENTION_DAYS is deleted while every row, and so
 * every count, stays; finished channel events (kept only as dedupe keys, with the raw
 * platform user id) go after DEDUPE_RETENTION_MS. Runs at start-up and then every few hours.
 */
import type { Logger } from '../logger';
import { scrubDeleted, type Db } from '../store/db';
import type { Engine } from '../store/engine';
import { Inbox } from '../store/inbox';
import { purgeOldTextShared } from '../store/shared-erasure';

const DAY_MS = 86_400_000;
/** How often the job runs; text lives at most this much longer than RETENTION_DAYS. */
export const RETENTION_INTERVAL_MS = 6 * 3_600_000;

export interface RetentionResult {
  interactions: number;
  handoffs: number;
  unansweredGroups: number;
  /** Finished channel events pruned. */
  inboxEvents: number;
}

/** Deletes text older than `days` before `now`; returns how many rows lost their text. */
export function purgeOldText(db: Db, days: number, now: number = Date.now()): RetentionResult {
  const cutoff = now - days * DAY_MS;
  // Daily groups are keyed by Vietnam day (UTC+7); drop whole days before the cutoff's day.
  const cutoffDay = new Date(cutoff + 7 * 3_600_000).toISOString().slice(0, 10);
  const result = db.transaction(() => ({
    interactions: db
      .prepare(
        `UPDATE interactions SET text = NULL, payload = NULL, normalised = NULL
         WHERE ts < ? AND (text IS NOT NULL OR payload IS NOT NULL OR normalised IS NOT NULL)`,
      )
      .run(cutoff).changes,
    handoffs:
      db
        .prepare(
          'UPDATE handoffs SET last_messages = NULL, note = NULL WHERE ts < ? AND last_messages IS NOT NULL',
        )
        .run(cutoff).changes +
      db.prepare('UPDATE officer_messages SET text = NULL WHERE ts < ? AND text IS NOT NULL').run(cutoff)
        .changes,
    unansweredGroups: db.prepare('DELETE FROM daily_unanswered WHERE day < ?').run(cutoffDay).changes,
    inboxEvents: new Inbox(db, () => now).prune(),
  }))();
  // The deleted text must leave the file too, not only the tables (src/store/db.ts).
  if (Object.values(result).some((n) => n > 0)) scrubDeleted(db);
  return result;
}

/**
 * Runs `purgeOldText` now and every RETENTION_INTERVAL_MS; the timer never keeps the process
 * alive. `shared`: the PostgreSQL store (DATABASE_URL), whose tables are purged too.
 */
export function startRetentionJob(
  db: Db,
  days: number,
  logger: Logger,
  now: () => number = Date.now,
  shared?: Engine,
) {
  const report = (result: Record<string, number>, where: string) => {
    if (Object.values(result).some((n) => n > 0))
      logger.info({ ...result, retentionDays: days, store: where }, 'retention: old message text deleted');
  };
  const run = () => {
    try {
      report({ ...purgeOldText(db, days, now()) }, 'sqlite');
    } catch (err) {
      logger.error({ err }, 'retention job failed; it will run again');
    }
    if (shared?.kind === 'postgres')
      purgeOldTextShared(shared, days, now()).then(
        (result) => report({ ...result }, 'postgres'),
        (err: unknown) => logger.error({ err }, 'retention job failed on PostgreSQL; it will run again'),
      );
  };
  run();
  const timer = setInterval(run, RETENTION_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
