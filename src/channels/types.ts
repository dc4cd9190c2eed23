/**
 * The contract every messaging platform implements. An adapter is data (its limits, its
 * webhook path) plus a few functions: `verify` the raw bytes, `parse` them into events,
 * answer an optional GET `handshake`, `render` a reply within its limits and `send` one
 * part. Everything else — the webhook route (src/channels/webhook.ts), dedupe, the turn
 * pipeline, retries, the interaction log — is written once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PlatformChannel, Reply } from '../core/message';
import { ChannelError } from '../errors';
import type { InboxRow } from '../store/inbox';

export type { PlatformChannel } from '../core/message';

/** What one platform message can hold; content:check checks answers against the smallest. */
export interface ChannelLimits {
  /** Longest text of one message, in characters; longer replies are split into parts. */
  textMax: number;
  /** Most buttons (quick replies) under one message. */
  buttonsMax: number;
  /** Longest button label, in characters (longer labels are shortened with '…'). */
  labelMax: number;
  /** Longest button payload, in UTF-8 bytes. */
  payloadMaxBytes: number;
}

/** One platform event worth answering, as stored by the ack path. */
export interface InboundEvent {
  /** The platform user id to reply to, always a string (Zalo ids exceed 2^53). */
  userId: string;
  /** The dedupe key within the channel (message id, update id…). */
  eventId: string;
  /**
   * The key is built from the user's platform id (no platform message id to use): it is
   * stored as a keyed hash (see Delivery), never as is, so the log keeps no raw id.
   */
  personalEventId?: true;
  /** Free text, classified by the engine. */
  text?: string;
  /** A tap or a control payload; never classified. */
  payload?: string;
  /** The text may be a button tap: Zalo sends `oa.query.hide` taps as ordinary text. */
  tapCandidate?: boolean;
  /** Platform data needed while answering (Telegram's callback query id, Zalo's conversation id). */
  meta?: Record<string, string>;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** A new version of an earlier message (same event id): answered only if that one was not yet. */
  edit?: boolean;
}

/** The verdict on a webhook call's signature; a refusal names the reason (never the header value). */
export type VerifyResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** The answer to a GET on the webhook path (Messenger's subscription challenge). */
export interface HandshakeResult {
  status: 200 | 403;
  body: string;
}

/** One platform message body without its recipient; stored before sending, as JSON. */
export type OutboundPart = Record<string, unknown>;

/**
 * Whom a part goes to: the platform user id and what the event carried for answering it
 * (Zalo's conversation id for anonymous users). A stored inbox event is one.
 */
export interface Recipient {
  userId: string;
  meta: Readonly<Record<string, string>>;
}

/**
 * `meta` of a message written by a person (an officer's reply from the inbox), not the bot:
 * Messenger then sends it with the HUMAN_AGENT tag, allowed up to 7 days after the user's
 * last message instead of 24 hours.
 */
export const HUMAN_AUTHOR = { author: 'human' } as const;

/** The webhook body is not what the platform sends (not JSON): answered 400. */
export class WebhookBodyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookBodyError';
  }
}

/**
 * Hands accepted events to the delivery queue; resolves once they are committed to SQLite
 * (the webhooks of one event-loop turn share a commit), and only then may the ack be sent.
 */
export type AcceptEvents = (channel: PlatformChannel, events: InboundEvent[]) => Promise<void>;

export interface ChannelAdapter {
  readonly name: PlatformChannel;
  readonly limits: ChannelLimits;
  /** Where the platform posts its webhooks; undefined when it does not (Telegram polling). */
  readonly webhookPath?: string;
  /** Replies are refused this long after the user's message (Zalo 7 days, Messenger 24 h). */
  readonly replyWindowMs?: number;
  /** True when button payloads should be remembered per user (taps that come back as text or as hashes). */
  readonly remembersOffers?: boolean;
  /** Checks the platform's signature over the exact bytes received; runs before anything is parsed. */
  verify(rawBody: Buffer, headers: IncomingHttpHeaders): VerifyResult;
  /** The events worth answering; throws WebhookBodyError only for a body that is not JSON. */
  parse(rawBody: Buffer): InboundEvent[];
  /** Answers a GET on the webhook path (subscription verification). */
  handshake?(query: Record<string, unknown>): HandshakeResult;
  /** Turns a channel-neutral reply into the platform's message bodies, within `limits`. */
  render(reply: Reply): OutboundPart[];
  /** Maps tap data back to a payload offered earlier (e.g. a hashed Telegram callback). */
  resolveTap?(data: string, offered: readonly string[]): string | undefined;
  /** Sends one part; throws a ChannelError saying whether a retry may help. */
  send(to: Recipient, part: OutboundPart, signal: AbortSignal): Promise<void>;
  /** Best-effort platform acknowledgement before the reply (Telegram's answerCallbackQuery). */
  acknowledge?(event: InboxRow, signal: AbortSignal): Promise<void>;
  /** Background work (token keeper, long polling, which stores events through `accept`). */
  start?(accept: AcceptEvents): void;
  stop?(): Promise<void>;
}

/** A transient failure whose platform said how long to wait (Telegram's retry_after). */
export class RateLimitError extends ChannelError {
  constructor(
    channel: string,
    message: string,
    platformCode: string | number | undefined,
    readonly retryAfterMs: number,
  ) {
    super(channel, message, true, platformCode);
    this.name = 'RateLimitError';
  }
}

/** The header value as one string (Node gives arrays for repeated headers). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
