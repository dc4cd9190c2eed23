/**
 * A reply as Zalo OA messages: text of at most 2,000 characters per message (split at
 * paragraph boundaries), links written inline, and the buttons under the last part as
 * `oa.query.hide` (a tap comes back as a text message whose text is the payload).
 * The v3 shape of text-with-buttons is unconfirmed: community code sends `message.text`
 * plus `attachment {type:"template", payload:{buttons}}`.
 */
import type { Reply } from '../../core/message';
import { replyText, splitText, truncate } from '../render';
import type { ChannelLimits, OutboundPart } from '../types';

export const ZALO_LIMITS: ChannelLimits = {
  textMax: 2000,
  /** Zalo shows at most 5 buttons under a message. */
  buttonsMax: 5,
  labelMax: 100,
  payloadMaxBytes: 1000,
};

export function renderZalo(reply: Reply, limits: ChannelLimits = ZALO_LIMITS): OutboundPart[] {
  const parts: OutboundPart[] = splitText(replyText(reply, { links: 'inline' }), limits.textMax).map(
    (text) => ({
      text,
    }),
  );
  // The runtime keeps replies within the budget; a longer list is a bug upstream, not cut here.
  const buttons = reply.quickReplies.map((q) => ({
    title: truncate(q.label, limits.labelMax),
    type: 'oa.query.hide',
    payload: q.payload,
  }));
  if (buttons.length > 0 && parts.length > 0) {
    parts[parts.length - 1] = {
      ...parts[parts.length - 1],
      attachment: { type: 'template', payload: { buttons } },
    };
  }
  return parts;
}
