/**
 * Waits for an event: polls `ready` until it holds. No deadline — a busy machine only makes
 * the event later, and jest's timeout is the clock that catches a regression.
 */
export async function until(ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((r) => setTimeout(r, 20));
}
