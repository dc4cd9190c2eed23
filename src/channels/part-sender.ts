/**
 * One try at sending one part of a reply, and what a failure means: give up, or try again
 * after a jittered exponential backoff. Shared by the delivery queue on the SQLite file
 * (`delivery.ts`) and the one on the shared inbox (`shared-delivery.ts`); the tries made so
 * far are remembered per inbox id, in memory.
 */
import { ChannelError } from '../errors';
import type { Logger } from '../logger';
import type { InboxRow } from '../store/inbox';
import { MaybeDeliveredError, StoppedError } from './http';
import { RateLimitError, type ChannelAdapter, type OutboundPart } from './types';

export type SendOutcome = { ok: true } | { ok: false; detail: string } | { retryInMs: number } | 'stopped';

export interface SendOptions {
  /** Tries per part on transient errors (SEND_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First retry delay (SEND_RETRY_BASE_MS); doubles per retry. */
  retryBaseMs: number;
  /** Longest delay between two tries. Default 60 s. */
  retryMaxMs?: number;
}

export class PartSender {
  /** Tries made on the part being sent, per inbox id (reset when a part goes through). */
  private readonly attempts = new Map<number, number>();
  /** Events whose send timed out once: a second timeout is not retried (maybe delivered). */
  private readonly maybeDelivered = new Set<number>();

  constructor(
    private readonly logger: Logger,
    private readonly options: SendOptions,
    private readonly random: () => number,
    /** Aborted when the queue stops: a failure then is 'stopped', not retried. */
    private readonly stopSignal: AbortSignal,
    /** Aborts sends on the wire (only when they outlast the stop grace). */
    private readonly abandonSignal: AbortSignal,
  ) {}

  /** True once a part of this event was tried (the acknowledgement goes before the first try only). */
  tried(id: number): boolean {
    return this.attempts.has(id);
  }

  /** A part went through: the next part starts with a fresh series of tries. */
  sent(id: number): void {
    this.attempts.delete(id);
  }

  /** The event is finished (or left to another run): forget its tries. */
  forget(id: number): void {
    this.attempts.delete(id);
    this.maybeDelivered.delete(id);
  }

  /**
   * One try at one part. A transient failure with tries left comes back as the wait before
   * the next try (the caller takes the event off its worker meanwhile). A send that timed out
   * may have been delivered (the request was written, the answer never came): it gets at
   * most one more try, never the full series, so a hanging platform cannot make a citizen
   * read the same message five times.
   */
  async send(adapter: ChannelAdapter, row: InboxRow, part: OutboundPart): Promise<SendOutcome> {
    const attempt = (this.attempts.get(row.id) ?? 0) + 1;
    this.attempts.set(row.id, attempt);
    try {
      await adapter.send(row, part, this.abandonSignal);
      return { ok: true };
    } catch (err) {
      if (err instanceof StoppedError || this.stopSignal.aborted) return 'stopped';
      if (!(err instanceof ChannelError)) {
        this.logger.error({ err, channel: row.channel }, 'unexpected error while sending');
        return { ok: false, detail: `unexpected error: ${(err as Error).message}` };
      }
      const detail = err.platformCode !== undefined ? `${err.platformCode}: ${err.message}` : err.message;
      if (!err.transient) return { ok: false, detail };
      const maybeDelivered = err instanceof MaybeDeliveredError;
      if (maybeDelivered && this.maybeDelivered.has(row.id))
        return { ok: false, detail: `maybe delivered; not sent again: ${detail}` };
      if (maybeDelivered) this.maybeDelivered.add(row.id);
      if (attempt >= this.options.maxAttempts)
        return { ok: false, detail: `gave up after ${attempt} attempts: ${detail}` };
      const delayMs = this.backoff(attempt, err instanceof RateLimitError ? err.retryAfterMs : 0);
      this.logger.warn(
        { channel: row.channel, inboxId: row.id, attempt, delayMs, error: detail },
        'send failed; retrying',
      );
      return { retryInMs: delayMs };
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random; never below the platform's wait. */
  private backoff(attempt: number, floorMs: number): number {
    const cap = this.options.retryMaxMs ?? 60_000;
    const exp = Math.min(cap, this.options.retryBaseMs * 2 ** (attempt - 1));
    return Math.max(floorMs, Math.round(exp / 2 + (this.random() * exp) / 2));
  }
}

/**
 * Waits for the tasks running at a stop; sends on the wire may finish (the platform may have
 * delivered them: cut off, they would be sent again), for up to `graceMs`, then `abandon`
 * aborts them. Resolves when every task has returned.
 */
export async function letFinish(
  tasks: ReadonlySet<Promise<void>>,
  graceMs: number,
  abandon: AbortController,
): Promise<void> {
  const settled = Promise.allSettled([...tasks]);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  if ((await Promise.race([settled, late])) === 'late') abandon.abort();
  clearTimeout(timer);
  await settled;
}
