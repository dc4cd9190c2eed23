/**
 * Telegram. Webhook mode: POST /webhooks/telegram, checked against
 * `X-Telegram-Bot-Api-Secret-Token`, parsed and stored here (deduped on update_id), then
 * answered 200 at once — not through telegraf's webhookCallback, whose per-request context,
 * debug logger and AsyncLocalStorage cost the ack path more than the store itself. Polling
 * mode (a pilot without public HTTPS) runs telegraf's `bot.launch()`, whose only middleware
 * stores the update the same way. Replies are sent through telegraf's API client.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Router } from 'express';
import { Telegraf, TelegramError } from 'telegraf';
import type { InlineKeyboardButton, Update, UserFromGetMe } from 'telegraf/types';
import type { Reply } from '../dialogue/types';
import { ChannelError } from '../errors';
import type { Logger } from '../logger';
import type { InboxRow } from '../store/inbox';
import { StoppedError } from './http';
import { replyText, splitText, truncate, utf8Length } from './render';
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
import { rawBody, rejectWebhook, safeEqual } from './webhook';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';
/** Telegram text limit (characters). */
export const TELEGRAM_TEXT_MAX = 4096;
/** Inline button callback data: at most 64 bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;
/** Longer payloads travel as this prefix + a hash, resolved against the payloads offered. */
const HASHED_PREFIX = '#h:';
const BUTTON_TEXT_MAX = 64;
const QUICK_REPLIES_PER_ROW = 2;

export interface TelegramOptions {
  token: string;
  webhookSecret?: string;
  apiRoot: string;
  mode: 'webhook' | 'polling';
  timeoutMs: number;
  maxTextLength: number;
}

/** The callback data for a payload: itself when it fits in 64 bytes, else a stable hash. */
export function callbackData(payload: string): string {
  if (utf8Length(payload) <= CALLBACK_DATA_MAX_BYTES) return payload;
  return HASHED_PREFIX + crypto.createHash('sha256').update(payload).digest('base64url').slice(0, 22);
}

