/**
 * Messenger webhook bodies → inbound events. Meta batches: every entry, and in each both
 * `messaging` (the page's own events) and `standby` (events while another app holds the
 * thread under the handover protocol: not ours to answer). Echoes, deliveries, reads,
 * reactions, referrals and opt-ins need no answer.
 */
import type { Logger } from '../../logger';
import { GREETING_INTENT, PAYLOAD } from '../../core/payloads';
import { idString, isObject } from '../json';
import type { InboundEvent } from '../types';

export interface MessengerParseOptions {
  maxTextLength: number;
  /** Postback payloads that mean "Get Started" (MESSENGER_GET_STARTED_PAYLOAD; the greeting intent always does). */
  getStartedPayloads: ReadonlySet<string>;
  now: () => number;
  logger: Logger;
}

export function parseMessengerBody(body: unknown, options: MessengerParseOptions): InboundEvent[] {
  if (!isObject(body) || body.object !== 'page' || !Array.isArray(body.entry)) {
    options.logger.info({ object: isObject(body) ? body.object : undefined }, 'Messenger webhook ignored');
    return [];
  }
  const events: InboundEvent[] = [];
  for (const entry of body.entry) {
    if (!isObject(entry)) continue;
    if (Array.isArray(entry.standby) && entry.standby.length > 0)
      options.logger.debug(
        { events: entry.standby.length },
        'Messenger standby events: another app holds the thread',
      );
    if (!Array.isArray(entry.messaging)) continue;
    for (const item of entry.messaging) {
      const event = isObject(item) ? parseMessagingEvent(item, options) : undefined;
      if (event) events.push(event);
    }
  }
  return events;
}

/** A millisecond timestamp given as a number or a numeric string; now otherwise. */
function timestampOf(value: unknown, now: () => number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : now();
}

function parseMessagingEvent(
  item: Record<string, unknown>,
  options: MessengerParseOptions,
): InboundEvent | undefined {
  // A `user_ref` sender (a Checkbox plugin opt-in) has no PSID to answer yet.
  const sender = isObject(item.sender) ? idString(item.sender.id) : undefined;
  if (!sender) return undefined;
  const timestamp = timestampOf(item.timestamp, options.now);
  if (isObject(item.message)) {
    const message = item.message;
    if (message.is_echo === true) return undefined;
    const mid = idString(message.mid);
    if (!mid) return undefined;
    const quick = isObject(message.quick_reply) ? message.quick_reply.payload : undefined;
    if (typeof quick === 'string' && quick)
      return { userId: sender, eventId: mid, payload: quick, timestamp };
    const text = typeof message.text === 'string' ? message.text.trim() : '';
    if (text) return { userId: sender, eventId: mid, text: text.slice(0, options.maxTextLength), timestamp };
    // Stickers (including the thumbs-up), images, files, audio, locations.
    return { userId: sender, eventId: mid, payload: PAYLOAD.unsupported, timestamp };
  }
  if (isObject(item.postback)) {
    const raw = typeof item.postback.payload === 'string' ? item.postback.payload : '';
    if (!raw) return undefined;
    const payload = options.getStartedPayloads.has(raw) ? GREETING_INTENT : raw;
    const mid = idString(item.postback.mid);
    if (mid) return { userId: sender, eventId: mid, payload, timestamp };
    const eventId = `postback:${sender}:${timestamp}:${raw}`;
    return { userId: sender, eventId, personalEventId: true, payload, timestamp };
  }
  // delivery, read, reaction, referral, optin…: nothing to answer.
  return undefined;
}
