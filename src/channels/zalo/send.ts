/**
 * Sending to Zalo. Followers are answered through the consultation API
 * `POST {ZALO_API_BASE}/v3.0/oa/message/cs` with `recipient.user_id`; anonymous users
 * (`anonymous_send_*`, chatting without following) through `POST /v2.0/oa/message` with
 * `recipient {anonymous_id, conversation_id}`, which carries text, image, file and sticker
 * only — so their replies go without buttons. Both take the `access_token` header.
 */
import { ChannelError } from '../../errors';
import { postJson, type HttpResponse } from '../http';
import { isObject, parseJsonKeepingBigInts } from '../json';
import { RateLimitError, type OutboundPart, type Recipient } from '../types';
import { ANONYMOUS_META } from './parse';

/** Invalid (-216) or expired (-220) access token: refresh and resend once. */
export const TOKEN_ERRORS = new Set([-216, -220]);
/** Rate limit (unconfirmed code). */
const RATE_LIMIT_ERRORS = new Set([-32]);

export const ZALO_PATHS = {
  consultation: '/v3.0/oa/message/cs',
  anonymous: '/v2.0/oa/message',
} as const;

/** The request for one part to the event's sender: path and body. */
export function zaloRequest(to: Recipient, part: OutboundPart): { path: string; body: unknown } {
  const conversationId = to.meta[ANONYMOUS_META.conversationId];
  if (conversationId !== undefined) {
    const { attachment, ...message } = part;
    return {
      path: ZALO_PATHS.anonymous,
      body: { recipient: { anonymous_id: to.userId, conversation_id: conversationId }, message },
    };
  }
  return { path: ZALO_PATHS.consultation, body: { recipient: { user_id: to.userId }, message: part } };
}

export function postZalo(
  apiBase: string,
  token: string,
  request: { path: string; body: unknown },
  signal: AbortSignal,
  timeoutMs: number,
): Promise<HttpResponse> {
  return postJson('zalo', `${apiBase}${request.path}`, request.body, {
    headers: { access_token: token },
    signal,
    timeoutMs,
    parse: parseJsonKeepingBigInts,
  });
}

export function zaloErrorCode(res: HttpResponse): number {
  return isObject(res.body) && typeof res.body.error === 'number' ? res.body.error : NaN;
}

/** Throws unless Zalo accepted the message; says whether a retry may help. */
export function checkZaloResponse(res: HttpResponse): void {
  if (res.status >= 500 || res.status === 429)
    throw new ChannelError('zalo', `HTTP ${res.status} from the Zalo API`, true, res.status);
  if (res.status >= 400)
    throw new ChannelError('zalo', `HTTP ${res.status} from the Zalo API`, false, res.status);
  const code = zaloErrorCode(res);
  if (code === 0) return;
  const message =
    isObject(res.body) && typeof res.body.message === 'string' ? res.body.message : 'unknown error';
  if (Number.isNaN(code)) throw new ChannelError('zalo', 'unexpected answer from the Zalo API', true);
  if (RATE_LIMIT_ERRORS.has(code)) throw new RateLimitError('zalo', message, code, 0);
  // -230/-232 (outside the window), -213 (not following), -201 (bad parameter), a token that
  // stays invalid after a refresh, and unknown codes: retrying would not help.
  throw new ChannelError('zalo', message, false, code);
}
