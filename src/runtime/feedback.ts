/**
 * The feedback step: after an answer (every FEEDBACK_EVERY-th), "Thông tin này có hữu ích
 * không?" with 👍/👎; a tap is stored against the answer it was offered under and thanked.
 * The buttons carry the channel's message id of the question that got the answer
 * (`#fb:up:<message id>`): it is known before the exchange is logged, and a citizen can
 * only ever reach their own exchanges through it. A tap with no answer of theirs to rate
 * is thanked but not counted, and an answer keeps one rating (a second tap changes it).
 */
import { FEEDBACK_BUTTONS, NO_FEEDBACK, PAYLOAD, isControlPayload } from '../core/payloads';
import type { QuickReply } from '../core/message';
import type { Brain } from '../knowledge/service';
import type { FeedbackStore } from '../store/feedback';
import type { InteractionLog } from '../store/interactions';
import { controlReply } from './control-reply';

/** How many of the citizen's latest exchanges a tap without a named answer may rate. */
export const RATEABLE_RECENT = 20;
import type { Middleware, Turn, TurnResult } from './types';

const LABELS = { up: '👍 Hữu ích', down: '👎 Chưa hữu ích' } as const;

export interface FeedbackOptions {
  /** Ask after every Nth answer; 0 never. */
  every: number;
  /** Told when the question is left out because its buttons would not fit the channel. */
  onSkipped?: (turn: Turn, result: TurnResult) => void;
}

export function feedbackStep(
  log: Pick<InteractionLog, 'byMessage' | 'recent' | 'countAnswers'>,
  ratings: Pick<FeedbackStore, 'rate'>,
  brain: () => Brain,
  options: FeedbackOptions,
): Middleware {
  const texts = () => brain().knowledge.system.privacy;

  function rate(turn: Turn, direction: 'up' | 'down', ref: string): TurnResult {
    const { userKey } = turn;
    // Only an answer given to this citizen can be rated: the tapped one, else their latest.
    const rateable = (r: { kind: string; answer_id: string | null }) =>
      r.kind === 'answer' && r.answer_id !== null && !NO_FEEDBACK.includes(r.answer_id);
    const tapped = ref ? log.byMessage(userKey, ref) : undefined;
    const target = tapped && rateable(tapped) ? tapped : log.recent(userKey, RATEABLE_RECENT).find(rateable);
    const rating = direction === 'down' ? -1 : 1;
    // No answer to rate: thanked, not counted (50 such taps once set satisfaction to 0%).
    if (target)
      ratings.rate({
        userKey,
        channel: turn.message.channel,
        interactionId: target.id,
        answerId: target.answer_id,
        rating,
      });
    const text = rating === 1 ? texts().feedback_thanks : texts().feedback_sorry;
    return controlReply(brain(), userKey, 'feedback', text);
  }

  function shouldAsk(turn: Turn, result: TurnResult): boolean {
    if (options.every <= 0 || result.control || result.unlogged || result.answerId === null) return false;
    if (NO_FEEDBACK.includes(result.answerId) || turn.message.payload === PAYLOAD.nextStep) return false;
    // Counted before this exchange is logged (the log step runs outside this one).
    if ((log.countAnswers(turn.userKey, NO_FEEDBACK) + 1) % options.every !== 0) return false;
    if (
      turn.buttonsMax !== undefined &&
      result.reply.quickReplies.length + FEEDBACK_BUTTONS > turn.buttonsMax
    ) {
      // The answer's own buttons come first: the optional question is what gives way, and
      // says so (content:check warns the editors about such answers beforehand).
      options.onSkipped?.(turn, result);
      return false;
    }
    return true;
  }

  return {
    name: 'feedback',
    run(turn, next) {
      const tap = parseFeedbackPayload(turn.message.payload);
      if (tap) return rate(turn, tap.direction, tap.ref);
      const result = next();
      if (!shouldAsk(turn, result)) return result;
      result.reply.blocks.push({ type: 'text', text: texts().feedback_prompt });
      const ref = turn.message.messageId;
      const buttons: QuickReply[] = [
        { label: LABELS.up, payload: `${PAYLOAD.feedbackUp}:${ref}` },
        { label: LABELS.down, payload: `${PAYLOAD.feedbackDown}:${ref}` },
      ];
      // After the guide buttons (control payloads), before related topics.
      const quick = result.reply.quickReplies;
      const at = quick.findIndex((q) => !isControlPayload(q.payload));
      quick.splice(at === -1 ? quick.length : at, 0, ...buttons);
      return result;
    },
  };
}

/** `#fb:up` / `#fb:down`, optionally followed by `:<message id>` (which may itself hold ':'). */
export function parseFeedbackPayload(
  payload: string | undefined,
): { direction: 'up' | 'down'; ref: string } | undefined {
  if (payload === undefined) return undefined;
  for (const [direction, prefix] of [
    ['up', PAYLOAD.feedbackUp],
    ['down', PAYLOAD.feedbackDown],
  ] as const) {
    if (payload === prefix) return { direction, ref: '' };
    if (payload.startsWith(`${prefix}:`)) return { direction, ref: payload.slice(prefix.length + 1) };
  }
  return undefined;
}
