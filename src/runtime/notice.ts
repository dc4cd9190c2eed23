/**
 * The privacy notice step: the first reply a citizen ever gets (or gets again after erasing
 * their data) starts with what is kept, for how long, and how to erase it.
 */
import type { Brain } from '../knowledge/service';
import type { InteractionLog } from '../store/interactions';
import type { Middleware } from './types';

export function noticeStep(
  log: Pick<InteractionLog, 'isKnown'>,
  brain: () => Brain,
  retentionDays: number,
): Middleware {
  return {
    name: 'notice',
    run(turn, next) {
      // Asked before the exchange is logged: logging it makes the citizen known.
      const firstContact = !log.isKnown(turn.userKey);
      const result = next();
      if (firstContact && !result.unlogged) {
        const notice = brain().knowledge.system.privacy.notice.replaceAll(
          '{retention_days}',
          String(retentionDays),
        );
        result.reply.blocks.unshift({ type: 'text', text: notice });
      }
      return result;
    },
  };
}
