/**
 * The delivery queue's jobs waiting for a worker (src/channels/delivery.ts), oldest first,
 * with how many wait per channel.
 */

/** One platform event waiting to be answered or sent. */
export type Job = {
  id: number;
  /** `channel:userId`: one citizen's events run one at a time, in order. */
  key: string;
  channel: string;
  /** Just stored by the ack path: 'accepted', nothing done yet; read only inside its turn. */
  fresh?: boolean;
};

/**
 * Taking the first job is O(1) (a moving head): a burst's backlog is tens of thousands of
 * jobs, and `Array.splice(0, 1)` moved all of them on every start, a few seconds of one
 * bench:load run. A job taken from further on (its channel's turn while the head's channel
 * is full: most starts during a burst) leaves a hole that the head skips once it gets there;
 * splicing it out moved the whole backlog behind it (1.4 s of an 82 s bench:load profile).
 *
 * The count per channel (`waitingIn`) lets a scan for a job to start stop once no channel
 * with a free worker has a job left to look at: when one channel's backlog ran out before
 * the others', each start scanned the whole backlog for it.
 */
export class JobQueue {
  private items: (Job | undefined)[] = [];
  private head = 0;
  /** Holes between the head and the end. */
  private holes = 0;
  private readonly perChannel = new Map<string, number>();

  /** The jobs waiting. */
  get length(): number {
    return this.items.length - this.head - this.holes;
  }

  /** The slots from the head to the end, holes included: `at` takes 0 … span - 1. */
  get span(): number {
    return this.items.length - this.head;
  }

  /** The jobs of `channel` waiting. */
  waitingIn(channel: string): number {
    return this.perChannel.get(channel) ?? 0;
  }

  /** The channels with jobs waiting, and how many each. */
  channels(): IterableIterator<[string, number]> {
    return this.perChannel.entries();
  }

  /** The job at `index` slots from the head; undefined for a hole. */
  at(index: number): Job | undefined {
    return this.items[this.head + index];
  }

  push(job: Job): void {
    this.items.push(job);
    this.counted(job.channel, 1);
  }

  /** Puts a job back in front (a retry, a parked event), before the others. */
  unshift(job: Job): void {
    if (this.head > 0) this.items[--this.head] = job;
    else this.items.unshift(job);
    this.counted(job.channel, 1);
  }

  /** Takes out the job at `index` (usually 0: only a busy citizen's or a full channel's job is skipped). */
  remove(index: number): void {
    const job = this.items[this.head + index];
    if (job === undefined) return;
    this.counted(job.channel, -1);
    if (index > 0) {
      this.items[this.head + index] = undefined;
      this.holes++;
      // A head that stays put (its channel full for long) must not leave ever more holes to scan.
      if (this.holes > 1024 && this.holes * 2 > this.span) this.compact();
      return;
    }
    this.items[this.head++] = undefined;
    while (this.head < this.items.length && this.items[this.head] === undefined) {
      this.head++;
      this.holes--;
    }
    // Drop the taken slots once they are most of the array.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.holes = 0;
    this.perChannel.clear();
  }

  private counted(channel: string, change: number): void {
    const count = (this.perChannel.get(channel) ?? 0) + change;
    if (count === 0) this.perChannel.delete(channel);
    else this.perChannel.set(channel, count);
  }

  private compact(): void {
    this.items = this.items.slice(this.head).filter((job) => job !== undefined);
    this.head = 0;
    this.holes = 0;
  }
}
