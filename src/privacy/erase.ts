/**
 * A citizen's right to deletion: every row keyed by their pseudonymous id goes, in one
 * transaction. Anonymous daily counts stay (they hold no id), except the grouped
 * unanswered questions, which hold text: the citizen's share is taken out of them.
 */
import type { Db } from '../store/db';

/** The tables erased, in order, and how many rows each lost. */
export type ErasureReport = Record<string, number>;

const PSEUDONYM = /^[0-9a-f]{32}$/;

/** True for the shape of a pseudonymous id (32 lowercase hex characters). */
export function isPseudonym(value: string): boolean {
  return PSEUDONYM.test(value);
}

export function eraseCitizen(db: Db, userKey: string): ErasureReport {
  const tables = [
    'interactions',
    'citizens',
    'contacts',
    'sessions',
    'feedback',
    'links',
    'clicks',
    'handoffs',
    'daily_users',
  ];
  return db.transaction(() => {
    // Unanswered questions already rolled up carry this citizen's text: subtract them first.
    const rolled = db
      .prepare<[string], { day: string; channel: string; normalised: string; n: number }>(
        `SELECT strftime('%Y-%m-%d', ts / 1000 + 25200, 'unixepoch') AS day, channel, normalised, count(*) AS n
         FROM interactions
         WHERE user_key = ? AND kind = 'fallback' AND normalised IS NOT NULL
           AND id <= (SELECT last_id FROM rollup_state WHERE id = 1)
         GROUP BY 1, 2, 3`,
      )
      .all(userKey);
    const subtract = db.prepare<[number, string, string, string]>(
      'UPDATE daily_unanswered SET n = n - ? WHERE day = ? AND channel = ? AND normalised = ?',
    );
    for (const r of rolled) subtract.run(r.n, r.day, r.channel, r.normalised);
    db.prepare('DELETE FROM daily_unanswered WHERE n <= 0').run();

    const report: ErasureReport = {};
    for (const table of tables)
      report[table] = db.prepare(`DELETE FROM ${table} WHERE user_key = ?`).run(userKey).changes;
    return report;
  })();
}

/** Total rows erased. */
export function erasedRows(report: ErasureReport): number {
  return Object.values(report).reduce((a, b) => a + b, 0);
}
