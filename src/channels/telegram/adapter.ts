/**
 * Telegram. Webhook mode: POST /webhooks/telegram, checked against
 * `X-Telegram-Bot-Api-Secret-Token` by the shared webhook route — not through telegraf's
 * webhookCallback, whose per-request context, debug logger and AsyncLocalStorage cost the
 * ack path more than the store itself. Polling mode (a pilot without public HTTPS) runs
 * telegraf's `bot.launch()`, whose only middleware stores the update through the same
 * `parse`. Replies are sent through telegraf's API client.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Telegraf } from 'telegraf';
import type { UserFromGetMe } from 'telegraf/types';
import type { Reply } from '../../core/message';
import type { Logger } from '../../logger';
import type { InboxRow } from '../../store/inbox';
import {
  header,
  type AcceptEvents,
  type ChannelAdapter,
  type InboundEvent,
  type OutboundPart,
  type Recipient,
  type VerifyResult,
} from '../types';
import { parseBody, safeEqual } from '../webhook';
import { CALLBACK_META, HASHED_PREFIX, parseTelegramUpdate } from './parse';
import { callbackData, renderTelegram, TELEGRAM_LIMITS } from './render';
import { callTelegram, TELEGRAM_METHODS } from './send';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';

export interface TelegramOptions {
  token: string;
  webhookSecret?: string;
  apiRoot: string;
  mode: 'webhook' | 'polling';
  timeoutMs: number;
  maxTextLength: number;
}

export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram' as const;
  readonly limits = TELEGRAM_LIMITS;
  readonly remembersOffers = true;
  readonly webhookPath: string | undefined;
  readonly bot: Telegraf;
  private polling = false;

  constructor(
    private readonly options: TelegramOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.webhookPath = options.mode === 'webhook' ? TELEGRAM_WEBHOOK_PATH : undefined;
    this.bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot, webhookReply: false } });
    // Without botInfo telegraf calls getMe before handling the first update; nothing here
    // uses the bot's username.
    this.bot.botInfo = placeholderBotInfo(options.token);
  }

  verify(_raw: Buffer, headers: IncomingHttpHeaders): VerifyResult {
    const given = header(headers, 'x-telegram-bot-api-secret-token');
    if (!given) return { ok: false, status: 401, reason: 'missing X-Telegram-Bot-Api-Secret-Token header' };
    return safeEqual(given, this.options.webhookSecret ?? '')
      ? { ok: true }
      : { ok: false, status: 403, reason: 'X-Telegram-Bot-Api-Secret-Token does not match' };
  }

  parse(raw: Buffer): InboundEvent[] {
    return parseTelegramUpdate(parseBody(raw), this.parseOptions());
  }

  private parseOptions() {
    return { maxTextLength: this.options.maxTextLength, now: this.now, logger: this.logger };
  }

  resolveTap(data: string, offered: readonly string[]): string | undefined {
    return data.startsWith(HASHED_PREFIX) ? offered.find((p) => callbackData(p) === data) : undefined;
  }

  render(reply: Reply): OutboundPart[] {
    return renderTelegram(reply, this.limits);
  }

  send(to: Recipient, part: OutboundPart, signal: AbortSignal): Promise<void> {
    return this.call(TELEGRAM_METHODS.sendMessage, { chat_id: to.userId, ...part }, signal);
  }

  /** Stops the spinner on the tapped button. */
  async acknowledge(event: InboxRow, signal: AbortSignal): Promise<void> {
    const id = event.meta[CALLBACK_META];
    if (id) await this.call(TELEGRAM_METHODS.answerCallbackQuery, { callback_query_id: id }, signal);
  }

  start(accept: AcceptEvents): void {
    if (this.options.mode !== 'polling') return;
    this.bot.use(async (ctx) => {
      await accept('telegram', parseTelegramUpdate(ctx.update, this.parseOptions()));
    });
    this.bot.catch((err) =>
      this.logger.error({ error: (err as Error).message }, 'Telegram update not stored'),
    );
    this.polling = true;
    this.bot.launch({ dropPendingUpdates: false }).catch((err: Error) => {
      this.polling = false;
      this.logger.error({ error: err.message }, 'Telegram long polling stopped');
    });
  }

  async stop(): Promise<void> {
    if (!this.polling) return;
    this.polling = false;
    try {
      this.bot.stop('shutdown');
    } catch {
      /* never started */
    }
  }

  private call(
    method: (typeof TELEGRAM_METHODS)[keyof typeof TELEGRAM_METHODS],
    payload: Record<string, unknown>,
    signal: AbortSignal,
  ) {
    return callTelegram(this.bot.telegram, method, payload, signal, this.options.timeoutMs);
  }
}

function placeholderBotInfo(token: string): UserFromGetMe {
  return {
    id: Number(token.split(':')[0]) || 0,
    is_bot: true,
    first_name: 'Trợ lý TTHC',
    username: 'tro_ly_tthc_bot',
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  } as UserFromGetMe;
}
