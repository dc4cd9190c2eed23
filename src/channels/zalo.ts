/**
 * Zalo Official Account (API v3). Webhook at POST /webhooks/zalo, signed with
 * `X-ZEvent-Signature: mac=sha256(app_id + rawBody + timestamp + OA secret key)`; replies
 * through POST {ZALO_API_BASE}/v3.0/oa/message/cs with the `access_token` header.
 * User ids exceed 2^53 and stay strings end to end.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Router } from 'express';
import type { Reply } from '../dialogue/types';
import { ChannelError } from '../errors';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import { TokenStore } from '../store/tokens';
import { postForm, postJson, type HttpResponse } from './http';
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
import { signedWebhook } from './webhook';

/** Zalo accepts at most 2,000 characters per text message. */
export const ZALO_TEXT_MAX = 2000;
/** Zalo shows at most 5 buttons under a message, each title at most 100 characters. */
export const ZALO_BUTTONS_MAX = 5;
export const ZALO_BUTTON_TITLE_MAX = 100;
/** Replies are accepted within 7 days of the user's last message. */
const REPLY_WINDOW_MS = 7 * 24 * 3600_000;
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 30 * 60_000;
/** How often the token keeper looks at the expiry (a quiet OA must not let it lapse). */
const KEEPER_INTERVAL_MS = 5 * 60_000;
/** A token pasted into the environment has an unknown age: assume it was just issued (~25 h). */
const ASSUMED_SEED_LIFETIME_MS = 24 * 3600_000;

const MEDIA_EVENTS = new Set([
  'user_send_image',
  'user_send_link',
  'user_send_audio',
  'user_send_video',
  'user_send_sticker',
  'user_send_location',
  'user_send_file',
  'user_send_gif',
  'user_send_business_card',
]);
const TEXT_EVENTS = new Set(['user_send_text', 'anonymous_send_text']);
/** Events that need no answer: unfollows, receipts, and echoes of the OA's own messages. */
const IGNORED_EVENTS = new Set([
  'unfollow',
  'user_received_message',
  'user_seen_message',
  'user_submit_info',
]);

/** Invalid (-216) or expired (-220) access token: refresh and resend once. */
const TOKEN_ERRORS = new Set([-216, -220]);
/** Rate limit (unconfirmed code). */
const RATE_LIMIT_ERRORS = new Set([-32]);

export interface ZaloOptions {
  appId?: string;
  appSecret?: string;
  oaSecretKey: string;
  accessToken: string;
  refreshToken?: string;
  apiBase: string;
  oauthBase: string;
  timeoutMs: number;
  maxTextLength: number;
}

export class ZaloAdapter implements ChannelAdapter {
  readonly name = 'zalo' as const;
  readonly replyWindowMs = REPLY_WINDOW_MS;
  readonly remembersOffers = true;
  readonly tokens: ZaloTokens;
  private keeper?: NodeJS.Timeout;

  constructor(
    private readonly options: ZaloOptions,
    db: Db,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = new ZaloTokens(new TokenStore(db, now), options, logger, now);
  }

  mount(router: Router, accept: AcceptEvents): void {
    router.post(
      '/webhooks/zalo',
      ...signedWebhook({
        channel: 'zalo',
        logger: this.logger,
        verify: (raw, headers) => this.verify(raw, headers),
        parse: (raw) => this.parse(raw),
        accept,
      }),
    );
  }

  verify(
    raw: Buffer,
    headers: IncomingHttpHeaders,
  ): VerifyResult | { ok: false; status: 400; reason: string } {
    const given = header(headers, 'x-zevent-signature');
    if (!given) return { ok: false, status: 401, reason: 'missing X-ZEvent-Signature header' };
    let body: unknown;
    try {
      body = parseJsonKeepingBigInts(raw.toString('utf8'));
    } catch {
      return { ok: false, status: 400, reason: 'the zalo webhook body is not valid JSON' };
    }
    const appId = isObject(body) ? (idString(body.app_id) ?? '') : '';
    const timestamp = isObject(body) ? (idString(body.timestamp) ?? '') : '';
    // A plain SHA-256 of the concatenation (not an HMAC), keyed with the OA secret key.
    const expected = crypto
      .createHash('sha256')
      .update(appId)
      .update(raw)
      .update(timestamp)
      .update(this.options.oaSecretKey)
      .digest();
    const match = /^mac=([0-9a-fA-F]{64})$/.exec(given.trim());
    const ok = match !== null && crypto.timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
    return ok ? { ok: true } : { ok: false, status: 401, reason: 'X-ZEvent-Signature does not match' };
  }

