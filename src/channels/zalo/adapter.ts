/**
 * Zalo Official Account (API v3). Webhook at POST /webhooks/zalo, signed with
 * `X-ZEvent-Signature: mac=sha256(app_id + rawBody + timestamp + OA secret key)`; replies
 * through the consultation API (followers) or the v2.0 message API (anonymous users), see
 * send.ts. User ids exceed 2^53 and stay strings end to end.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../../core/message';
import type { Logger } from '../../logger';
import type { Db } from '../../store/db';
import { TokenStore } from '../../store/tokens';
import { parseJsonKeepingBigInts, topLevelFields } from '../json';
import {
  header,
  type ChannelAdapter,
  type InboundEvent,
  type OutboundPart,
  type Recipient,
  type VerifyResult,
} from '../types';
import { parseBody } from '../webhook';
import { parseZaloEvent } from './parse';
import { renderZalo, ZALO_LIMITS } from './render';
import { checkZaloResponse, postZalo, TOKEN_ERRORS, zaloErrorCode, zaloRequest } from './send';
import { ZaloTokens, type TokenKeeping } from './tokens';

/** Replies are accepted within 7 days of the user's last message. */
const REPLY_WINDOW_MS = 7 * 24 * 3600_000;
/** How often the token keeper looks at the expiry (a quiet OA must not let it lapse). */
const KEEPER_INTERVAL_MS = 5 * 60_000;

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
  readonly limits = ZALO_LIMITS;
  readonly webhookPath = '/webhooks/zalo';
  readonly replyWindowMs = REPLY_WINDOW_MS;
  readonly remembersOffers = true;
  readonly tokens: ZaloTokens;
  private keeper?: NodeJS.Timeout;

  constructor(
    private readonly options: ZaloOptions,
    db: Db,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** Where the token pair is kept; default: the SQLite file `db`. */
    keeping: TokenKeeping = new TokenStore(db, now),
  ) {
    this.tokens = new ZaloTokens(keeping, options, logger, now);
  }

  verify(raw: Buffer, headers: IncomingHttpHeaders): VerifyResult {
    const given = header(headers, 'x-zevent-signature');
    if (!given) return { ok: false, status: 401, reason: 'missing X-ZEvent-Signature header' };
    const match = /^mac=([0-9a-fA-F]{64})$/.exec(given.trim());
    // A header that is present but wrong is a forged or broken signature (403), not a missing one.
    if (!match) return { ok: false, status: 403, reason: 'X-ZEvent-Signature is not mac=<sha256 hex>' };
    // The signed string includes app_id and timestamp from the body: read as raw tokens,
    // without parsing the body, which waits until the signature holds.
    const fields = topLevelFields(raw.toString('utf8'), ['app_id', 'timestamp']);
    // A plain SHA-256 of the concatenation (not an HMAC), keyed with the OA secret key.
    const expected = crypto
      .createHash('sha256')
      .update(fields.app_id ?? '')
      .update(raw)
      .update(fields.timestamp ?? '')
      .update(this.options.oaSecretKey)
      .digest();
    return crypto.timingSafeEqual(Buffer.from(match[1], 'hex'), expected)
      ? { ok: true }
      : { ok: false, status: 403, reason: 'X-ZEvent-Signature does not match' };
  }

  parse(raw: Buffer): InboundEvent[] {
    return parseZaloEvent(parseBody(raw, parseJsonKeepingBigInts), {
      maxTextLength: this.options.maxTextLength,
      now: this.now,
      logger: this.logger,
    });
  }

  render(reply: Reply): OutboundPart[] {
    return renderZalo(reply, this.limits);
  }

  async send(to: Recipient, part: OutboundPart, signal: AbortSignal): Promise<void> {
    const request = zaloRequest(to, part);
    const post = (token: string) =>
      postZalo(this.options.apiBase, token, request, signal, this.options.timeoutMs);
    const token = await this.tokens.current(signal);
    let res = await post(token);
    if (TOKEN_ERRORS.has(zaloErrorCode(res))) res = await post(await this.tokens.refresh(token, signal));
    checkZaloResponse(res);
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
}
