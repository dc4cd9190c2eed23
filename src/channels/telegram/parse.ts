/**
 * Telegram updates → inbound events. Only private chats are answered (the officers'
 * group gets handoff posts, never citizen answers). Text and media captions are read as
 * questions; an edited message is answered as a new question only if the original was not
 * answered yet (see the delivery queue: same dedupe key); button taps carry their callback
 * query id so the tap can be acknowledged.
 */
import type { Update } from 'telegraf/types';
import type { Logger } from '../../logger';
import { GREETING_INTENT, PAYLOAD } from '../../core/payloads';
import { isObject } from '../json';
import type { InboundEvent } from '../types';

/** Longer payloads travel as this prefix + a hash, resolved against the payloads offered. */
export const HASHED_PREFIX = '#h:';

/** Meta key of a button tap's callback query id (answered with answerCallbackQuery). */
export const CALLBACK_META = 'callbackQueryId';

export interface TelegramParseOptions {
  maxTextLength: number;
  now: () => number;
  logger: Logger;
}

type Message = Record<string, unknown> & { chat?: { id?: unknown; type?: unknown }; date?: unknown };

export function parseTelegramUpdate(update: unknown, options: TelegramParseOptions): InboundEvent[] {
  if (!isObject(update)) return [];
  try {
    return parseUpdate(update as unknown as Update, options);
  } catch (err) {
    // A shape Telegram never sends (a field of the wrong type): sending it again cannot
    // help, so it is acknowledged and dropped rather than refused.
    options.logger.warn(
      { error: (err as Error).message, updateId: update.update_id },
      'Telegram update of an unexpected shape ignored',
    );
    return [];
  }
}

function parseUpdate(update: Update, options: TelegramParseOptions): InboundEvent[] {
  if ('message' in update)
    return parseMessage(update.message as unknown as Message, messageKey(update.message), options);
  if ('edited_message' in update)
    // Same key as the original: replaces it if it was not answered yet, else ignored.
    return parseMessage(
      update.edited_message as unknown as Message,
      messageKey(update.edited_message),
      options,
    ).map((e) => ({ ...e, edit: true }));
  if ('callback_query' in update) {
    const q = update.callback_query;
    const data = 'data' in q ? q.data : undefined;
    if (!data) return [];
    // Taps in groups are not ours to answer. A tap on a message sent in inline mode carries
    // no message (only inline_message_id): it is answered in the user's private chat.
    if (q.message && q.message.chat.type !== 'private') return [];
    const userId = String(q.message?.chat.id ?? q.from.id);
    const meta = { [CALLBACK_META]: q.id };
    const timestamp = options.now();
    const eventId = `cb:${q.id}`;
    // Callback data only ever comes from our own buttons; a hashed one is resolved later.
    return data.startsWith(HASHED_PREFIX)
      ? [{ userId, eventId, text: data, tapCandidate: true, meta, timestamp }]
      : [{ userId, eventId, payload: data, meta, timestamp }];
  }
  // channel_post, my_chat_member, inline_query…: nothing to answer.
  return [];
}

/**
 * The dedupe key of a message: chat and message id, shared by its later edits. In a private
 * chat the chat id is the user's id, so these keys are marked personal and stored hashed.
 */
function messageKey(m: { chat: { id: number }; message_id: number }): string {
  return `msg:${m.chat.id}:${m.message_id}`;
}

function parseMessage(m: Message, eventId: string, options: TelegramParseOptions): InboundEvent[] {
  if (!isObject(m.chat) || m.chat.type !== 'private') return [];
  const userId = String(m.chat.id);
  // A missing or malformed date must not make the update unstorable (Telegram would retry it forever).
  const timestamp = typeof m.date === 'number' && Number.isFinite(m.date) ? m.date * 1000 : options.now();
  const raw = typeof m.text === 'string' ? m.text : typeof m.caption === 'string' ? m.caption : '';
  const text = raw.trim();
  if (typeof m.text === 'string') {
    if (/^\/start(\s|@|$)/.test(text))
      return [{ userId, eventId, personalEventId: true, payload: GREETING_INTENT, timestamp }];
    if (/^\/help(\s|@|$)/.test(text))
      return [{ userId, eventId, personalEventId: true, payload: 'help', timestamp }];
  }
  if (text)
    return [
      { userId, eventId, personalEventId: true, text: text.slice(0, options.maxTextLength), timestamp },
    ];
  // Stickers, photos without caption, documents, locations, voice…
  return [{ userId, eventId, personalEventId: true, payload: PAYLOAD.unsupported, timestamp }];
}