  parse(raw: Buffer): InboundEvent[] {
    const body = parseJsonKeepingBigInts(raw.toString('utf8'));
    if (!isObject(body)) return [];
    const event = typeof body.event_name === 'string' ? body.event_name : '';
    const rawTimestamp = idString(body.timestamp) ?? String(this.now());
    const timestamp = Number(rawTimestamp) || this.now();

    if (TEXT_EVENTS.has(event) || MEDIA_EVENTS.has(event)) {
      const sender = isObject(body.sender) ? idString(body.sender.id) : undefined;
      const message = isObject(body.message) ? body.message : {};
      const msgId = idString(message.msg_id);
      if (!sender || !msgId) {
        this.logger.warn({ event }, 'Zalo message event without sender.id or message.msg_id: ignored');
        return [];
      }
      const text = typeof message.text === 'string' ? message.text.trim() : '';
      if (TEXT_EVENTS.has(event) && text) {
        // Button taps (oa.query.hide) arrive exactly like typed text; the pipeline checks them
        // against the payloads this user was offered.
        return [
          {
            userId: sender,
            eventId: msgId,
            text: text.slice(0, this.options.maxTextLength),
            tapCandidate: true,
            timestamp,
          },
        ];
      }
      return [{ userId: sender, eventId: msgId, payload: CONTROL.unsupported, timestamp }];
    }
    if (event === 'follow') {
      const follower = isObject(body.follower) ? idString(body.follower.id) : undefined;
      if (!follower) return [];
      return [
        {
          userId: follower,
          eventId: `follow:${follower}:${rawTimestamp}`,
          payload: CONTROL.greeting,
          timestamp,
        },
      ];
    }
    if (event === 'user_click_chatnow') {
      const user = idString(body.user_id);
      if (!user) return [];
      return [
        { userId: user, eventId: `chatnow:${user}:${rawTimestamp}`, payload: CONTROL.greeting, timestamp },
      ];
    }
    if (!IGNORED_EVENTS.has(event) && !event.startsWith('oa_send_'))
      this.logger.info({ event }, 'Zalo event not handled: ignored');
    return [];
  }

  render(reply: Reply): OutboundPart[] {
    const texts = splitText(replyText(reply, { links: 'inline' }), ZALO_TEXT_MAX);
    const parts: OutboundPart[] = texts.map((text) => ({ text }));
    const buttons = reply.quickReplies.slice(0, ZALO_BUTTONS_MAX).map((q) => ({
      title: truncate(q.label, ZALO_BUTTON_TITLE_MAX),
      type: 'oa.query.hide',
      payload: q.payload,
    }));
    if (buttons.length > 0 && parts.length > 0) {
      // Unconfirmed v3 shape (community code): text plus a template attachment with buttons.
      parts[parts.length - 1] = {
        ...parts[parts.length - 1],
        attachment: { type: 'template', payload: { buttons } },
      };
    }
    return parts;
  }

  async send(userId: string, part: OutboundPart, signal: AbortSignal): Promise<void> {
    const token = await this.tokens.current(signal);
    let res = await this.post(token, userId, part, signal);
    if (TOKEN_ERRORS.has(errorCode(res))) {
      const fresh = await this.tokens.refresh(token, signal);
      res = await this.post(fresh, userId, part, signal);
    }
    check(res);
  }

  start(): void {
    this.keeper = setInterval(() => {
      this.tokens.refreshIfDue(new AbortController().signal).catch((err: Error) => {
        this.logger.error({ error: err.message }, 'Zalo token refresh failed');
      });
    }, KEEPER_INTERVAL_MS);
    this.keeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.keeper);
  }

  private post(
    token: string,
    userId: string,
    part: OutboundPart,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    return postJson(
      'zalo',
      `${this.options.apiBase}/v3.0/oa/message/cs`,
      { recipient: { user_id: userId }, message: part },
      {
        headers: { access_token: token },
        signal,
        timeoutMs: this.options.timeoutMs,
        parse: parseJsonKeepingBigInts,
      },
    );
  }
}

