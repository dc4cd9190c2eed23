/**
 * The handoff step: the "talk to an officer" answer files a request for the officers'
 * inbox. It runs after the exchange is logged, because the request carries the citizen's
 * latest (redacted) messages, this one included.
 */
import type { ChannelName } from '../core/message';
import { HANDOFF_INTENT } from '../core/payloads';
import type { Middleware } from './types';

/** Where requests go; the officers' inbox (src/admin/handoffs.ts) implements it. */
export interface HandoffRequests {
  /** `interactionId`: the logged exchange that asked (the request waits for it to be committed). */
  request(userKey: string, channel: ChannelName, interactionId: number | null): unknown;
}

export function handoffStep(handoffs: HandoffRequests): Middleware {
  return {
    name: 'handoff',
    run(turn, next) {
      const result = next();
      if (result.answerId === HANDOFF_INTENT && !result.control && !result.unlogged)
        handoffs.request(result.userKey, turn.message.channel, result.interactionId);
      return result;
    },
  };
}
