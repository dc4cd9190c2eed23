/**
 * The shared store's schema history, written once for both engines with Kysely's schema
 * builder (`engine.ts` runs it). Append a migration with the next number; never edit one that
 * has shipped. The tables mirror those of `migrations.ts` (the SQLite store the bot runs on
 * today), plus what several instances need: the lease columns of `channel_inbox`.
 */
import { sql, type Kysely } from 'kysely';
import { logKeyMigrations, logMigrations } from './log-migrations';
import type { EngineKind } from './shared-schema';

export interface SharedMigration {
  /** Sorted as text: a zero-padded number first. */
  name: string;
  up(db: Kysely<unknown>, kind: EngineKind): Promise<void>;
}

/** An auto-numbered primary key: SQLite's rowid alias, PostgreSQL's 64-bit identity. */
function idType(kind: EngineKind) {
  return kind === 'postgres' ? 'bigserial' : 'integer';
}

const OPEN_STATES = ['accepted', 'answered'];
const DONE_STATES = ['delivered', 'failed'];

export const sharedMigrations: SharedMigration[] = [
  {
    name: '0100-channel-inbox-and-tokens',
    async up(db, kind) {
      await db.schema
        .createTable('channel_inbox')
        .addColumn('id', idType(kind), (c) => c.primaryKey())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('payload', 'text')
        .addColumn('tap_candidate', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('meta', 'text')
        .addColumn('event_time', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('interaction_id', 'bigint')
        .addColumn('parts', 'text')
        .addColumn('parts_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addCheckConstraint(
          'channel_inbox_state',
          sql`state IN ('accepted', 'answered', 'delivered', 'failed')`,
        )
        // The dedupe key: a platform's retry, whichever instance receives it, is stored once.
        .addUniqueConstraint('channel_inbox_event', ['channel', 'event_id'])
        .execute();
      // What `claim` scans: open events, and per citizen the oldest open one.
      await db.schema
        .createIndex('channel_inbox_open')
        .on('channel_inbox')
        .column('id')
        .where(sql.ref('state'), 'in', OPEN_STATES)
        .execute();
      await db.schema
        .createIndex('channel_inbox_open_user')
        .on('channel_inbox')
        .columns(['channel', 'user_id', 'event_time'])
        .where(sql.ref('state'), 'in', OPEN_STATES)
        .execute();
      await db.schema
        .createIndex('channel_inbox_done')
        .on('channel_inbox')
        .column('updated_at')
        .where(sql.ref('state'), 'in', DONE_STATES)
        .execute();
      await db.schema
        .createTable('channel_tokens')
        .addColumn('channel', 'text', (c) => c.primaryKey())
        .addColumn('access_token', 'text', (c) => c.notNull())
        .addColumn('refresh_token', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('seed', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0101-sessions-and-flood-counters',
    async up(db) {
      // Shared, so a citizen's next message may be answered by any instance.
      await db.schema
        .createTable('sessions')
        .addColumn('user_key', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
      await db.schema
        .createTable('flood_counters')
        .addColumn('user_key', 'text', (c) => c.primaryKey())
        .addColumn('times', 'text', (c) => c.notNull())
        .addColumn('warned', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('flood_counters_updated_at')
        .on('flood_counters')
        .column('updated_at')
        .execute();
    },
  },
  {
    name: '0102-channel-offers',
    async up(db) {
      // The payloads of the buttons last shown to a citizen: Zalo taps come back as plain text.
      await db.schema
        .createTable('channel_offers')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('payloads', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('channel_offers_pk', ['channel', 'user_id'])
        .execute();
    },
  },
  // The interaction log, feedback, links, the officers' inbox and the rollups.
  ...logMigrations,
  {
    name: '0104-store-probe',
    async up(db) {
      // One row that /healthz and a parked delivery queue rewrite to learn whether a write
      // commits (a full disk still answers reads). A SQLite file has it from migrations.ts.
      await db.schema
        .createTable('store_probe')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0105-content-versions',
    async up(db, kind) {
      // The editors' content as it went live on one instance, for the others (shared-content.ts).
      await db.schema
        .createTable('content_versions')
        .ifNotExists()
        .addColumn('id', idType(kind), (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        .addColumn('published_at', 'bigint', (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // One rating per citizen and answer (the log's tables, above).
  ...logKeyMigrations,
];
