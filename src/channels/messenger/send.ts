/**
 * Sending to Messenger: `POST {MESSENGER_API_BASE}/me/messages?access_token=…` with
 * `{recipient:{id}, messaging_type:"RESPONSE", message}` — or, for a message a person wrote
 * (an officer's reply), `messaging_type:"MESSAGE_TAG", tag:"HUMAN_AGENT"`, which Meta allows
 * up to 7 days after the user's last message; Graph errors sorted into retry-worthy and final.
 */
import { ChannelError } from '../../errors';
import type { Logger } from '../../logger';
import { postJson, type HttpResponse } from '../http';
import { isObject } from '../json';
import { RateLimitError, type OutboundPart } from '../types';

/** Graph error codes worth a retry: 1/2 temporary, 4/17/32/613 rate limits. */
const TRANSIENT_CODES = new Set([1, 2]);
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);

export interface MessengerSendOptions {
  apiBase: string;
  pageAccessToken: string;
  timeoutMs: number;
}

export async function sendMessenger(
  options: MessengerSendOptions,
  userId: string,
  part: OutboundPart,
  signal: AbortSignal,
  logger: Logger,
  humanAgent = false,
): Promise<void> {
  const kind = humanAgent
    ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }
    : { messaging_type: 'RESPONSE' };
  const url = `${options.apiBase}/me/messages?access_token=${encodeURIComponent(options.pageAccessToken)}`;
  const res = await postJson(
    'messenger',
    url,
    { recipient: { id: userId }, ...kind, message: part },
    { signal, timeoutMs: options.timeoutMs },
  );
  checkGraphResponse(res, logger);
}

export function checkGraphResponse(res: HttpResponse, logger: Logger): void {
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
    logger.error('Messenger refused the page access token (190): set a new MESSENGER_PAGE_ACCESS_TOKEN');
  // 10/2018278 outside the 24-hour window, 551 user unavailable, 190 bad token, others: final.
  throw new ChannelError('messenger', message, false, platformCode);
}
