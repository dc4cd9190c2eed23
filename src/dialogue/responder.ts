/**
 * The one path every channel takes from a parsed message to an engine result:
 * pseudonymise the sender, run the engine, hand the exchange to the interaction log.
 * Channels differ only in how they deliver; they report the outcome with `markDelivery`.
 */
import { pseudonymize } from '../privacy/pseudonym';
import type { DialogueEngine, EngineResult } from './engine';
import type { IncomingMessage } from './types';

export interface Responded extends EngineResult {
  /** The pseudonymous user id used in sessions and logs. */
  userKey: string;
  /** The interaction log's id for this exchange (null when nothing is logged). */
  interactionId: number | null;
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

export class Responder {
  constructor(
    private readonly engine: DialogueEngine,
    private readonly pseudonymSecret: string,
    private readonly sink: InteractionSink = nullSink,
    private readonly now: () => number = Date.now,
  ) {}

  respond(message: IncomingMessage, options: RespondOptions = { status: 'delivered' }): Responded {
    const started = this.now();
    const userKey = pseudonymize(this.pseudonymSecret, message.channel, message.userId);
    const responded: Responded = { ...this.engine.handle(message, userKey), userKey, interactionId: null };
    responded.interactionId = this.sink.record(message, responded, this.now() - started, options.status);
    return responded;
  }

  markDelivery(
    interactionId: number | null,
    status: Exclude<DeliveryStatus, 'pending'>,
    detail?: string,
  ): void {
    if (interactionId !== null) this.sink.markDelivery(interactionId, status, detail);
  }
}
