/**
 * The log step: every exchange (answers, fallbacks, controls, throttled messages) becomes
 * one interaction row, except the reply to an erasure, which must leave nothing behind.
 * Text is redacted by the store; the folded text for grouping unanswered questions is made
 * here from the redacted text, since the engine folded the original.
 */
import { cleanText, foldAccents } from '../nlu/normalise';
import type { InteractionSink } from '../store/interactions';
import { redact } from '../store/redact';
import type { Middleware } from './types';

export function logStep(sink: InteractionSink, now: () => number): Middleware {
  return {
    name: 'log',
    run(turn, next) {
      const result = next();
      if (result.unlogged) return result;
      const normalisedText = loggedNormalised(turn.message.text, result.normalisedText);
      result.interactionId = sink.record(
        turn.message,
        { ...result, normalisedText },
        now() - turn.startedAt,
        turn.status,
      );
      return result;
    },
  };
}

/**
 * The folded text stored for a message: the engine's fold when there was nothing to redact,
 * else the redacted text folded (an e-mail would no longer look like one after folding) and
 * redacted again (folding can join digit groups).
 */
export function loggedNormalised(text: string | undefined, engineFolded: string | null): string | null {
  if (text === undefined) return null;
  const redacted = redact(text);
  if (redacted === text && engineFolded !== null && !/[\d@]/.test(text)) return engineFolded;
  return redact(foldAccents(cleanText(redacted)));
}
