/**
 * The budget step: the last guard before a reply leaves for a channel with a button limit.
 * content:check keeps every answer's own and guide buttons within the smallest channel's
 * limit, and the feedback step leaves its question out when its buttons would not fit, so
 * this step should never cut anything; if it must, it says so in the log (an error: the
 * content check and the channel limits disagree) instead of letting a platform drop
 * buttons silently or refuse the message.
 */
import type { Logger } from '../logger';
import type { Middleware } from './types';

export function budgetStep(logger?: Logger): Middleware {
  return {
    name: 'budget',
    run(turn, next) {
      const result = next();
      const max = turn.buttonsMax;
      const buttons = result.reply.quickReplies;
      if (max !== undefined && buttons.length > max) {
        logger?.error(
          {
            channel: turn.message.channel,
            answer: result.answerId,
            dropped: buttons.slice(max).map((q) => q.label),
          },
          'reply has more buttons than the channel shows: the last ones were left out (run npm run content:check)',
        );
        result.reply.quickReplies = buttons.slice(0, max);
      }
      return result;
    },
  };
}
