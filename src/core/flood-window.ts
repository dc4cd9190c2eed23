/** The sliding window of flood control (FLOOD_MAX_MESSAGES within FLOOD_WINDOW_SECONDS). */
export type FloodVerdict = 'answer' | 'slow-down' | 'ignore';

/**
 * One citizen's message arriving: drops the times that left the window, then answers,
 * warns once, or ignores. Changes `entry` in place; shared by the in-memory guard
 * (src/runtime/flood.ts) and the one several instances share (src/store/shared-flood.ts).
 */
export function countArrival(
  entry: { times: number[]; warned: boolean },
  now: number,
  options: { limit: number; windowMs: number },
): FloodVerdict {
  const since = now - options.windowMs;
  while (entry.times.length > 0 && entry.times[0]! <= since) entry.times.shift();
  if (entry.times.length === 0) entry.warned = false;
  if (entry.times.length < options.limit) {
    entry.times.push(now);
    return 'answer';
  }
  if (entry.warned) return 'ignore';
  entry.warned = true;
  return 'slow-down';
}
