/**
 * The log step: every exchange (answers, fallbacks, controls, throttled messages) becomes
 * one interaction row, except the reply to an erasure, which must leave nothing behind.
 * Text is redacted by the store; for grouping unanswered questions it reuses the engine's
 * folded text, or folds the redacted text with the NLU's fold when redaction changed it.
 */
import { cleanText, foldAccents } from '../nlu/normalise';
import type { InteractionSink } from '../store/interactions';
import { redact } from '../store/redact';
import type { Middleware } from './types';

export function logStep(sink: Pick<InteractionSink, 'record'>, now: () => number): Middleware {
  return {
    name: 'log',
    run(turn, next) {
      const result = next();
      if (result.unlogged) return result;
      result.interactionId = sink.record(
        turn.message,
        { ...result, fold },
        now() - turn.startedAt,
        turn.status,
      );
      return result;
    },
  };
}

const fold = (text: string) => foldAccents(cleanText(text));

/**
 * The folded text stored for a message (for callers that log without an engine run): the engine's fold when there was nothing to redact,
 * else the redacted text folded (an e-mail would no longer look like one after folding) and
 * redacted again (folding can join digit groups).
 */
export function loggedNormalised(text: string | undefined, engineFolded: string | null): string | null {
  if (text === undefined) return null;
  const redacted = redact(text);
  if (redacted === text && engineFolded !== null && !/[\d@]/.test(text)) return engineFolded;
  return redact(foldAccents(cleanText(redacted)));
}
