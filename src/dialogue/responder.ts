/**
 * The one path every channel takes from a parsed message to an engine result:
 * pseudonymise the sender, run the engine, hand the exchange to the interaction log.
 * Channels differ only in how they deliver; they report the outcome with `markDelivery`.
 */
import { pseudonymize } from '../privacy/pseudonym';
import { PAYLOAD, type DialogueEngine, type EngineResult } from './engine';
import type { FloodGuard } from './flood';
import type { IncomingMessage } from './types';

export interface Responded extends EngineResult {
  /** The pseudonymous user id used in sessions and logs. */
  userKey: string;
  /** The interaction log's id for this exchange (null when nothing is logged). */
  interactionId: number | null;
  /**
   * Set when a citizen control (a feedback tap, a data-deletion step) answered instead of the
   * engine, so reports do not count it as a question or a fallback.
   */
  control?: 'feedback' | 'erase' | 'flood';
  /** True when the exchange must not be logged (the citizen's data was just erased). */
  unlogged?: boolean;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * Where exchanges are recorded. The interaction log implements it; tests and the terminal
 * chat use `nullSink`. Implementations must not throw into the reply path.
 */
export interface InteractionSink {
  /** Records one message in and the reply out; returns the interaction id. */
  record(
    message: IncomingMessage,
    result: Responded,
    latencyMs: number,
    status: DeliveryStatus,
  ): number | null;
  /** Updates the delivery outcome once the channel has sent (or given up). */
  markDelivery(interactionId: number, status: Exclude<DeliveryStatus, 'pending'>, detail?: string): void;
}

export const nullSink: InteractionSink = {
  record: () => null,
  markDelivery: () => undefined,
};

export interface RespondOptions {
  /**
   * 'delivered' when the reply goes back in the same HTTP response (web chat);
   * 'pending' when a channel sends it later and calls `markDelivery`.
   */
  status: DeliveryStatus;
}

/**
 * Steps around the engine that every channel gets alike: privacy controls, the first-contact
 * notice, the feedback question, tracked links, handoff requests (src/privacy/citizen.ts).
 */
export interface ResponderExtensions {
  /** Answers a control message (a feedback tap, a deletion step) instead of the engine; null passes. */
  intercept(message: IncomingMessage, userKey: string): Omit<Responded, 'interactionId'> | null;
  /** Adds to the reply before it is logged (so the log counts what is sent). */
  decorate(message: IncomingMessage, responded: Responded): void;
  /** Runs once the exchange has its log id: tracked links, feedback payloads, handoff requests. */
  finalize(message: IncomingMessage, responded: Responded): void;
}

export interface ResponderOptions {
  pseudonymSecret: string;
  sink?: InteractionSink;
  extensions?: ResponderExtensions;
  /** Per-citizen flood control; without it every message is answered. */
  flood?: FloodGuard;
  now?: () => number;
}

export class Responder {
  private readonly sink: InteractionSink;
  private readonly now: () => number;

  constructor(
    private readonly engine: DialogueEngine,
    private readonly options: ResponderOptions,
  ) {
    this.sink = options.sink ?? nullSink;
    this.now = options.now ?? Date.now;
  }

  respond(message: IncomingMessage, options: RespondOptions = { status: 'delivered' }): Responded {
    const started = this.now();
    const userKey = pseudonymize(this.options.pseudonymSecret, message.channel, message.userId);
    const { extensions } = this.options;
    const intercepted = this.throttled(message, userKey) ?? extensions?.intercept(message, userKey) ?? null;
    const responded: Responded = intercepted
      ? { ...intercepted, interactionId: null }
      : { ...this.engine.handle(message, userKey), userKey, interactionId: null };
    extensions?.decorate(message, responded);
    if (!responded.unlogged)
      responded.interactionId = this.sink.record(message, responded, this.now() - started, options.status);
    extensions?.finalize(message, responded);
    return responded;
  }

  markDelivery(
    interactionId: number | null,
    status: Exclude<DeliveryStatus, 'pending'>,
    detail?: string,
  ): void {
    if (interactionId !== null) this.sink.markDelivery(interactionId, status, detail);
  }

  /**
   * A burst past the flood limit gets one slow-down reply, then nothing (an empty reply);
   * both are still logged, so every accepted message is accounted for.
   */
  private throttled(message: IncomingMessage, userKey: string): Omit<Responded, 'interactionId'> | null {
    const verdict = this.options.flood?.check(userKey) ?? 'answer';
    if (verdict === 'answer') return null;
    const slowDown = this.engine.handle({ ...message, text: undefined, payload: PAYLOAD.slowDown }, userKey);
    const reply = verdict === 'slow-down' ? slowDown.reply : { blocks: [], quickReplies: [] };
    return { ...slowDown, reply, userKey, control: 'flood' };
  }
}
