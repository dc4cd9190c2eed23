/**
 * Facebook Messenger (Graph API). GET /webhooks/messenger answers Meta's verification
 * challenge; POST /webhooks/messenger is signed with `X-Hub-Signature-256: sha256=<HMAC of
 * the raw body with the app secret>`. Replies go to POST {MESSENGER_API_BASE}/me/messages.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Router } from 'express';
import type { Reply } from '../dialogue/types';
import { ChannelError } from '../errors';
import type { Logger } from '../logger';
import { postJson, type HttpResponse } from './http';
import { idString, isObject, parseJsonKeepingBigInts } from './json';
import { replyText, splitText, truncate } from './render';
import {
  CONTROL,
  header,
  RateLimitError,
  type AcceptEvents,
  type ChannelAdapter,
  type InboundEvent,
  type OutboundPart,
  type VerifyResult,
} from './types';
import { rejectWebhook, safeEqual, signedWebhook } from './webhook';

/** Messenger text limit (characters). */
export const MESSENGER_TEXT_MAX = 2000;
/** At most 13 quick replies, titles of at most 20 characters, payloads of at most 1,000. */
export const MESSENGER_QUICK_REPLIES_MAX = 13;
export const MESSENGER_TITLE_MAX = 20;
const PAYLOAD_MAX = 1000;
/** Standard replies are allowed within 24 h of the user's last message. */
const REPLY_WINDOW_MS = 24 * 3600_000;
/** The Get Started button's payload set by scripts/messenger-setup.ts; older setups use GET_STARTED. */
const GET_STARTED_PAYLOADS = new Set([CONTROL.greeting, 'GET_STARTED']);

/** Graph error codes worth a retry: 1/2 temporary, 4/17/32/613 rate limits. */
const TRANSIENT_CODES = new Set([1, 2]);
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);

export interface MessengerOptions {
  appSecret: string;
  verifyToken?: string;
  pageAccessToken: string;
  apiBase: string;
  timeoutMs: number;
  maxTextLength: number;
}

export class MessengerAdapter implements ChannelAdapter {
  readonly name = 'messenger' as const;
  readonly replyWindowMs = REPLY_WINDOW_MS;

  constructor(
    private readonly options: MessengerOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  mount(router: Router, accept: AcceptEvents): void {
    router.get('/webhooks/messenger', (req, res) => {
      const mode = req.query['hub.mode'];
      const token = req.query['hub.verify_token'];
      const challenge = req.query['hub.challenge'];
      const { verifyToken } = this.options;
      if (
        mode === 'subscribe' &&
        typeof token === 'string' &&
        verifyToken !== undefined &&
        safeEqual(token, verifyToken) &&
        typeof challenge === 'string'
      ) {
        res.status(200).type('text/plain').send(challenge);
        return;
      }
      rejectWebhook(res, this.logger, 'messenger', { status: 403, reason: 'verification refused' }, req.ip);
    });
    router.post(
      '/webhooks/messenger',
      ...signedWebhook({
        channel: 'messenger',
        logger: this.logger,
        verify: (raw, headers) => this.verify(raw, headers),
        parse: (raw) => this.parse(raw),
        accept,
      }),
    );
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
    const body = parseJsonKeepingBigInts(raw.toString('utf8'));
    if (!isObject(body) || body.object !== 'page' || !Array.isArray(body.entry)) {
      this.logger.info({ object: isObject(body) ? body.object : undefined }, 'Messenger webhook ignored');
      return [];
    }
    const events: InboundEvent[] = [];
    // Meta batches: every entry, every messaging event.
    for (const entry of body.entry) {
      if (!isObject(entry) || !Array.isArray(entry.messaging)) continue;
      for (const item of entry.messaging) {
        const event = isObject(item) ? this.parseEvent(item) : undefined;
        if (event) events.push(event);
      }
    }
    return events;
  }

  private parseEvent(item: Record<string, unknown>): InboundEvent | undefined {
    const sender = isObject(item.sender) ? idString(item.sender.id) : undefined;
    const timestamp = typeof item.timestamp === 'number' ? item.timestamp : this.now();
    if (!sender) return undefined;
    if (isObject(item.message)) {
      const message = item.message;
      if (message.is_echo === true) return undefined;
      const mid = idString(message.mid);
      if (!mid) return undefined;
      const quick = isObject(message.quick_reply) ? message.quick_reply.payload : undefined;
      if (typeof quick === 'string' && quick)
        return { userId: sender, eventId: mid, payload: quick, timestamp };
      const text = typeof message.text === 'string' ? message.text.trim() : '';
      if (text)
        return { userId: sender, eventId: mid, text: text.slice(0, this.options.maxTextLength), timestamp };
      // Stickers (including the thumbs-up), images, files, audio, locations.
      return { userId: sender, eventId: mid, payload: CONTROL.unsupported, timestamp };
    }
    if (isObject(item.postback)) {
      const raw = typeof item.postback.payload === 'string' ? item.postback.payload : '';
      if (!raw) return undefined;
      const payload = GET_STARTED_PAYLOADS.has(raw) ? CONTROL.greeting : raw;
      const eventId = idString(item.postback.mid) ?? `postback:${sender}:${timestamp}:${raw}`;
      return { userId: sender, eventId, payload, timestamp };
    }
    // delivery, read, reactions, referrals…: nothing to answer.
    return undefined;
  }

  render(reply: Reply): OutboundPart[] {
    const parts: OutboundPart[] = splitText(replyText(reply, { links: 'inline' }), MESSENGER_TEXT_MAX).map(
      (text) => ({ text }),
    );
    const quickReplies = reply.quickReplies.slice(0, MESSENGER_QUICK_REPLIES_MAX).map((q) => ({
      content_type: 'text',
      title: truncate(q.label, MESSENGER_TITLE_MAX),
      payload: q.payload.slice(0, PAYLOAD_MAX),
    }));
    if (quickReplies.length > 0 && parts.length > 0)
      parts[parts.length - 1] = { ...parts[parts.length - 1], quick_replies: quickReplies };
    return parts;
  }

  async send(userId: string, part: OutboundPart, signal: AbortSignal): Promise<void> {
    const url = `${this.options.apiBase}/me/messages?access_token=${encodeURIComponent(this.options.pageAccessToken)}`;
    const res = await postJson(
      'messenger',
      url,
      { recipient: { id: userId }, messaging_type: 'RESPONSE', message: part },
      { signal, timeoutMs: this.options.timeoutMs },
    );
    this.check(res);
  }

  private check(res: HttpResponse): void {
    if (res.status >= 200 && res.status < 300) return;
    const error = isObject(res.body) && isObject(res.body.error) ? res.body.error : undefined;
    const code = typeof error?.code === 'number' ? error.code : undefined;
    const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : undefined;
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`;
    const platformCode = code === undefined ? res.status : subcode ? `${code}/${subcode}` : code;
    if (code !== undefined && RATE_LIMIT_CODES.has(code))
      throw new RateLimitError('messenger', message, platformCode, 0);
    if ((code !== undefined && TRANSIENT_CODES.has(code)) || res.status >= 500 || res.status === 429)
      throw new ChannelError('messenger', message, true, platformCode);
    if (code === 190)
      this.logger.error(
        'Messenger refused the page access token (190): set a new MESSENGER_PAGE_ACCESS_TOKEN',
      );
    // 10/2018278 outside the 24-hour window, 551 user unavailable, 190 bad token, others: final.
    throw new ChannelError('messenger', message, false, platformCode);
  }
}
