/**
 * During a burst of webhooks the acks keep the main thread: a platform's 200 must not wait
 * for a reply (procedure ranking makes a turn several milliseconds of CPU), and the event
 * loop needs slack to absorb GC pauses and uneven arrivals. Both delivery queues (the SQLite
 * `Delivery` and the PostgreSQL `SharedDelivery`) start their replies through one of these:
 * outside a burst at once, during one after a pause that keeps the replies within their share
 * of the thread. The backlog is durable in the inbox and drains after the burst.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/** Webhooks arriving less than this many ms apart are a burst. */
const BURST_GAP_MS = 20;
/** During a burst, the shortest pause before the next event is started. */
const BURST_PAUSE_MS = 1;
/**
 * During a burst, replies run in the main thread's idle time, less this share of it kept
 * free for the acks. The share replies get follows the acks' own load (`replyShare`): most
 * of the thread at a trickle, little of it at the accept ceiling.
 */
const ACK_HEADROOM = 0.3;
/** The smallest share of the main thread replies keep during a burst, so they progress. */
const MIN_REPLY_SHARE = 0.05;
/** How often (ms of wall time) the acks' load is measured for `replyShare`. */
const LOAD_WINDOW_MS = 100;

/**
 * The smallest reply share of one of several processes on a busy machine (`machineAware`):
 * `MIN_REPLY_SHARE` in proportion to this process's part of the machine's busy cores. The
 * instances on one machine drain one shared backlog, so together they keep about the floor one
 * instance alone keeps: with two, each about its half, not each a whole one (two instances
 * on a 2-core machine sent 144 reply parts in 6 s of a burst, one alone 70: cores the acks
 * needed).
 */
export function sharedReplyFloor(ownCores: number, busyCores: number): number {
  if (!(busyCores > 0) || !(ownCores > 0)) return MIN_REPLY_SHARE;
  return MIN_REPLY_SHARE * Math.min(1, ownCores / busyCores);
}

/** This process's CPU time so far, every thread (ms). */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The machine's CPU time so far, all cores: idle and in total (ms). */
function machineCpu(): { idle: number; total: number; cores: number } {
  const cpus = os.cpus();
  let idle = 0;
  let total = 0;
  for (const { times } of cpus) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total, cores: cpus.length };
}

export class BurstPacer {
  /** When the ack path last ran (performance.now(): independent of an injected clock). */
  private lastAcceptAt = -Infinity;
  /** Time of the last turn, for the pause during a burst. */
  private lastTurnMs = 0;
  /** Time spent in turns since the load window opened (`replyShare`). */
  private turnMsInWindow = 0;
  /** The event loop's utilisation when the load window opened. */
  private windowStart = performance.eventLoopUtilization();
  /** The share of the main thread replies may take during a burst (see `replyShare`). */
  private burstShare = MIN_REPLY_SHARE;
  /** The machine's CPU times when the load window opened (`machineAware` only). */
  private machineStart: ReturnType<typeof machineCpu> | undefined;
  /** This process's CPU time when the load window opened (`machineAware` only). */
  private ownStart = 0;

  /**
   * `machineAware`: replies during a burst also stay within the cores the machine leaves
   * idle. Several instances (and the database) on one machine each see idle time in their
   * own event loop while the cores are all taken: a reply run then takes CPU from another
   * process's acks. On a machine with cores to spare this changes nothing.
   */
  constructor(
    private readonly machineAware = false,
    /**
     * The turns run in another thread (the answer worker): they cost this event loop nothing,
     * but they take a core the acks and the platforms' connections need too. Their share is
     * then what the machine leaves idle (less ACK_HEADROOM), and `turned` gets the worker's
     * time per turn; this loop's own utilisation is not theirs to subtract.
     */
    private readonly offThread = false,
  ) {
    if (machineAware || offThread) this.machineStart = machineCpu();
    if (machineAware) this.ownStart = processCpuMs();
  }

  /** The ack path ran (a webhook arrived). */
  accepted(): void {
    this.lastAcceptAt = performance.now();
  }

  inBurst(): boolean {
    return performance.now() - this.lastAcceptAt < BURST_GAP_MS;
  }

  /** A turn's own time (engine, render, synchronous store writes), in this thread or the worker. */
  turned(ms: number): void {
    this.lastTurnMs = ms;
    this.turnMsInWindow += ms;
  }

  /**
   * Runs `next` on a later turn of the event loop, never inside the caller (`accept` runs
   * on the ack path, and no engine may run before the platform has its 200): in the check
   * phase, after pending I/O, so webhooks waiting to be acknowledged go first (also after a
   * burst's pause: a timer fires before the loop polls for I/O).
   */
  schedule(next: () => void): void {
    if (!this.inBurst()) {
      setImmediate(next);
      return;
    }
    const share = this.replyShare();
    const pause = Math.max(BURST_PAUSE_MS, (this.lastTurnMs * (1 - share)) / share);
    setTimeout(() => setImmediate(next), pause);
  }

  /**
   * The share of the main thread replies may take during a burst: what the acks leave idle
   * minus `ACK_HEADROOM`, at least `MIN_REPLY_SHARE`. The acks' load is the event loop's
   * utilisation without the turns' own time, measured over windows of `LOAD_WINDOW_MS`.
   */
  private replyShare(): number {
    const used = performance.eventLoopUtilization(this.windowStart);
    const windowMs = used.active + used.idle;
    if (windowMs < LOAD_WINDOW_MS) return this.burstShare;
    const ackLoad = Math.max(0, used.active - (this.offThread ? 0 : this.turnMsInWindow)) / windowMs;
    let share = this.offThread ? 1 - ACK_HEADROOM : 1 - ACK_HEADROOM - ackLoad;
    let floor = MIN_REPLY_SHARE;
    if (this.machineStart) {
      const now = machineCpu();
      const total = now.total - this.machineStart.total;
      // os.cpus() counts in ticks: a window without one says nothing, keep the last share.
      if (total <= 0) return this.burstShare;
      const idleCores = ((now.idle - this.machineStart.idle) / total) * now.cores;
      share = Math.min(share, idleCores - ACK_HEADROOM);
      this.machineStart = now;
      if (this.machineAware) {
        const own = processCpuMs();
        floor = sharedReplyFloor((own - this.ownStart) / windowMs, now.cores - idleCores);
        this.ownStart = own;
      }
    }
    this.burstShare = Math.max(floor, share);
    this.windowStart = performance.eventLoopUtilization();
    this.turnMsInWindow = 0;
    return this.burstShare;
  }
}