function errorCode(res: HttpResponse): number {
  return isObject(res.body) && typeof res.body.error === 'number' ? res.body.error : NaN;
}

/** Throws unless Zalo accepted the message; says whether a retry may help. */
function check(res: HttpResponse): void {
  if (res.status >= 500 || res.status === 429)
    throw new ChannelError('zalo', `HTTP ${res.status} from the Zalo API`, true, res.status);
  if (res.status >= 400)
    throw new ChannelError('zalo', `HTTP ${res.status} from the Zalo API`, false, res.status);
  const code = errorCode(res);
  if (code === 0) return;
  const message =
    isObject(res.body) && typeof res.body.message === 'string' ? res.body.message : 'unknown error';
  if (Number.isNaN(code)) throw new ChannelError('zalo', 'unexpected answer from the Zalo API', true);
  if (RATE_LIMIT_ERRORS.has(code)) throw new RateLimitError('zalo', message, code, 0);
  // -230/-232 (outside the window), -213 (not following), -201 (bad parameter), a token that
  // stays invalid after a refresh, and unknown codes: retrying would not help.
  throw new ChannelError('zalo', message, false, code);
}

/**
 * The Zalo access token: read from SQLite, refreshed before expiry and on -216, one refresh
 * at a time. Refresh tokens are single use — two concurrent refreshes would leave one side
 * holding a dead token — so every caller shares the one refresh in flight, and the new pair
 * replaces the old one in a single statement.
 */
export class ZaloTokens {
  private inflight?: Promise<string>;

  constructor(
    private readonly store: TokenStore,
    private readonly options: ZaloOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    store.seed('zalo', {
      accessToken: options.accessToken,
      refreshToken: options.refreshToken ?? null,
      expiresAt: now() + ASSUMED_SEED_LIFETIME_MS,
    });
  }

  private get pair() {
    return this.store.get('zalo')!;
  }

  private get canRefresh(): boolean {
    return Boolean(this.options.appId && this.options.appSecret && this.pair.refreshToken);
  }

  async current(signal: AbortSignal): Promise<string> {
    await this.refreshIfDue(signal);
    return this.pair.accessToken;
  }

  async refreshIfDue(signal: AbortSignal): Promise<void> {
    const { accessToken, expiresAt } = this.pair;
    if (expiresAt !== null && expiresAt - this.now() < REFRESH_MARGIN_MS && this.canRefresh)
      await this.refresh(accessToken, signal);
  }

  /** Refreshes unless `stale` was already replaced; concurrent callers share one refresh. */
  refresh(stale: string, signal: AbortSignal): Promise<string> {
    if (this.pair.accessToken !== stale) return Promise.resolve(this.pair.accessToken);
    this.inflight ??= this.doRefresh(signal).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefresh(signal: AbortSignal): Promise<string> {
    const { appId, appSecret, oauthBase, timeoutMs } = this.options;
    const refreshToken = this.pair.refreshToken;
    if (!appId || !appSecret || !refreshToken) {
      this.logger.error(
        'Zalo refused the access token and it cannot be refreshed: set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_REFRESH_TOKEN, or a new ZALO_ACCESS_TOKEN',
      );
      throw new ChannelError('zalo', 'access token refused and no refresh possible', false);
    }
    const res = await postForm(
      'zalo',
      `${oauthBase}/v4/oa/access_token`,
      { refresh_token: refreshToken, app_id: appId, grant_type: 'refresh_token' },
      { headers: { secret_key: appSecret }, signal, timeoutMs },
    );
    if (res.status >= 500 || res.status === 429)
      throw new ChannelError('zalo', `token refresh: HTTP ${res.status}`, true, res.status);
    const body = res.body;
    if (isObject(body) && typeof body.access_token === 'string' && typeof body.refresh_token === 'string') {
      const expiresIn = Number(body.expires_in);
      const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? this.now() + expiresIn * 1000 : null;
      this.store.save('zalo', {
        accessToken: body.access_token,
        refreshToken: body.refresh_token,
        expiresAt,
      });
      this.logger.info({ expiresAt }, 'Zalo access token refreshed');
      return body.access_token;
    }
    const code = isObject(body) ? (body.error as string | number | undefined) : undefined;
    this.logger.error(
      { code },
      'Zalo refused to refresh the access token: re-authorise the OA, then set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN',
    );
    throw new ChannelError('zalo', 'token refresh refused', false, code);
  }
}
