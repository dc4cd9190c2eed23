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
import { eraseCitizen, eraseCitizenFile, fileContacts } from '../privacy/erase';
import { LinkTracker, type LinkFollower } from '../privacy/links';
import { pseudonymize } from '../privacy/pseudonym';
import type { Db } from '../store/db';
import { FeedbackStore } from '../store/feedback';
import { InteractionLog, type DeliveryStatus } from '../store/interactions';
import { SessionStore, type Sessions } from '../store/sessions';
import type { SharedInteractions } from '../store/shared-interactions';
import type { Store } from '../store/store';
import { eraseStep } from './erase';
import { feedbackStep, parseFeedbackPayload } from './feedback';
import { FloodGuard, floodStep } from './flood';
import { budgetStep } from './budget';
import { handoffStep, type HandoffRequests } from './handoff';
import { linksStep } from './links';
import { logStep } from './log';
import { noticeStep } from './notice';
import { SharedTurnState, type Alongside, type SavedTurn } from './shared-state';
import { compose, type Middleware, type TurnResult } from './types';

export type { HandoffRequests } from './handoff';
export type { Middleware, Turn, TurnResult } from './types';
export type { Alongside, SavedTurn } from './shared-state';

export interface RuntimeParts {
  db: Db;
  /**
   * The store DATABASE_URL chose: on PostgreSQL every row a turn reads or writes is there,
   * shared by every instance (call `prepare` before `respond`, `save` after). Absent or
   * SQLite: `db`.
   */
  store?: Store;
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
  /**
   * Loads what `respond` reads from a shared store (the citizen's session, flood count, and
   * what the log, feedback and notice steps read); resolves at once on SQLite, where
   * `respond` reads the file itself.
   */
  prepare(message: IncomingMessage): Promise<void>;
  /**
   * Runs one message through every step; never throws for a logging failure. On SQLite the
   * turn's rows are written now (in the caller's transaction, if one is open); on a shared
   * store they wait for `save`, and the result's `interactionId` is null.
   */
  respond(message: IncomingMessage, options?: RespondOptions): TurnResult;
  /**
   * Stores what `respond` wrote on a shared store (see `prepare`) in one transaction, with
   * what `alongside` writes in it (the platform channels' reply under their lease; false
   * stores nothing). On SQLite it only runs `alongside` (with no transaction).
   */
  save(message: IncomingMessage, alongside?: Alongside): Promise<SavedTurn>;
  /** Records the delivery outcome of a reply sent later by a platform channel. */
  markDelivery(
    interactionId: number | null,
    status: Exclude<DeliveryStatus, 'pending'>,
    detail?: string,
  ): Promise<void>;
  /** The steps' names, outermost first. */
  readonly steps: readonly string[];
  readonly engine: DialogueEngine;
  readonly sessions: Sessions;
  /** Deletes expired sessions (an expired one already reads as empty); returns how many. */
  purgeExpiredSessions(): Promise<number>;
  /** The SQLite file's interaction log (on PostgreSQL: what was logged there before). */
  readonly log: InteractionLog;
  /** Where the citizen's exchanges are read, in the store in use (the officers' inbox). */
  readonly history: InteractionLog | SharedInteractions;
  /** Where /r/<token> finds its address, in the store in use. */
  readonly links: LinkFollower;
}

export function buildRuntime(config: Config, parts: RuntimeParts): Runtime {
  const { db, brain } = parts;
  const now = parts.now ?? Date.now;
  const store = parts.store?.kind === 'postgres' ? parts.store : undefined;
  const shared = store
    ? new SharedTurnState({
        store,
        interactions: store.interactions,
        feedback: store.feedback,
        links: store.links,
        file: {
          contacts: (userKey) => fileContacts(db, userKey),
          erase: (userKey) => eraseCitizenFile(db, userKey),
        },
        publicBaseUrl: config.PUBLIC_BASE_URL,
      })
    : undefined;
  const local = shared ? undefined : new SessionStore(db, config.SESSION_TTL_MINUTES * 60_000);
  const sessions: Sessions = shared?.sessions ?? local!;
  const engine = new DialogueEngine(brain, sessions, parts.procedures);
  const log = new InteractionLog(db, parts.logger, now);
  const links = new LinkTracker(db, config.PUBLIC_BASE_URL, now);
  const flood =
    shared?.flood ??
    new FloodGuard({ limit: config.FLOOD_MAX_MESSAGES, windowMs: config.FLOOD_WINDOW_SECONDS * 1000 }, now);
  // On the shared store an officers' request is filed once the turn that asked is stored.
  const handoffs: HandoffRequests | undefined =
    parts.handoffs && shared
      ? {
          request: (userKey, channel) =>
            shared.afterCommit(userKey, (id) => parts.handoffs!.request(userKey, channel, id)),
        }
      : parts.handoffs;

  const steps: Middleware[] = [
    budgetStep(parts.logger),
    ...(handoffs ? [handoffStep(handoffs)] : []),
    linksStep(shared?.links ?? links),
    logStep(shared?.log ?? log, now),
    noticeStep(shared?.log ?? log, brain, config.RETENTION_DAYS),
    floodStep(flood, brain),
    feedbackStep(shared?.log ?? log, shared?.ratings ?? new FeedbackStore(db, now), brain, {
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
    eraseStep(
      shared ? (userKey) => shared.erase(userKey) : (userKey) => eraseCitizen(db, userKey),
      sessions,
      brain,
    ),
  ];
  const run = compose(steps, (turn) => ({
    ...engine.handle(turn.message, turn.userKey),
    userKey: turn.userKey,
    interactionId: null,
  }));

  const userKeyOf = (message: IncomingMessage) =>
    pseudonymize(config.PSEUDONYM_SECRET, message.channel, message.userId);

  return {
    prepare: async (message) => shared?.load(userKeyOf(message), parseFeedbackPayload(message.payload)?.ref),
    async save(message, alongside) {
      if (shared) return shared.save(userKeyOf(message), alongside);
      return { kept: alongside ? await alongside(undefined, null) : true, interactionId: null };
    },
    respond(message, options = { status: 'delivered' }) {
      const userKey = userKeyOf(message);
      return run({
        message,
        userKey,
        status: options.status,
        startedAt: now(),
        buttonsMax: options.buttonsMax,
      });
    },
    async markDelivery(interactionId, status, detail) {
      if (interactionId === null) return;
      if (store) await store.interactions.markDelivery(interactionId, status, detail);
      else log.markDelivery(interactionId, status, detail);
    },
    steps: [...steps.map((s) => s.name), 'engine'],
    engine,
    sessions,
    purgeExpiredSessions: async () =>
      local ? (db.open ? local.purgeExpired() : 0) : parts.store!.sessions.purgeExpired(),
    log,
    history: store?.interactions ?? log,
    links: store?.links ?? links,
  };
}
