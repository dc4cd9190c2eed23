/**
 * The contract every messaging platform implements. An adapter knows its platform's
 * webhook (signature, payload shapes), its limits and its send API; everything else —
 * dedupe, the engine, retries, the interaction log — is the shared pipeline's job.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Router } from 'express';
import { ChannelError } from '../errors';
import { PAYLOAD } from '../dialogue/engine';
import type { Reply } from '../dialogue/types';
import type { InboxRow } from '../store/inbox';

export type PlatformChannel = 'zalo' | 'messenger' | 'telegram';

/**
 * Control payloads the adapters produce (payloads starting with '#' are never intent ids).
 * Follow / Get Started map to the `greeting` intent.
 */
export const CONTROL = {
  greeting: 'greeting',
  unsupported: PAYLOAD.unsupported,
} as const;

/** One platform event worth answering, as stored by the ack path. */
export interface InboundEvent {
  /** The platform user id to reply to, always a string (Zalo ids exceed 2^53). */
  userId: string;
  /** The dedupe key within the channel (message id, update id…). */
  eventId: string;
  /** Free text, classified by the engine. */
  text?: string;
  /** A tap or a control payload; never classified. */
  payload?: string;
  /** The text may be a button tap: Zalo sends `oa.query.hide` taps as ordinary text. */
  tapCandidate?: boolean;
  /** Platform data needed while answering (e.g. Telegram's callback query id). */
  meta?: Record<string, string>;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export type VerifyResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** One platform message body without its recipient; stored before sending, as JSON. */
export type OutboundPart = Record<string, unknown>;

/**
 * Hands accepted events to the pipeline; resolves once they are committed to SQLite (the
 * webhooks of one event-loop turn share a commit), and only then may the ack be sent.
 */
export type AcceptEvents = (channel: PlatformChannel, events: InboundEvent[]) => Promise<void>;

export interface ChannelAdapter {
  readonly name: PlatformChannel;
  /** Replies are refused this long after the user's message (Zalo 7 days, Messenger 24 h). */
  readonly replyWindowMs?: number;
  /** True when button payloads should be remembered per user (taps that come back as text or as hashes). */
  readonly remembersOffers?: boolean;
  /** Adds the webhook route(s); `accept` is the ack path. */
  mount(router: Router, accept: AcceptEvents): void;
  /** Turns a channel-neutral reply into the platform's message bodies, within its limits. */
  render(reply: Reply): OutboundPart[];
  /** Maps tap data back to a payload offered earlier (e.g. a hashed Telegram callback). */
  resolveTap?(data: string, offered: readonly string[]): string | undefined;
  /** Sends one part; throws a ChannelError saying whether a retry may help. */
  send(userId: string, part: OutboundPart, signal: AbortSignal): Promise<void>;
  /** Best-effort platform acknowledgement before the reply (Telegram's answerCbQuery). */
  acknowledge?(event: InboxRow, signal: AbortSignal): Promise<void>;
  /** Background work (token keeper, long polling). */
  start?(): void;
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
