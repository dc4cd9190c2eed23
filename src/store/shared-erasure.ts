/**
 * Erasure and retention in the shared store (`engine.ts`), the same rules as
 * src/privacy/{erase,retention}.ts: a citizen's rows keyed by their pseudonymous id go in
 * one transaction, with what the channel tables keep under their raw platform id (found
 * through `contacts` first) and their share of the grouped unanswered questions; old text is
 * set to NULL while the rows, and so the counts, stay.
 *
 * On SQLite `secure_delete` (src/store/db.ts) zeroes the deleted content in the pages
 * written, and a truncating checkpoint afterwards removes the WAL frames that still held it;
 * PostgreSQL's dead rows are reclaimed by its (auto)vacuum.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { VN_OFFSET_MS } from '../core/vietnam-day';
import type { Engine, EngineKind } from './engine';
import type { StoreSchema } from './shared-schema';

/** The tables erased, in order, and how many rows each lost. */
export type ErasureReport = Record<string, number>;

/** Tables keyed by `user_key`, erased in this order (by both erasure paths). */
export const CITIZEN_TABLES = [
  'interactions',
  'citizens',
  'contacts',
  'sessions',
  'flood_counters',
  'feedback',
  'links',
  'clicks',
  'handoffs',
  'officer_messages',
  'handoff_events',
  'daily_users',
] as const;

const DAY_MS = 86_400_000;

/** The Vietnam day (YYYY-MM-DD) of a millisecond timestamp column, in the engine's SQL. */
export function vietnamDay(kind: EngineKind, column: string): RawBuilder<string> {
  const ref = sql.ref(column);
  return kind === 'postgres'
    ? sql<string>`to_char(to_timestamp((${ref} + ${sql.lit(VN_OFFSET_MS)}) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
    : sql<string>`strftime('%Y-%m-%d', ${ref} / 1000 + ${sql.lit(VN_OFFSET_MS / 1000)}, 'unixepoch')`;
}

/** A citizen's raw platform id, under which the channel tables keep their events. */
export interface Contact {
  channel: string;
  platform_user_id: string;
}

/**
 * `known`: the citizen's platform ids found elsewhere (the SQLite file's `contacts`, while
 * the log is written there), besides those in the shared `contacts`.
 */
export async function eraseCitizenShared(
  engine: Engine,
  userKey: string,
  known: readonly Contact[] = [],
): Promise<ErasureReport> {
  try {
    return await engine.db.transaction().execute((trx) => eraseCitizenIn(engine.kind, trx, userKey, known));
  } finally {
    await scrub(engine);
  }
}

/**
 * As `eraseCitizenShared`, through `trx`: a transaction the caller commits (the bot's erase
 * step commits it with the rest of the turn's rows and its reply).
 */
export async function eraseCitizenIn(
  kind: EngineKind,
  trx: Kysely<StoreSchema>,
  userKey: string,
  known: readonly Contact[] = [],
): Promise<ErasureReport> {
  await subtractUnanswered(kind, trx, userKey);
  const report: ErasureReport = { channel_inbox: 0, channel_offers: 0 };
  const stored = await trx
    .selectFrom('contacts')
    .select(['channel', 'platform_user_id'])
    .where('user_key', '=', userKey)
    .execute();
  for (const contact of [...stored, ...known]) {
    const inbox = await trx
      .deleteFrom('channel_inbox')
      .where('channel', '=', contact.channel)
      .where('user_id', '=', contact.platform_user_id)
      .where('state', 'in', ['delivered', 'failed'])
      .executeTakeFirst();
    const offers = await trx
      .deleteFrom('channel_offers')
      .where('channel', '=', contact.channel)
      .where('user_id', '=', contact.platform_user_id)
      .executeTakeFirst();
    report.channel_inbox += Number(inbox.numDeletedRows);
    report.channel_offers += Number(offers.numDeletedRows);
  }
  for (const table of CITIZEN_TABLES) {
    const result = await trx.deleteFrom(table).where('user_key', '=', userKey).executeTakeFirst();
    report[table] = Number(result.numDeletedRows);
  }
  return report;
}

/** Unanswered questions already rolled up carry the citizen's text: their share comes out. */
async function subtractUnanswered(kind: EngineKind, trx: Kysely<StoreSchema>, userKey: string) {
  const day = vietnamDay(kind, 'ts');
  const rolled = await trx
    .selectFrom('interactions')
    .select([day.as('day'), 'channel', 'normalised', (eb) => eb.fn.countAll<number>().as('n')])
    .where('user_key', '=', userKey)
    .where('kind', '=', 'fallback')
    .where('normalised', 'is not', null)
    .where('id', '<=', (eb) => eb.selectFrom('rollup_state').select('last_id').where('id', '=', 1))
    .groupBy([day, 'channel', 'normalised'])
    .execute();
  for (const r of rolled)
    await trx
      .updateTable('daily_unanswered')
      .set((eb) => ({ n: eb('n', '-', Number(r.n)) }))
      .where('day', '=', r.day)
      .where('channel', '=', r.channel)
      .where('normalised', '=', r.normalised!)
      .execute();
  await trx.deleteFrom('daily_unanswered').where('n', '<=', 0).execute();
}

export interface SharedRetentionResult {
  interactions: number;
  handoffs: number;
  unansweredGroups: number;
}

/** Sets text older than `days` before `now` to NULL; returns how many rows lost their text. */
export async function purgeOldTextShared(
  engine: Engine,
  days: number,
  now: number = Date.now(),
): Promise<SharedRetentionResult> {
  const cutoff = now - days * DAY_MS;
  // Daily groups are keyed by Vietnam day: whole days before the cutoff's day go.
  const cutoffDay = new Date(cutoff + VN_OFFSET_MS).toISOString().slice(0, 10);
  const result = await engine.db.transaction().execute(async (trx) => {
    const interactions = await trx
      .updateTable('interactions')
      .set({ text: null, payload: null, normalised: null })
      .where('ts', '<', cutoff)
      .where((eb) =>
        eb.or([eb('text', 'is not', null), eb('payload', 'is not', null), eb('normalised', 'is not', null)]),
      )
      .executeTakeFirst();
    const handoffs = await trx
      .updateTable('handoffs')
      .set({ last_messages: null, note: null })
      .where('ts', '<', cutoff)
      .where('last_messages', 'is not', null)
      .executeTakeFirst();
    const replies = await trx
      .updateTable('officer_messages')
      .set({ text: null })
      .where('ts', '<', cutoff)
      .where('text', 'is not', null)
      .executeTakeFirst();
    const groups = await trx.deleteFrom('daily_unanswered').where('day', '<', cutoffDay).executeTakeFirst();
    return {
      interactions: Number(interactions.numUpdatedRows),
      handoffs: Number(handoffs.numUpdatedRows) + Number(replies.numUpdatedRows),
      unansweredGroups: Number(groups.numDeletedRows),
    };
  });
  if (Object.values(result).some((n) => n > 0)) await scrub(engine);
  return result;
}

/** SQLite: the deleted content leaves the WAL too (best effort, as `scrubDeleted`). */
async function scrub(engine: Engine): Promise<void> {
  if (engine.kind !== 'sqlite') return;
  try {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(engine.db);
  } catch {
    // A reader kept it from finishing: the next erasure or retention run finishes it.
  }
}
