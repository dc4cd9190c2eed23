/**
 * The turn pipeline's vocabulary. A turn is one citizen message on its way to a reply; each
 * step around the engine is a named middleware `(turn, next) => result`, composed once in
 * src/runtime/index.ts. A step may answer on its own (not calling `next`), or call `next`
 * and add to the result on the way out. Steps are synchronous: SQLite (better-sqlite3) and
 * the engine are, and a turn's effects commit together (src/channels/delivery.ts).
 */
import type { IncomingMessage } from '../core/message';
import type { EngineResult } from '../dialogue/engine';
import type { DeliveryStatus } from '../store/interactions';

export interface Turn {
  readonly message: IncomingMessage;
  /** The pseudonymous id sessions, logs and feedback are keyed by (never the platform id). */
  readonly userKey: string;
  /**
   * 'delivered' when the reply goes back in the same HTTP response (web chat, terminal);
   * 'pending' when a platform channel sends it later and calls `markDelivery`.
   */
  readonly status: DeliveryStatus;
  /** When the runtime took the message (its clock), for the logged latency. */
  readonly startedAt: number;
  /** The most buttons the channel shows under one message; undefined for no limit (web, terminal). */
  readonly buttonsMax?: number;
}

/** What a control step says instead of the engine; reports do not count it as a question. */
export type ControlKind = 'feedback' | 'erase' | 'flood';

/**
 * The engine's result and what the pipeline adds. Fields the engine adds later (e.g. the
 * procedure in focus) travel through untouched and reach the web chat's JSON.
 */
export interface TurnResult extends EngineResult {
  userKey: string;
  /** The interaction log's id for this exchange (null when nothing is logged). */
  interactionId: number | null;
  /** Set when a control step answered instead of the engine. */
  control?: ControlKind;
  /** True when the exchange must not be logged (the citizen's data was just erased). */
  unlogged?: boolean;
}

export type Next = () => TurnResult;

export interface Middleware {
  /** Shown in logs and the README's path of a message. */
  readonly name: string;
  run(turn: Turn, next: Next): TurnResult;
}

/** Composes steps, outermost first, around the last handler (the engine). */
export function compose(steps: readonly Middleware[], last: (turn: Turn) => TurnResult) {
  return (turn: Turn): TurnResult => {
    const dispatch = (i: number): TurnResult =>
      i === steps.length ? last(turn) : steps[i].run(turn, () => dispatch(i + 1));
    return dispatch(0);
  };
}
