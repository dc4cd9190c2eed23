/**
 * The shared store's migration of the interaction log, citizens and contacts, feedback,
 * tracked links, the officers' inbox and the daily rollups (`log-schema.ts`), written once
 * for both engines and appended to `sharedMigrations`.
 *
 * The tables, columns and indexes are those that `migrations.ts` 200–203 and 206 gave SQLite files,
 * with the same names, and every statement is `IF NOT EXISTS`: on a SQLite file the bot has
 * already migrated they exist, and the migration keeps every row; on a new PostgreSQL
 * database (or an empty SQLite one) it creates them.
 */
import { sql, type Kysely } from 'kysely';
import { NORMALISED_MAX_CHARS } from './log-schema';
import type { EngineKind } from './shared-schema';

/** An auto-numbered primary key: SQLite's rowid alias, PostgreSQL's 64-bit identity. */
const idType = (kind: EngineKind) => (kind === 'postgres' ? 'bigserial' : 'integer');

/** A rollup table is read by its key only: SQLite stores it in its key's b-tree. */
const withoutRowid = (kind: EngineKind) => (kind === 'sqlite' ? sql`WITHOUT ROWID` : sql``);

/** As `SharedMigration` (shared-migrations.ts, which appends this list). */
interface LogMigration {
  name: string;
  up(db: Kysely<unknown>, kind: EngineKind): Promise<void>;
}

