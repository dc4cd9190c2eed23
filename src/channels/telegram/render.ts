/**
 * A reply as Telegram messages: text of at most 4,096 characters per message, links and
 * buttons as an inline keyboard under the last part (links one per row, buttons two per
 * row). Callback data is limited to 64 bytes: a longer payload travels as a stable hash,
 * resolved against the payloads this user was offered.
 */
import crypto from 'node:crypto';
import type { InlineKeyboardButton } from 'telegraf/types';
import type { Reply } from '../../core/message';
import { replyText, splitText, truncate, utf8Length } from '../render';
import type { ChannelLimits, OutboundPart } from '../types';
import { HASHED_PREFIX } from './parse';

export const TELEGRAM_LIMITS: ChannelLimits = {
  textMax: 4096,
  /** No documented cap on inline keyboard buttons; 100 is the practical one. */
  buttonsMax: 100,
  labelMax: 64,
  payloadMaxBytes: 64,
};

const QUICK_REPLIES_PER_ROW = 2;

/** The callback data for a payload: itself when it fits in 64 bytes, else a stable hash. */
export function callbackData(payload: string): string {
  if (utf8Length(payload) <= TELEGRAM_LIMITS.payloadMaxBytes) return payload;
  return HASHED_PREFIX + crypto.createHash('sha256').update(payload).digest('base64url').slice(0, 22);
}

export function renderTelegram(reply: Reply, limits: ChannelLimits = TELEGRAM_LIMITS): OutboundPart[] {
  const parts: OutboundPart[] = splitText(replyText(reply, { links: 'omit' }), limits.textMax).map(
    (text) => ({
      text,
    }),
  );
  const keyboard: InlineKeyboardButton[][] = [];
  for (const block of reply.blocks)
    if (block.type === 'link')
      keyboard.push([{ text: truncate(block.label, limits.labelMax), url: block.url }]);
  for (let i = 0; i < reply.quickReplies.length; i += QUICK_REPLIES_PER_ROW)
    keyboard.push(
      reply.quickReplies.slice(i, i + QUICK_REPLIES_PER_ROW).map((q) => ({
        text: truncate(q.label, limits.labelMax),
        callback_data: callbackData(q.payload),
      })),
    );
  if (keyboard.length > 0 && parts.length > 0)
    parts[parts.length - 1] = { ...parts[parts.length - 1], reply_markup: { inline_keyboard: keyboard } };
  return parts;
}
