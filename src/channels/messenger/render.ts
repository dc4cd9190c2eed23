/**
 * A reply as Messenger messages: text of at most 2,000 characters per message, links
 * inline, and the buttons as quick replies under the last part (at most 13, titles of at
 * most 20 characters, payloads of at most 1,000).
 */
import type { Reply } from '../../core/message';
import { replyText, splitText, truncate } from '../render';
import type { ChannelLimits, OutboundPart } from '../types';

export const MESSENGER_LIMITS: ChannelLimits = {
  textMax: 2000,
  buttonsMax: 13,
  labelMax: 20,
  payloadMaxBytes: 1000,
};

export function renderMessenger(reply: Reply, limits: ChannelLimits = MESSENGER_LIMITS): OutboundPart[] {
  const parts: OutboundPart[] = splitText(replyText(reply, { links: 'inline' }), limits.textMax).map(
    (text) => ({
      text,
    }),
  );
  const quickReplies = reply.quickReplies.map((q) => ({
    content_type: 'text',
    title: truncate(q.label, limits.labelMax),
    payload: q.payload,
  }));
  if (quickReplies.length > 0 && parts.length > 0)
    parts[parts.length - 1] = { ...parts[parts.length - 1], quick_replies: quickReplies };
  return parts;
}
