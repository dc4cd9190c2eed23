/** The channel-neutral messages the engine reads and writes. */

export type ChannelName = 'web' | 'zalo' | 'messenger' | 'telegram' | 'cli';

/** One citizen message, as every adapter reports it after parsing the platform's payload. */
export interface IncomingMessage {
  channel: ChannelName;
  /** The platform's user id, always a string (Zalo ids exceed JavaScript's safe integers). */
  userId: string;
  /** The platform's message id: the dedupe key together with `channel`. */
  messageId: string;
  /** Free text the citizen typed; classified. */
  text?: string;
  /** A quick-reply or button tap: an intent id or a guide control; never classified. */
  payload?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface QuickReply {
  /** At most 20 characters (Messenger's limit). */
  label: string;
  payload: string;
}

export type ReplyBlock = { type: 'text'; text: string } | { type: 'link'; label: string; url: string };

/** What the bot says back: text and link blocks in order, then tappable quick replies. */
export interface Reply {
  blocks: ReplyBlock[];
  quickReplies: QuickReply[];
}
