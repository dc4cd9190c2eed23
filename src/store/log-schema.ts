/**
 * The tables of the interaction log, reports and officers' inbox as the shared store
 * (`engine.ts`) sees them: the schema of `migrations.ts` 200–203, which `log-migrations.ts`
 * writes once for both engines. Times are milliseconds since the epoch; booleans are 0/1.
 */
import type { Generated } from 'kysely';

/**
 * Longest folded text kept for grouping, in characters (code points): unanswered questions are
 * grouped on it in the daily rollup's key, and PostgreSQL cannot index a key over 2,704
 * bytes (one pasted page of text stalled every report). The text itself is kept whole.
 */
export const NORMALISED_MAX_CHARS = 500;

export interface InteractionsTable {
  id: Generated<number>;
  ts: number;
  channel: string;
  user_key: string;
  message_id: string;
  /** An `InteractionKind` (src/store/interactions.ts). */
  kind: string;
  text: string | null;
  payload: string | null;
  /** The folded text, at most NORMALISED_MAX_CHARS characters. */
  normalised: string | null;
  intent: string | null;
  confidence: number;
  answer_id: string | null;
  content_version: string;
  replies: number;
  latency_ms: number;
  conv_start: number;
  status: string;
  status_detail: string | null;
  procedure: string | null;
  /** Comma-separated facet ids. */
  facets: string | null;
}

export interface CitizensTable {
  user_key: string;
  channel: string;
  first_seen: number;
}

export interface ContactsTable {
  user_key: string;
  channel: string;
  platform_user_id: string;
}

export interface FeedbackTable {
  id: Generated<number>;
  ts: number;
  channel: string;
  user_key: string;
  interaction_id: number | null;
  answer_id: string | null;
  rating: number;
}

export interface LinksTable {
  token: string;
  url: string;
  ts: number;
  channel: string;
  user_key: string;
  answer_id: string | null;
}

export interface ClicksTable {
  id: Generated<number>;
  ts: number;
  token: string;
  channel: string;
  user_key: string;
  answer_id: string | null;
  url: string;
}

export interface HandoffsTable {
  id: Generated<number>;
  ts: number;
  channel: string;
  user_key: string;
  last_messages: string | null;
  status: Generated<'new' | 'assigned' | 'answered' | 'closed'>;
  done_at: number | null;
  notified: string | null;
  assigned_to: number | null;
  assigned_name: string | null;
  note: string | null;
  updated_at: number | null;
}

export interface OfficersTable {
  id: Generated<number>;
  username: string;
  name: string;
  password_hash: string;
  role: 'admin' | 'officer';
  created_at: number;
  created_by: string;
}

export interface OfficerMessagesTable {
  id: Generated<number>;
  ts: number;
  handoff_id: number;
  channel: string;
  user_key: string;
  officer_id: number;
  officer_name: string;
  text: string | null;
  status: 'pending' | 'delivered' | 'failed' | 'outside_window';
  detail: string | null;
}

export interface HandoffEventsTable {
  id: Generated<number>;
  ts: number;
  handoff_id: number;
  user_key: string;
  officer_id: number;
  officer_name: string;
  action: string;
  detail: string | null;
}

export interface RollupStateTable {
  id: number;
  last_id: number;
}

export interface DailyStatsTable {
  day: string;
  channel: string;
  messages_in: number;
  messages_out: number;
  answered: number;
  fallbacks: number;
  conversations: number;
}

export interface DailyIntentsTable {
  day: string;
  channel: string;
  intent: string;
  n: number;
}

export interface DailyUsersTable {
  day: string;
  channel: string;
  user_key: string;
}

export interface DailyLatencyTable {
  day: string;
  channel: string;
  latency_ms: number;
  n: number;
}

export interface DailyUnansweredTable {
  day: string;
  channel: string;
  normalised: string;
  n: number;
  example: string | null;
}

export interface LogSchema {
  interactions: InteractionsTable;
  citizens: CitizensTable;
  contacts: ContactsTable;
  feedback: FeedbackTable;
  links: LinksTable;
  clicks: ClicksTable;
  handoffs: HandoffsTable;
  officers: OfficersTable;
  officer_messages: OfficerMessagesTable;
  handoff_events: HandoffEventsTable;
  rollup_state: RollupStateTable;
  daily_stats: DailyStatsTable;
  daily_intents: DailyIntentsTable;
  daily_users: DailyUsersTable;
  daily_latency: DailyLatencyTable;
  daily_unanswered: DailyUnansweredTable;
}
