/**
 * The runtime: one composed pipeline of named steps around the dialogue engine, built once
 * by `buildRuntime` and used alike by the platform channels, the web chat, `npm run chat`
 * and the tests. The order below is the order a message meets the steps (outermost first);
 * a step's work after `next()` runs in reverse order on the way out:
 *
 *   budget    after: keeps the buttons within the channel's limit, loudly (content:check should)
 *   handoff   after: files an officer request when the answer is "gặp cán bộ"
 *   links     after: rewrites link blocks to tracked /r/<token> addresses
 *   log       after: records the exchange (its id goes to delivery tracking)
 *   notice    after: prepends the privacy notice to a citizen's first reply
 *   flood     before: a burst past the limit gets one slow-down reply, then silence
 *   feedback  before: answers 👍/👎 taps; after: asks "hữu ích không?" under answers
 *   erase     before: "xóa dữ liệu của tôi" and its confirmation
 *   engine    the dialogue engine: payload or classified text → answer
 */
import type { Config } from '../config';
import type { IncomingMessage } from '../core/message';
import { DialogueEngine } from '../dialogue/engine';
import type { Brain } from '../knowledge/service';
import type { Logger } from '../logger';
import type { ProcedureAssistant } from '../procedures/assistant';
import { LinkTracker } from '../privacy/links';
import { pseudonymize } from '../privacy/pseudonym';
import type { Db } from '../store/db';
import { FeedbackStore } from '../store/feedback';
import { InteractionLog, type DeliveryStatus } from '../store/interactions';
import { SessionStore } from '../store/sessions';
import { eraseStep } from './erase';
import { feedbackStep } from './feedback';
import { FloodGuard, floodStep } from './flood';
import { budgetStep } from './budget';
import { handoffStep, type HandoffRequests } from './handoff';
import { linksStep } from './links';
import { logStep } from './log';
import { noticeStep } from './notice';
import { compose, type Middleware, type TurnResult } from './types';

export type { HandoffRequests } from './handoff';
export type { Middleware, Turn, TurnResult } from './types';

export interface RuntimeParts {
  db: Db;
  /** The content and classifier in use (hot-reloaded by the knowledge service). */
  brain: () => Brain;
  logger?: Logger;
  /** Where "gặp cán bộ" requests go (the officers' inbox); none in the terminal chat. */
  handoffs?: HandoffRequests;
  /** The procedure assistant for a snapshot (src/procedures/service.ts); none: topics only. */
  procedures?: (brain: Brain) => ProcedureAssistant;
  now?: () => number;
}

export interface RespondOptions {
  status: DeliveryStatus;
  /** The channel's button limit (from its adapter's limits); none for the web chat. */
  buttonsMax?: number;
}

export interface Runtime {
  /** Runs one message through every step; never throws for a logging failure. */
  respond(message: IncomingMessage, options?: RespondOptions): TurnResult;
  /** Records the delivery outcome of a reply sent later by a platform channel. */
  markDelivery(
    interactionId: number | null,
    status: Exclude<DeliveryStatus, 'pending'>,
    detail?: string,
  ): void;
  /** The steps' names, outermost first. */
  readonly steps: readonly string[];
  readonly engine: DialogueEngine;
  readonly sessions: SessionStore;
  readonly log: InteractionLog;
  readonly links: LinkTracker;
}

export function buildRuntime(config: Config, parts: RuntimeParts): Runtime {
  const { db, brain } = parts;
  const now = parts.now ?? Date.now;
  const sessions = new SessionStore(db, config.SESSION_TTL_MINUTES * 60_000);
  const engine = new DialogueEngine(brain, sessions, parts.procedures);
  const log = new InteractionLog(db, parts.logger, now);
  const links = new LinkTracker(db, config.PUBLIC_BASE_URL, now);
  const flood = new FloodGuard(
    { limit: config.FLOOD_MAX_MESSAGES, windowMs: config.FLOOD_WINDOW_SECONDS * 1000 },
    now,
  );

  const steps: Middleware[] = [
    budgetStep(parts.logger),
    ...(parts.handoffs ? [handoffStep(parts.handoffs)] : []),
    linksStep(links),
    logStep(log, now),
    noticeStep(log, brain, config.RETENTION_DAYS),
    floodStep(flood, brain),
    feedbackStep(log, new FeedbackStore(db, now), brain, {
      every: config.FEEDBACK_EVERY,
      onSkipped: (turn, result) =>
        parts.logger?.info(
          {
            channel: turn.message.channel,
            answer: result.answerId,
            buttons: result.reply.quickReplies.length,
          },
          'feedback question left out: its buttons would not fit the channel',
        ),
    }),
    eraseStep(db, sessions, brain),
  ];
  const run = compose(steps, (turn) => ({
    ...engine.handle(turn.message, turn.userKey),
    userKey: turn.userKey,
    interactionId: null,
  }));

  return {
    respond(message, options = { status: 'delivered' }) {
      const userKey = pseudonymize(config.PSEUDONYM_SECRET, message.channel, message.userId);
      return run({
        message,
        userKey,
        status: options.status,
        startedAt: now(),
        buttonsMax: options.buttonsMax,
      });
    },
    markDelivery(interactionId, status, detail) {
      if (interactionId !== null) log.markDelivery(interactionId, status, detail);
    },
    steps: [...steps.map((s) => s.name), 'engine'],
    engine,
    sessions,
    log,
    links,
  };
}
