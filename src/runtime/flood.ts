/**
 * Flood control per citizen: within a sliding window, the first `limit` messages are
 * answered; the next one gets a single polite slow-down reply; the rest of the burst is
 * recorded but not answered. Other citizens are never affected.
 */
import { countArrival, type FloodVerdict } from '../core/flood-window';
import type { Brain } from '../knowledge/service';
import { controlReply } from './control-reply';
import type { Middleware } from './types';

export type { FloodVerdict };

export interface FloodOptions {
  /** Messages answered per user within the window. */
  limit: number;
  windowMs: number;
  /** Users tracked at most; the oldest are forgotten first (bounded memory under attack). */
  maxUsers?: number;
}

export class FloodGuard {
  /** Per user: arrival times within the window, oldest first, and whether they were warned. */
  private readonly users = new Map<string, { times: number[]; warned: boolean }>();
  private readonly maxUsers: number;

  constructor(
    private readonly options: FloodOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxUsers = options.maxUsers ?? 100_000;
  }

  check(userKey: string): FloodVerdict {
    let entry = this.users.get(userKey);
    if (entry) {
      this.users.delete(userKey); // re-inserted below: Map order = least recently seen first
    } else {
      entry = { times: [], warned: false };
      if (this.users.size >= this.maxUsers) this.users.delete(this.users.keys().next().value as string);
    }
    this.users.set(userKey, entry);
    return countArrival(entry, this.now(), this.options);
  }
}

/**
 * The flood step: a burst past the limit gets one slow-down reply, then nothing (an empty
 * reply); both are still logged, so every accepted message is accounted for.
 */
export function floodStep(guard: Pick<FloodGuard, 'check'>, brain: () => Brain): Middleware {
  return {
    name: 'flood',
    run(turn, next) {
      const verdict = guard.check(turn.userKey);
      if (verdict === 'answer') return next();
      const result = controlReply(brain(), turn.userKey, 'flood', brain().knowledge.system.slowDown, {
        quickReplies: [],
      });
      result.confidence = 0;
      if (verdict === 'ignore') result.reply.blocks = [];
      return result;
    },
  };
}
