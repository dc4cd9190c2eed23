/**
 * The tables the shared store (`engine.ts`) reads and writes, as Kysely sees them. Times are
 * milliseconds since the epoch (BIGINT on PostgreSQL, INTEGER on SQLite); JSON is stored as
 * text, so both engines hold the same bytes.
 */
import type { Generated } from 'kysely';
import type { LogSchema } from './log-schema';

/** The engine a store runs on: the embedded SQLite file, or a shared PostgreSQL server. */
export type EngineKind = 'sqlite' | 'postgres';

export interface ChannelInboxTable {
  id: Generated<number>;
  channel: string;
  event_id: string;
  user_id: string;
  text: string | null;
  payload: string | null;
  tap_candidate: number;
  meta: string | null;
  event_time: number;
  received_at: number;
  state: 'accepted' | 'answered' | 'delivered' | 'failed';
  interaction_id: number | null;
  parts: string | null;
  parts_sent: Generated<number>;
  error: string | null;
  updated_at: number;
  /** The instance working on the event (see `SharedInbox.claim`); null when nobody is. */
  lease_owner: string | null;
  /** Until when `lease_owner` holds it; after that another instance may take it over. */
  lease_until: number | null;
}

export interface ChannelTokensTable {
  channel: string;
  access_token: string;
  refresh_token: string | null;
  expires_at: number | null;
  seed: string;
  updated_at: number;
}

export interface SessionsTable {
  user_key: string;
  /** The session state as JSON (src/store/sessions.ts). */
  state: string;
  expires_at: number;
}

export interface FloodCountersTable {
  user_key: string;
  /** Arrival times within the window, oldest first, as JSON. */
  times: string;
  warned: number;
  updated_at: number;
}

export interface ChannelOffersTable {
  channel: string;
  user_id: string;
  /** The payloads as a JSON array, newest first. */
  payloads: string;
  updated_at: number;
}

/** One row, rewritten by a health probe: a write that commits proves the store writes. */
export interface StoreProbeTable {
  id: number;
  at: number;
}

/** A version of the editors' content, as one instance loaded it (shared-content.ts). */
export interface ContentVersionsTable {
  id: Generated<number>;
  /** A hash of `files`: equal hashes, equal content. */
  hash: string;
  /** The files as a JSON array of { dir, path, text }. */
  files: string;
  published_at: number;
  /** The instance that published it (host and process id). */
  published_by: string;
}

export interface StoreSchema extends LogSchema {
  store_probe: StoreProbeTable;
  content_versions: ContentVersionsTable;
  channel_inbox: ChannelInboxTable;
  channel_offers: ChannelOffersTable;
  channel_tokens: ChannelTokensTable;
  sessions: SessionsTable;
  flood_counters: FloodCountersTable;
}
