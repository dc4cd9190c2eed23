/**
 * Calling the Bot API through telegraf's client (`POST {TELEGRAM_API_ROOT}/bot<token>/<method>`):
 * `sendMessage` for each part, `answerCallbackQuery` to stop a tapped button's spinner.
 * Errors are sorted into retry-worthy (429 with retry_after, 5xx, network) and final.
 */
import { TelegramError, type Telegram } from 'telegraf';
import { ChannelError } from '../../errors';
import { answerDeadline, MaybeDeliveredError, StoppedError } from '../http';
import { RateLimitError } from '../types';

/** The Bot API methods this adapter calls (telegraf's context shortcut for taps has a shorter name that is no Bot API method: a 404). */
export const TELEGRAM_METHODS = {
  sendMessage: 'sendMessage',
  answerCallbackQuery: 'answerCallbackQuery',
} as const;

export type TelegramMethod = (typeof TELEGRAM_METHODS)[keyof typeof TELEGRAM_METHODS];

export async function callTelegram(
  telegram: Telegram,
  method: TelegramMethod,
  payload: Record<string, unknown>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  const deadline = answerDeadline(timeoutMs, signal);
  try {
    // callApi's types are per method; the payload was built for this method by the caller.
    // telegraf types its signal with the abort-controller polyfill; node-fetch accepts the native one.
    await telegram.callApi(method as 'sendMessage', payload as never, {
      signal: deadline.signal as never,
    });
  } catch (err) {
    if (signal.aborted) throw new StoppedError();
    if (err instanceof TelegramError) {
      const code = err.code;
      if (code === 429)
        throw new RateLimitError(
          'telegram',
          err.description,
          code,
          (err.parameters?.retry_after ?? 1) * 1000,
        );
      // 5xx: Telegram's side; 403 blocked by the user, 400 chat not found, 404 no such method: final.
      throw new ChannelError('telegram', err.description, code >= 500, code);
    }
    if (deadline.timedOut())
      throw new MaybeDeliveredError('telegram', `no answer within ${timeoutMs} ms: maybe delivered`);
    // node-fetch errors: only the code (telegraf redacts the token, but keep the URL out anyway).
    const code = (err as { code?: string }).code ?? 'network error';
    throw new ChannelError('telegram', `request failed: ${code}`, true);
  } finally {
    deadline.clear();
  }
}
