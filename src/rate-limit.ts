/**
 * Limits that hold however many ids a sender makes up: per-citizen flood control
 * (src/dialogue/flood.ts) never sees 30 messages from 30 fresh ids, so /api/chat is also
 * limited per source address and overall, and so are the officers' notifications
 * (issue #13, finding 7).
 */
import type { RequestHandler } from 'express';

export interface WindowOptions {
  /** Events allowed per key within the window. */
  limit: number;
  windowMs: number;
  /** Keys tracked at most; the least recently seen is forgotten first (bounded memory). */
  maxKeys?: number;
}

/** A sliding-window counter per key. */
export class WindowLimiter {
  private readonly keys = new Map<string, number[]>();
  private readonly maxKeys: number;

  constructor(
    private readonly options: WindowOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** Counts one event for `key` and returns 0, or returns how many ms until one is allowed (not counted). */
  take(key: string): number {
    const now = this.now();
    const since = now - this.options.windowMs;
    let times = this.keys.get(key);
    if (times) {
      this.keys.delete(key); // re-inserted below: Map order = least recently seen first
      let expired = 0;
      while (expired < times.length && times[expired] <= since) expired++;
      if (expired > 0) times = times.slice(expired);
    } else {
      times = [];
      if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    }
    this.keys.set(key, times);
    if (times.length >= this.options.limit) return times[0] + this.options.windowMs - now;
    times.push(now);
    return 0;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.keys.size;
  }
}

/**
 * Refuses a request with 429 and a message for the citizen (in `message`, `{seconds}`
 * replaced) when its source address (req.ip, see TRUST_PROXY) or everyone together is over
 * the limit. The address is checked first, so one busy address does not use up the total.
 */
export function rateLimit(
  perAddress: WindowLimiter,
  overall: WindowLimiter,
  message: string,
): RequestHandler {
  return (req, res, next) => {
    const wait = perAddress.take(req.ip ?? 'unknown') || overall.take('*');
    if (wait === 0) return next();
    const seconds = Math.max(1, Math.ceil(wait / 1000));
    res
      .status(429)
      .set('Retry-After', String(seconds))
      .json({ error: message.replaceAll('{seconds}', String(seconds)) });
  };
}
