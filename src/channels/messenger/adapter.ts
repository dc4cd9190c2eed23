/**
 * Facebook Messenger (Graph API). GET /webhooks/messenger answers Meta's subscription
 * challenge; POST /webhooks/messenger is signed with `X-Hub-Signature-256: sha256=<HMAC of
 * the raw body with the app secret>`. Replies go to POST {MESSENGER_API_BASE}/me/messages.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../../core/message';
import { GREETING_INTENT } from '../../core/payloads';
import type { Logger } from '../../logger';
import { parseJsonKeepingBigInts } from '../json';
import {
  header,
  HUMAN_AUTHOR,
  type ChannelAdapter,
  type HandshakeResult,
  type InboundEvent,
  type OutboundPart,
  type Recipient,
  type VerifyResult,
} from '../types';
import { parseBody, safeEqual } from '../webhook';
import { parseMessengerBody } from './parse';
import { MESSENGER_LIMITS, renderMessenger } from './render';
import { sendMessenger } from './send';

/** Standard replies are allowed within 24 h of the user's last message. */
const REPLY_WINDOW_MS = 24 * 3600_000;

export interface MessengerOptions {
  appSecret: string;
  verifyToken?: string;
  pageAccessToken: string;
  apiBase: string;
  /** The Get Started button's payload (MESSENGER_GET_STARTED_PAYLOAD, default GET_STARTED). */
  getStartedPayload?: string;
  timeoutMs: number;
  maxTextLength: number;
}

export class MessengerAdapter implements ChannelAdapter {
  readonly name = 'messenger' as const;
  readonly limits = MESSENGER_LIMITS;
  readonly webhookPath = '/webhooks/messenger';
  readonly replyWindowMs = REPLY_WINDOW_MS;
  private readonly getStartedPayloads: ReadonlySet<string>;

  constructor(
    private readonly options: MessengerOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.getStartedPayloads = new Set([GREETING_INTENT, options.getStartedPayload ?? 'GET_STARTED']);
  }

  handshake(query: Record<string, unknown>): HandshakeResult {
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    const { verifyToken } = this.options;
    const ok =
      mode === 'subscribe' &&
      typeof token === 'string' &&
      verifyToken !== undefined &&
      safeEqual(token, verifyToken) &&
      typeof challenge === 'string';
    return ok ? { status: 200, body: challenge } : { status: 403, body: 'verification refused' };
  }

  verify(raw: Buffer, headers: IncomingHttpHeaders): VerifyResult {
    const given = header(headers, 'x-hub-signature-256');
    if (!given) return { ok: false, status: 401, reason: 'missing X-Hub-Signature-256 header' };
    const expected = `sha256=${crypto.createHmac('sha256', this.options.appSecret).update(raw).digest('hex')}`;
    return safeEqual(given.trim().toLowerCase(), expected)
      ? { ok: true }
      : { ok: false, status: 403, reason: 'X-Hub-Signature-256 does not match' };
  }

  parse(raw: Buffer): InboundEvent[] {
    return parseMessengerBody(parseBody(raw, parseJsonKeepingBigInts), {
      maxTextLength: this.options.maxTextLength,
      getStartedPayloads: this.getStartedPayloads,
      now: this.now,
      logger: this.logger,
    });
  }

  render(reply: Reply): OutboundPart[] {
    return renderMessenger(reply, this.limits);
  }

  send(to: Recipient, part: OutboundPart, signal: AbortSignal): Promise<void> {
    return sendMessenger(
      this.options,
      to.userId,
      part,
      signal,
      this.logger,
      to.meta.author === HUMAN_AUTHOR.author,
    );
  }
}