export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram' as const;
  readonly remembersOffers = true;
  readonly bot: Telegraf;
  private accept?: AcceptEvents;
  private polling = false;

  constructor(
    private readonly options: TelegramOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot, webhookReply: false } });
    // Without botInfo telegraf calls getMe inside the first webhook request; the ack path must
    // not wait on the network, and nothing here uses the bot's username.
    this.bot.botInfo = placeholderBotInfo(options.token);
    this.bot.use(async (ctx) => void (await this.store(ctx.update)));
    this.bot.catch((err) =>
      this.logger.error({ error: (err as Error).message }, 'Telegram update not stored'),
    );
  }

  mount(router: Router, accept: AcceptEvents): void {
    this.accept = accept;
    if (this.options.mode !== 'webhook') return;
    router.post(TELEGRAM_WEBHOOK_PATH, rawBody, (req, res) => {
      const verdict = this.verify(req.headers);
      if (!verdict.ok) {
        rejectWebhook(res, this.logger, 'telegram', verdict, req.ip);
        return;
      }
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let update: unknown;
      try {
        update = JSON.parse(raw.toString('utf8'));
      } catch {
        update = undefined;
      }
      if (typeof update !== 'object' || update === null || Array.isArray(update)) {
        this.logger.warn({ channel: 'telegram' }, 'signed webhook body could not be read');
        res.status(400).json({ error: 'the telegram webhook body is not a JSON object' });
        return;
      }
      // Not stored: 500, so that Telegram delivers the update again.
      void this.store(update as Update).then((stored) => res.status(stored ? 200 : 500).end());
    });
  }

  verify(headers: IncomingHttpHeaders): VerifyResult {
    const given = header(headers, 'x-telegram-bot-api-secret-token');
    if (!given) return { ok: false, status: 401, reason: 'missing X-Telegram-Bot-Api-Secret-Token header' };
    return safeEqual(given, this.options.webhookSecret ?? '')
      ? { ok: true }
      : { ok: false, status: 403, reason: 'X-Telegram-Bot-Api-Secret-Token does not match' };
  }

  /** Stores the update's events; false when they could not be stored (the update must come again). */
  private async store(update: Update): Promise<boolean> {
    let events: InboundEvent[];
    try {
      events = this.parse(update);
    } catch (err) {
      // A shape Telegram never sends (a field of the wrong type): sending it again cannot
      // help, so it is acknowledged and dropped rather than answered 500.
      this.logger.warn(
        { error: (err as Error).message, updateId: update?.update_id },
        'Telegram update of an unexpected shape ignored',
      );
      return true;
    }
    try {
      await this.accept?.('telegram', events);
      return true;
    } catch (err) {
      this.logger.error({ err, updateId: update.update_id }, 'Telegram update could not be stored');
      return false;
    }
  }

  parse(update: Update): InboundEvent[] {
    const eventId = String(update.update_id);
    if ('message' in update) {
      const m = update.message;
      // Only private chats: the officers' group (handoff) must not get citizen answers.
      if (m.chat.type !== 'private') return [];
      const userId = String(m.chat.id);
      // A missing or malformed date must not make the update unstorable (Telegram would retry it forever).
      const timestamp = Number.isFinite(m.date) ? m.date * 1000 : this.now();
      if ('text' in m) {
        const text = m.text.trim();
        if (/^\/start(\s|@|$)/.test(text)) return [{ userId, eventId, payload: CONTROL.greeting, timestamp }];
        if (/^\/help(\s|@|$)/.test(text)) return [{ userId, eventId, payload: 'help', timestamp }];
        if (text) return [{ userId, eventId, text: text.slice(0, this.options.maxTextLength), timestamp }];
      }
      // Stickers, photos, documents, locations, voice…
      return [{ userId, eventId, payload: CONTROL.unsupported, timestamp }];
    }
    if ('callback_query' in update) {
      const q = update.callback_query;
      const data = 'data' in q ? q.data : undefined;
      if (!data) return [];
      const userId = String(q.message?.chat.id ?? q.from.id);
      const meta = { callbackQueryId: q.id };
      const timestamp = this.now();
      // Callback data only ever comes from our own buttons; a hashed one is resolved later.
      return data.startsWith(HASHED_PREFIX)
        ? [{ userId, eventId, text: data, tapCandidate: true, meta, timestamp }]
        : [{ userId, eventId, payload: data, meta, timestamp }];
    }
    return [];
  }

  resolveTap(data: string, offered: readonly string[]): string | undefined {
    return data.startsWith(HASHED_PREFIX) ? offered.find((p) => callbackData(p) === data) : undefined;
  }

  render(reply: Reply): OutboundPart[] {
    const parts: OutboundPart[] = splitText(replyText(reply, { links: 'omit' }), TELEGRAM_TEXT_MAX).map(
      (text) => ({ text }),
    );
    const keyboard: InlineKeyboardButton[][] = [];
    for (const block of reply.blocks)
      if (block.type === 'link')
        keyboard.push([{ text: truncate(block.label, BUTTON_TEXT_MAX), url: block.url }]);
    for (let i = 0; i < reply.quickReplies.length; i += QUICK_REPLIES_PER_ROW)
      keyboard.push(
        reply.quickReplies.slice(i, i + QUICK_REPLIES_PER_ROW).map((q) => ({
          text: truncate(q.label, BUTTON_TEXT_MAX),
          callback_data: callbackData(q.payload),
        })),
      );
    if (keyboard.length > 0 && parts.length > 0)
      parts[parts.length - 1] = { ...parts[parts.length - 1], reply_markup: { inline_keyboard: keyboard } };
    return parts;
  }

  async send(userId: string, part: OutboundPart, signal: AbortSignal): Promise<void> {
    await this.call('sendMessage', { chat_id: userId, ...part }, signal);
  }

  async acknowledge(event: InboxRow, signal: AbortSignal): Promise<void> {
    const id = event.meta.callbackQueryId;
    // Stops the spinner on the tapped button.
    if (id) await this.call('answerCbQuery', { callback_query_id: id }, signal);
  }

  start(): void {
    if (this.options.mode !== 'polling') return;
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

  private async call(method: string, payload: Record<string, unknown>, signal: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    try {
      // callApi's types are per method; the payload was built for this method above.
      // telegraf types its signal with the abort-controller polyfill; node-fetch accepts the native one.
      await this.bot.telegram.callApi(method as 'sendMessage', payload as never, {
        signal: AbortSignal.any([signal, timeout]) as never,
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
        // 5xx: Telegram's side; 403 blocked by the user, 400 chat not found…: final.
        throw new ChannelError('telegram', err.description, code >= 500, code);
      }
      if (timeout.aborted)
        throw new ChannelError('telegram', `no answer within ${this.options.timeoutMs} ms`, true);
      // node-fetch errors: only the code (telegraf redacts the token, but keep the URL out anyway).
      const code = (err as { code?: string }).code ?? 'network error';
      throw new ChannelError('telegram', `request failed: ${code}`, true);
    }
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
