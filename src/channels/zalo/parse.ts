/**
 * Zalo OA webhook events → inbound events. Ids stay strings end to end (they exceed 2^53;
 * bare numbers are read from the raw text). Events and shapes: ../../../README.md's
 * platform notes and tests/fixtures/zalo/README.md.
 */
import type { Logger } from '../../logger';
import { PAYLOAD, GREETING_INTENT } from '../../core/payloads';
import { idString, isObject } from '../json';
import type { InboundEvent } from '../types';

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
  'anonymous_send_image',
  'anonymous_send_file',
  'anonymous_send_sticker',
]);
const TEXT_EVENTS = new Set(['user_send_text', 'anonymous_send_text']);
/** Events that need no answer: unfollows, receipts, reactions, form submissions. */
const IGNORED_EVENTS = new Set([
  'unfollow',
  'user_received_message',
  'user_seen_message',
  'user_submit_info',
  'user_reacted_message',
  'oa_reacted_message',
]);

/** Meta keys an anonymous sender's event carries, for the v2.0 reply (see send.ts). */
export const ANONYMOUS_META = { conversationId: 'zaloConversationId' } as const;

export interface ZaloParseOptions {
  maxTextLength: number;
  now: () => number;
  logger: Logger;
}

export function parseZaloEvent(body: unknown, options: ZaloParseOptions): InboundEvent[] {
  const { logger, now } = options;
  if (!isObject(body)) return [];
  const event = typeof body.event_name === 'string' ? body.event_name : '';
  const rawTimestamp = idString(body.timestamp) ?? String(now());
  const timestamp = Number(rawTimestamp) || now();

  if (TEXT_EVENTS.has(event) || MEDIA_EVENTS.has(event)) {
    const sender = isObject(body.sender) ? idString(body.sender.id) : undefined;
    const message = isObject(body.message) ? body.message : {};
    const msgId = idString(message.msg_id);
    if (!sender || !msgId) {
      logger.warn({ event }, 'Zalo message event without sender.id or message.msg_id: ignored');
      return [];
    }
    let meta: Record<string, string> | undefined;
    if (event.startsWith('anonymous_')) {
      const conversationId = idString(message.conversation_id);
      if (!conversationId) {
        logger.warn({ event }, 'anonymous Zalo message without message.conversation_id: cannot be answered');
        return [];
      }
      meta = { [ANONYMOUS_META.conversationId]: conversationId };
    }
    // Text, or the caption some media messages carry.
    const text = typeof message.text === 'string' ? message.text.trim() : '';
    if (text) {
      // Button taps (oa.query.hide) arrive exactly like typed text; the delivery queue checks
      // them against the payloads this user was offered.
      return [
        {
          userId: sender,
          eventId: msgId,
          text: text.slice(0, options.maxTextLength),
          tapCandidate: TEXT_EVENTS.has(event),
          ...(meta && { meta }),
          timestamp,
        },
      ];
    }
    return [
      { userId: sender, eventId: msgId, payload: PAYLOAD.unsupported, ...(meta && { meta }), timestamp },
    ];
  }
  if (event === 'follow') {
    const follower = isObject(body.follower) ? idString(body.follower.id) : undefined;
    if (!follower) return [];
    return [
      {
        userId: follower,
        eventId: `follow:${follower}:${rawTimestamp}`,
        personalEventId: true,
        payload: GREETING_INTENT,
        timestamp,
      },
    ];
  }
  if (event === 'user_click_chatnow') {
    const user = idString(body.user_id);
    if (!user) return [];
    return [
      {
        userId: user,
        eventId: `chatnow:${user}:${rawTimestamp}`,
        personalEventId: true,
        payload: GREETING_INTENT,
        timestamp,
      },
    ];
  }
  if (!IGNORED_EVENTS.has(event) && !event.startsWith('oa_send_'))
    logger.info({ event }, 'Zalo event not handled: ignored');
  return [];
}
