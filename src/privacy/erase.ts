/**
 * A citizen's right to deletion: every row keyed by their pseudonymous id goes, in one
 * transaction, and so does what the channel tables keep under their raw platform id
 * (finished inbox events, offered buttons), found through `contacts` before it goes.
 * Anonymous daily counts stay (they hold no id), except the grouped unanswered questions,
 * which hold text: the citizen's share is taken out of them.
 *
 * An event still open when the erasure runs (the citizen's own "yes", or a message sent
 * after it) is not deleted under the pipeline's feet: the erasing event forgets its sender
 * once its reply is sent (src/channels/pipeline.ts), later ones are new data.
 * `secure_delete` is always on (src/store/db.ts), so the deleted content is zeroed in the
 * pages written, and a truncating checkpoint afterwards removes the WAL frames that still
 * held it: the erased data is gone from the file, not only from the tables.
 */
import { vietnamDaySql } from '../core/vietnam-day';
import { scrubDeleted, type Db } from '../store/db';
import type { Engine } from '../store/engine';
import {
  CITIZEN_TABLES,
  eraseCitizenShared,
  type Contact,
  type ErasureReport,
} from '../store/shared-erasure';
import { forgetChannelUser } from '../store/inbox';
import { forgetCitizen } from '../store/interactions';

export type { ErasureReport };

const PSEUDONYM = /^[0-9a-f]{32}$/;

/** True for the shape of a pseudonymous id (32 lowercase hex characters). */
export function isPseudonym(value: string): boolean {
  return PSEUDONYM.test(value);
}

/**
 * With DATABASE_URL some of a citizen's rows live on PostgreSQL (the officers' inbox, the
 * shared sessions and inbox): `eraseCitizen` on this file erases them there too, under the
 * platform ids this file knows. Registered once at start-up (src/app.ts).
 */
const sharedStores = new WeakMap<Db, { engine: Engine; failed: (err: unknown) => void }>();

export function alsoEraseIn(db: Db, engine: Engine, failed: (err: unknown) => void): void {
  if (engine.kind === 'postgres') sharedStores.set(db, { engine, failed });
}

/**
 * Erases the citizen's rows in this file at once; with DATABASE_URL their rows on
 * PostgreSQL go in the background (a failure is reported to `alsoEraseIn`'s callback).
 * `eraseCitizenInStore` waits for both.
 */
export function eraseCitizen(db: Db, userKey: string): ErasureReport {
  const shared = eraseShared(db, userKey);
  void shared?.catch((err: unknown) => sharedStores.get(db)?.failed(err));
  return eraseCitizenFile(db, userKey);
}

/** Erases the citizen wherever the store keeps them; resolves with every table's count. */
export async function eraseCitizenInStore(db: Db, userKey: string): Promise<ErasureReport> {
  const shared = eraseShared(db, userKey);
  const report: ErasureReport = eraseCitizenFile(db, userKey);
  for (const [table, n] of Object.entries((await shared) ?? {})) report[table] = (report[table] ?? 0) + n;
  return report;
}

function eraseShared(db: Db, userKey: string): Promise<ErasureReport> | undefined {
  const shared = sharedStores.get(db);
  if (!shared) return undefined;
  // Read before this file's contacts are deleted.
  return eraseCitizenShared(shared.engine, userKey, fileContacts(db, userKey));
}

/** The citizen's platform ids this file knows (read before erasing it). */
export function fileContacts(db: Db, userKey: string): Contact[] {
  return db
    .prepare<[string], Contact>('SELECT channel, platform_user_id FROM contacts WHERE user_key = ?')
    .all(userKey);
}

/**
 * Erases the citizen's rows in this file only (on PostgreSQL the bot's erase step erases the
 * shared tables with the rest of its turn, src/runtime/shared-state.ts).
 */
export function eraseCitizenFile(db: Db, userKey: string): ErasureReport {
  try {
    return eraseRows(db, userKey, CITIZEN_TABLES);
  } finally {
    forgetCitizen(db, userKey);
    scrubDeleted(db);
  }
}

function eraseRows(db: Db, userKey: string, tables: readonly string[]): ErasureReport {
  // It reads first: the write lock is taken at BEGIN (IMMEDIATE), or a commit by the answer
  // worker's connection in between would fail the erase with SQLITE_BUSY at once. Inside the
  // turn's transaction (the citizen's own "xóa dữ liệu") it is a savepoint as before.
  return db
    .transaction(() => {
      // Unanswered questions already rolled up carry this citizen's text: subtract them first.
      const rolled = db
        .prepare<[string], { day: string; channel: string; normalised: string; n: number }>(
          `SELECT ${vietnamDaySql('ts')} AS day, channel, normalised, count(*) AS n
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
      const contact = db
        .prepare<[string], { channel: string; platform_user_id: string }>(
          'SELECT channel, platform_user_id FROM contacts WHERE user_key = ?',
        )
        .get(userKey);
      if (contact) {
        const channel = forgetChannelUser(db, contact.channel, contact.platform_user_id);
        report.channel_inbox = channel.inbox;
        report.channel_offers = channel.offers;
      }
      for (const table of tables)
        report[table] = db.prepare(`DELETE FROM ${table} WHERE user_key = ?`).run(userKey).changes;
      return report;
    })
    .immediate();
}

/** Total rows erased. */
export function erasedRows(report: ErasureReport): number {
  return Object.values(report).reduce((a, b) => a + b, 0);
}