export const logMigrations: LogMigration[] = [
  {
    name: '0103-interactions-feedback-links-handoffs-rollups',
    async up(db: Kysely<unknown>, kind) {
      const table = (name: string) => db.schema.createTable(name).ifNotExists();
      const index = (name: string) => db.schema.createIndex(name).ifNotExists();
      const id = idType(kind);

      // One row per message in and the reply out (text redacted before insert, nulled by retention).
      await table('interactions')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('payload', 'text')
        .addColumn('normalised', 'text')
        .addColumn('intent', 'text')
        .addColumn('confidence', 'double precision', (c) => c.notNull())
        .addColumn('answer_id', 'text')
        .addColumn('content_version', 'text', (c) => c.notNull())
        .addColumn('replies', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('conv_start', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_detail', 'text')
        .addColumn('procedure', 'text')
        .addColumn('facets', 'text')
        .execute();
      await index('interactions_user').on('interactions').columns(['user_key', 'ts']).execute();
      await index('interactions_ts').on('interactions').column('ts').execute();
      await index('interactions_failed')
        .on('interactions')
        .column('ts')
        .where(sql.ref('status'), '=', 'failed')
        .execute();
      await index('interactions_procedure')
        .on('interactions')
        .columns(['ts', 'procedure'])
        .where(sql.ref('procedure'), 'is not', null)
        .execute();

      await table('citizens')
        .addColumn('user_key', 'text', (c) => c.primaryKey())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('first_seen', 'bigint', (c) => c.notNull())
        .execute();
      await index('citizens_first_seen').on('citizens').column('first_seen').execute();
      // The raw platform id, kept apart from the log, only to reply (e.g. after a handoff).
      await table('contacts')
        .addColumn('user_key', 'text', (c) => c.primaryKey())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('platform_user_id', 'text', (c) => c.notNull())
        .execute();

      await table('feedback')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('interaction_id', 'bigint')
        .addColumn('answer_id', 'text')
        .addColumn('rating', 'integer', (c) => c.notNull().check(sql`rating IN (-1, 1)`))
        .execute();
      await index('feedback_ts').on('feedback').column('ts').execute();
      await index('feedback_user').on('feedback').column('user_key').execute();

      await table('links')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('answer_id', 'text')
        .execute();
      await index('links_user').on('links').column('user_key').execute();
      await table('clicks')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('answer_id', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .execute();
      await index('clicks_ts').on('clicks').column('ts').execute();
      await index('clicks_user').on('clicks').column('user_key').execute();

      // The officers' inbox. Statuses: new → assigned → answered → closed (and back by reopening).
      await table('handoffs')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('last_messages', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
        .addColumn('done_at', 'bigint')
        .addColumn('notified', 'text')
        .addColumn('assigned_to', 'bigint')
        .addColumn('assigned_name', 'text')
        .addColumn('note', 'text')
        .addColumn('updated_at', 'bigint')
        .execute();
      await index('handoffs_ts').on('handoffs').column('ts').execute();
      await index('handoffs_user').on('handoffs').column('user_key').execute();
      await index('handoffs_open').on('handoffs').columns(['status', 'ts']).execute();
      // Accounts an admin added (ADMIN_PASSWORD stays the built-in admin).
      await table('officers')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('admin', 'officer')`))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await table('officer_messages')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('handoff_id', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('officer_id', 'bigint', (c) => c.notNull())
        .addColumn('officer_name', 'text', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status IN ('pending', 'delivered', 'failed', 'outside_window')`),
        )
        .addColumn('detail', 'text')
        .execute();
      await index('officer_messages_user').on('officer_messages').columns(['user_key', 'id']).execute();
      await index('officer_messages_ts').on('officer_messages').column('ts').execute();
      await table('handoff_events')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('handoff_id', 'bigint', (c) => c.notNull())
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('officer_id', 'bigint', (c) => c.notNull())
        .addColumn('officer_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .execute();
      await index('handoff_events_handoff').on('handoff_events').columns(['handoff_id', 'id']).execute();
      await index('handoff_events_user').on('handoff_events').column('user_key').execute();

      // Daily rollups (Vietnam days) of interactions up to rollup_state.last_id (reports.ts).
      await table('rollup_state')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('last_id', 'bigint', (c) => c.notNull())
        .execute();
      await (db as Kysely<{ rollup_state: { id: number; last_id: number } }>)
        .insertInto('rollup_state')
        .values({ id: 1, last_id: 0 })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      const rollup = (
        name: string,
        key: string[],
        build: (t: ReturnType<typeof table>) => ReturnType<typeof table>,
      ) =>
        build(
          table(name)
            .addColumn('day', 'text', (c) => c.notNull())
            .addColumn('channel', 'text', (c) => c.notNull()),
        )
          .addPrimaryKeyConstraint(`${name}_pkey`, ['day', 'channel', ...key] as never)
          .modifyEnd(withoutRowid(kind))
          .execute();
      await rollup('daily_stats', [], (t) =>
        t
          .addColumn('messages_in', 'bigint', (c) => c.notNull())
          .addColumn('messages_out', 'bigint', (c) => c.notNull())
          .addColumn('answered', 'bigint', (c) => c.notNull())
          .addColumn('fallbacks', 'bigint', (c) => c.notNull())
          .addColumn('conversations', 'bigint', (c) => c.notNull()),
      );
      await rollup('daily_intents', ['intent'], (t) =>
        t.addColumn('intent', 'text', (c) => c.notNull()).addColumn('n', 'bigint', (c) => c.notNull()),
      );
      await rollup('daily_users', ['user_key'], (t) => t.addColumn('user_key', 'text', (c) => c.notNull()));
      await index('daily_users_user').on('daily_users').column('user_key').execute();
      await rollup('daily_latency', ['latency_ms'], (t) =>
        t.addColumn('latency_ms', 'integer', (c) => c.notNull()).addColumn('n', 'bigint', (c) => c.notNull()),
      );
      await rollup('daily_unanswered', ['normalised'], (t) =>
        t
          .addColumn('normalised', 'text', (c) => c.notNull())
          .addColumn('n', 'bigint', (c) => c.notNull())
          .addColumn('example', 'text'),
      );
    },
  },
];

/** Added to the log's tables later (after 0105, in `sharedMigrations`). */
export const logKeyMigrations: LogMigration[] = [
  {
    name: '0106-feedback-one-rating-per-answer',
    async up(db: Kysely<unknown>) {
      // One rating per citizen and answer, whichever instance gets the taps (on SQLite one
      // writer made it so; two PostgreSQL instances could both insert). Duplicates written
      // before the key: the latest stays.
      await sql`DELETE FROM feedback WHERE id NOT IN
        (SELECT max(id) FROM feedback GROUP BY user_key, interaction_id)`.execute(db);
      await db.schema
        .createIndex('feedback_one_rating')
        .ifNotExists()
        .unique()
        .on('feedback')
        .columns(['user_key', 'interaction_id'])
        .execute();
    },
  },
  {
    name: '0107-unanswered-keys-bounded',
    async up(db: Kysely<unknown>) {
      // The folded text is the unanswered rollup's key: rows logged before it was bounded
      // (NORMALISED_MAX_CHARS, interactions.ts) are cut the same way, by characters on both engines.
      await sql`UPDATE interactions SET normalised = substr(normalised, 1, ${sql.lit(NORMALISED_MAX_CHARS)})
        WHERE length(normalised) > ${sql.lit(NORMALISED_MAX_CHARS)}`.execute(db);
    },
  },
];
