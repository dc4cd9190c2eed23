/**
 * The channel-neutral vocabulary every layer speaks: which channels exist, what a citizen
 * message looks like once a channel has parsed it, and what the bot says back. It sits at
 * the bottom of the layers (with config, errors and logger) so the store can name a
 * channel without importing the dialogue.
 */

/** Every channel, in one list: the platforms, the web chat and the terminal (`npm run chat`). */
export const CHANNELS = ['web', 'zalo', 'messenger', 'telegram', 'cli'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** The channels reached through a platform webhook (each has a folder under src/channels/). */
export const PLATFORM_CHANNELS = ['zalo', 'messenger', 'telegram'] as const;
export type PlatformChannel = (typeof PLATFORM_CHANNELS)[number];

/**
 * A citizen's text or id without U+0000: PostgreSQL's text columns refuse it (the insert
 * fails: a webhook would get a 500 and be retried forever, a web chat message a 500), SQLite
 * stores it. No person types it, so it is dropped before storage on both engines alike.
 */
export function withoutNul<T extends string | undefined>(value: T): T {
  return (value?.includes('\u0000') ? value.replaceAll('\u0000', '') : value) as T;
}

/** One citizen message, as every adapter reports it after parsing the platform's payload. */
export interface IncomingMessage {
  channel: ChannelName;
  /** The platform's user id, always a string (Zalo ids exceed JavaScript's safe integers). */
  userId: string;
  /** The platform's message id: the dedupe key together with `channel`. */
  messageId: string;
  /** Free text the citizen typed; classified. */
  text?: string;
  /** A quick-reply or button tap: an intent id or a control payload (src/core/payloads.ts); never classified. */
  payload?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface QuickReply {
  /** Shortened by each channel to its label limit (Messenger: 20 characters). */
  label: string;
  payload: string;
}

export type ReplyBlock = { type: 'text'; text: string } | { type: 'link'; label: string; url: string };

/** What the bot says back: text and link blocks in order, then tappable quick replies. */
export interface Reply {
  blocks: ReplyBlock[];
  quickReplies: QuickReply[];
}
