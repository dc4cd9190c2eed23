/**
 * The delivery queue behind every platform adapter:
 *
 *   ack path:   accept → one SQLite transaction (deduped on channel + event id) → 200
 *   afterwards: the turn pipeline (src/runtime) + rendered reply committed together → send
 *               each part with bounded, jittered exponential backoff → delivered | failed
 *
 * Because the engine's effects (session, interaction row) and the stored reply commit in
 * one transaction, a crash at any point either re-runs nothing (reply stored: only the
 * unsent parts go out) or re-runs everything (nothing committed). Processing is in-process
 * with bounded concurrency; one citizen's events are handled strictly in order. The writes
 * after the ack (turns, progress, outcomes) asked for in one turn of the event loop share one
 * commit (`GroupCommit`, src/channels/group-commit.ts).
 *
 * No head-of-line blocking (issue #13, finding 2): each channel has its own workers, so a
 * platform that fails or hangs only ever holds its own; and a send waiting to be retried
 * holds no worker at all — its event leaves the worker and comes back when its wait is over
 * (its citizen's later events still wait behind it, to stay in order).
 *
 * A store that cannot write (issue #13, finding 3: disk full, I/O error, a lock held too
 * long) loses nothing and gives nothing up for good. A webhook whose events cannot be stored
 * is refused (the platform sends it again). An event whose reply, or whose progress after a
 * send, cannot be stored is parked — off any worker, still open in SQLite, its progress kept
 * in memory so a part already sent is not sent again — and one probe write, with backoff,
 * finds out when storing works again; then every parked event resumes, without a restart.
 * The store's state is `storeHealth`, which /healthz reports.
 */
import { performance } from 'node:perf_hooks';
import { withoutNul, type IncomingMessage } from '../core/message';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import { isStorageFailure, StoreHealth } from '../store/health';
import { FORGET_USER, Inbox, type InboxRow } from '../store/inbox';
import type { Runtime } from '../runtime';
import { pseudonymize } from '../privacy/pseudonym';
import { BurstPacer } from './burst-pacer';
import { BUSY, BusyRetry, GroupCommit, LockTries } from './group-commit';
import { JobQueue, type Job } from './job-queue';
import { letFinish, PartSender, type SendOptions } from './part-sender';
import {
  type AcceptEvents,
  type ChannelAdapter,
  type InboundEvent,
  type OutboundPart,
  type PlatformChannel,
} from './types';

export interface DeliveryOptions extends SendOptions {
  /** Events processed at once (CHANNEL_CONCURRENCY). */
  concurrency: number;
  /** Events dated outside [now − maxAge, now + maxFuture] are acknowledged and dropped (EVENT_MAX_*_SECONDS). */
  eventMaxAgeSeconds?: number;
  eventMaxFutureSeconds?: number;
  /** Keys the hash that replaces event ids built from a user id (PSEUDONYM_SECRET). */
  eventKeySecret: string;
  /** Where storage failures and recoveries are reported; default: a fresh one on `db`. */
  storeHealth?: StoreHealth;
  /**
   * Who runs the answer step (turn pipeline + render, committed with the reply); default:
   * this thread, in `db`'s transaction. `npm start` on SQLite uses the answer worker
   * (src/channels/answer-worker.ts), which keeps the turns off the acks' event loop.
   */
  answers?: AnswerStep;
  now?: () => number;
  random?: () => number;
}

/** How long `stop` lets sends already on the wire finish (main.ts exits after 10 s). */
const STOP_GRACE_MS = 5_000;

/** The first wait before probing a store that failed to write; doubles up to the next. */
const STORE_RETRY_FIRST_MS = 50;
/**
 * The longest wait between two store probes: once space returns, answering resumes within
 * it. A probe is one tiny write, so probing every second through a long outage costs nothing.
 */
const STORE_RETRY_MAX_MS = 1_000;

/** Button payloads remembered per user, newest first: enough for a few screens of taps. */
const OFFERS_KEPT = 30;

/**
 * The answer step: runs the turn pipeline for an accepted event and stores the rendered
 * reply with it, in one transaction; resolves to the row as stored ('answered'). A storage
 * failure rejects with an error `isStorageFailure` recognises (nothing was committed, the
 * event is parked); `AnswerStepUnavailable` means the step could not run at all (a worker
 * that died: retried shortly); any other error is the turn's own (the event fails).
 */
export interface AnswerStep {
  answer(event: EventRef, adapter: ChannelAdapter): Promise<Answered>;
  /** True when the turn runs off this thread (the burst pacer paces it by the machine's idle cores). */
  readonly offThread: boolean;
  /** Ends the step's resources (the worker); called by `Delivery.stop` once nothing runs. */
  stop?(): Promise<void>;
}

/** Which event to answer: the answer step reads it, in the transaction that answers it. */
export type EventRef = Pick<InboxRow, 'id' | 'channel'>;

/** The stored row, and how long the turn's transaction took (ms), for the burst pacer. */
export interface Answered {
  row: InboxRow;
  turnMs: number;
}

/** The answer step could not run (its worker thread died or stopped): nothing was committed by it. */
export class AnswerStepUnavailable extends Error {
  override readonly name = 'AnswerStepUnavailable';
}

/** How long an event whose answer step was unavailable waits before it is tried again. */
const UNAVAILABLE_RETRY_MS = 200;

/**
 * The answer step's work, inside the caller's transaction: runs the turn pipeline, stores the
 * rendered reply (and the buttons offered) with it; returns the row as stored.
 */
function answerTurn(
  inbox: Inbox,
  runtime: Pick<Runtime, 'respond'>,
  row: InboxRow,
  adapter: ChannelAdapter,
): InboxRow {
  const message = incomingMessage(row, adapter, () => inbox.offered(row.channel, row.userId));
  const responded = runtime.respond(message, {
    status: 'pending',
    buttonsMax: adapter.limits.buttonsMax,
  });
  const parts = adapter.render(responded.reply);
  // `unlogged`: the citizen's data was just erased; keep nothing about them here either.
  const erased = responded.unlogged === true;
  if (adapter.remembersOffers && responded.reply.quickReplies.length > 0 && !erased) {
    const kept = keptOffers(responded.reply, inbox.offered(row.channel, row.userId));
    inbox.recordOffers(row.channel, row.userId, kept);
  }
  return inbox.markAnswered(row, responded.interactionId, parts, erased);
}

/**
 * The answer step in its own transaction (the answer worker's thread: one turn at a time).
 * Every transaction here writes, so it takes the write lock first (BEGIN IMMEDIATE): one that
 * read first and then found another connection had committed (a report, an erase, a backup,
 * the ack path's group commit from the main thread) would get SQLITE_BUSY at once, without
 * waiting (busy_timeout does not apply to a stale read snapshot), and the event would be
 * parked for nothing.
 */
export function answerInTransaction(
  db: Db,
  inbox: Inbox,
  runtime: Pick<Runtime, 'respond'>,
  row: InboxRow,
  adapter: ChannelAdapter,
): InboxRow {
  return db.transaction(() => answerTurn(inbox, runtime, row, adapter)).immediate();
}

/**
 * The answer step on this thread (tests, `npm run chat`, ANSWER_WORKER=off): the turns started
 * in one turn of the event loop share the delivery queue's next group commit (`GroupCommit`),
 * each in a savepoint of its own, with the other writes of that moment.
 */
export function localAnswers(
  inbox: Inbox,
  runtime: Pick<Runtime, 'respond'>,
  group: GroupCommit,
): AnswerStep {
  return {
    offThread: false,
    answer: (event, adapter) =>
      group.run(() => {
        const startedAt = performance.now();
        // Read here, not before: the turn runs on a later turn of the loop than the queue took
        // the event, and an edit (Telegram) of a message not yet answered may have replaced
        // its text meanwhile.
        const current = inbox.get(event.id);
        if (!current) throw new Error(`inbox event ${event.id} is gone`);
        const answered =
          current.state === 'accepted' ? answerTurn(inbox, runtime, current, adapter) : current;
        return { row: answered, turnMs: performance.now() - startedAt };
      }),
  };
}

/** One webhook's events waiting for the next group commit. */
interface PendingAccept {
  channel: PlatformChannel;
  events: InboundEvent[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Drops stale and future-dated events, for every platform in this one place: the caller
 * still acknowledges them (a retry would be just as stale), but they are neither stored,
 * answered nor logged. A replay after the inbox's dedupe window is stale too.
 */
export function currentEvents(
  channel: PlatformChannel,
  events: InboundEvent[],
  now: number,
  options: Pick<DeliveryOptions, 'eventMaxAgeSeconds' | 'eventMaxFutureSeconds'>,
  logger: Logger,
): InboundEvent[] {
  const oldest = now - (options.eventMaxAgeSeconds ?? 86_400) * 1000;
  const latest = now + (options.eventMaxFutureSeconds ?? 300) * 1000;
  const kept = events.filter((e) => e.timestamp >= oldest && e.timestamp <= latest);
  if (kept.length < events.length)
    logger.warn({ channel, dropped: events.length - kept.length }, 'stale or future-dated events ignored');
  return kept;
}

/**
 * The message a stored event stands for. A tap is recognised only if it equals (or maps to)
 * a payload this user was offered (`offered`, read only for a text that may be a tap).
 */
export function incomingMessage(
  row: InboxRow,
  adapter: ChannelAdapter,
  offered: () => readonly string[],
): IncomingMessage {
  let text = row.text ?? undefined;
  let payload = row.payload ?? undefined;
  if (row.tapCandidate && text !== undefined) {
    const choices = offered();
    const tap = choices.includes(text) ? text : adapter.resolveTap?.(text, choices);
    if (tap !== undefined) {
      payload = tap;
      text = undefined;
    }
  }
  return {
    channel: adapter.name,
    userId: row.userId,
    messageId: row.eventId,
    text,
    payload,
    timestamp: row.eventTime,
  };
}

/** The payloads to remember after a reply: its buttons first, then the older ones, up to a bound. */
export function keptOffers(
  reply: { quickReplies: { payload: string }[] },
  older: readonly string[],
): string[] {
  const fresh = reply.quickReplies.map((q) => q.payload);
  return [...new Set([...fresh, ...older])].slice(0, OFFERS_KEPT);
}

export function inboxRows({ channel, events }: Pick<PendingAccept, 'channel' | 'events'>, secret: string) {
  return events.map((e) => ({
    channel,
    // Deterministic, so a retry of the same event still dedupes; keyed, so it cannot be
    // reversed to the user id by hashing candidate ids.
    eventId: e.personalEventId ? `h:${pseudonymize(secret, channel, e.eventId)}` : withoutNul(e.eventId),
    userId: withoutNul(e.userId),
    text: withoutNul(e.text),
    payload: withoutNul(e.payload),
    tapCandidate: e.tapCandidate,
    meta: e.meta,
    eventTime: e.timestamp,
    edit: e.edit,
  }));
}

/**
 * What one go at an event came to: finished (or stopped), to be retried after a wait, or
 * parked until the store can write again.
 */
type Outcome = 'done' | 'parked' | { retryInMs: number };
type FinalState = 'delivered' | 'failed';

export class Delivery {
  readonly inbox: Inbox;
  readonly storeHealth: StoreHealth;
  private pendingAccepts: PendingAccept[] = [];
  private flushScheduled = false;
  /** The accepts' group commit while another connection may hold the write lock (`LockTries`). */
  private readonly acceptRetry: BusyRetry;
  /** The writes after the ack (turns, progress, outcomes), one commit per turn of the loop. */
  private readonly group: GroupCommit;
  private readonly queue = new JobQueue();
  private readonly queued = new Set<number>();
  private readonly busyUsers = new Set<string>();
  /** Workers in use per channel: a failing platform only ever holds its own. */
  private readonly runningBy = new Map<string, number>();
  /** Events waiting to retry a send, off any worker: inbox id → timer. */
  private readonly waiting = new Map<number, NodeJS.Timeout>();
  private readonly sender: PartSender;
  /** Events waiting for the store to write again, off any worker: inbox id → job. */
  private readonly parked = new Map<number, Job>();
  private storeTimer: NodeJS.Timeout | undefined;
  /** Store probes failed in a row: the backoff between probes grows with it. */
  private storeProbes = 0;
  /**
   * Progress made but not yet committed (the store failed right after a send): parts sent,
   * and the final state once known. A retry starts from here, not from the stored row, so a
   * citizen does not get a part twice. Lost on a restart (then one part may go out again).
   */
  private readonly unsaved = new Map<number, { partsSent: number; final?: [FinalState, string?] }>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly stopController = new AbortController();
  /** Aborts sends on the wire: only when they outlast the stop grace (see `stop`). */
  private readonly abandonController = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private running = 0;
  private pumpScheduled = false;
  /** During a burst of webhooks, replies wait for the acks (see `pump`). */
  private readonly pacer: BurstPacer;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly answers: AnswerStep;

  constructor(
    private readonly db: Db,
    private readonly runtime: Pick<Runtime, 'respond' | 'markDelivery'>,
    private readonly adapters: ReadonlyMap<PlatformChannel, ChannelAdapter>,
    private readonly logger: Logger,
    private readonly options: DeliveryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.inbox = new Inbox(db, this.now);
    this.storeHealth = options.storeHealth ?? new StoreHealth(db, this.now);
    const lockTries = new LockTries(db);
    this.acceptRetry = new BusyRetry(lockTries);
    this.group = new GroupCommit(db, lockTries);
    this.answers = options.answers ?? localAnswers(this.inbox, runtime, this.group);
    this.pacer = new BurstPacer(false, this.answers.offThread);
    this.sender = new PartSender(
      logger,
      options,
      this.random,
      this.stopController.signal,
      this.abandonController.signal,
    );
  }

  /** The ack path: stores new events (one transaction) and queues them; duplicates are ignored. */
  readonly accept: AcceptEvents = (channel, all) => {
    this.pacer.accepted();
    const events = currentEvents(channel, all, this.now(), this.options, this.logger);
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pendingAccepts.push({ channel, events, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushAccepts());
      }
    });
  };

  /**
   * Group commit: the webhooks that arrived in one turn of the event loop are stored in one
   * transaction, and each is acknowledged only after it. Under a burst, the commit (not the
   * insert) is what every ack waits for, so sharing it keeps the acks fast.
   */
  private flushAccepts(): void {
    this.flushScheduled = false;
    const batch = this.pendingAccepts;
    this.pendingAccepts = [];
    let stored: (ReturnType<Inbox['insert']> | Error)[];
    const insertAll = this.db.transaction(() =>
      batch.map((call) => this.inbox.insert(inboxRows(call, this.options.eventKeySecret))),
    );
    try {
      // The answer worker (a turn) or the checkpointer (a WAL restart) may hold the write
      // lock: waiting for it in SQLite's busy handler would sleep on the acks' thread. The
      // batch waits a millisecond instead, off the thread, and takes in the webhooks that
      // arrive meanwhile.
      const attempt = this.acceptRetry.write(
        () => insertAll.immediate(),
        () => this.flushAccepts(),
      );
      if (attempt === BUSY) {
        this.pendingAccepts = [...batch, ...this.pendingAccepts];
        this.flushScheduled = true;
        return;
      }
      stored = attempt;
    } catch {
      // One bad call must not fail the others: store each on its own.
      stored = batch.map((call) => {
        try {
          return this.inbox.insert(inboxRows(call, this.options.eventKeySecret));
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        }
      });
    }
    batch.forEach((call, i) => {
      const inserted = stored[i];
      if (inserted instanceof Error) {
        this.storeHealth.failed(inserted);
        call.reject(inserted);
        return;
      }
      this.storeHealth.succeeded();
      const duplicates = call.events.length - inserted.length;
      if (duplicates > 0)
        this.logger.info({ channel: call.channel, duplicates }, 'repeated webhook delivery ignored');
      for (const { id, event } of inserted) this.enqueue(id, call.channel, event.userId, true);
      call.resolve();
    });
  }

  /** Queues every event accepted but not finished before the last stop; returns how many. */
  resume(): number {
    const pruned = this.inbox.prune();
    const open = this.inbox.open();
    for (const row of open) this.enqueue(row.id, row.channel, row.userId);
    if (open.length > 0 || pruned > 0)
      this.logger.info({ resumed: open.length, pruned }, 'resuming platform events left unanswered');
    return open.length;
  }

  /** Resolves once nothing is queued, running or waiting to retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.running === 0 && this.queue.length === 0 && this.waiting.size === 0 && this.parked.size === 0;
  }

  /**
   * Stops taking work and abandons retry waits; a send already on the wire is let finish
   * (for up to `graceMs`, then abandoned), because the platform may have delivered it: cut
   * off, it would be sent again at the next start and the citizen would read it twice.
   * Events not finished stay open and are resumed at the next start. Resolves when the
   * running tasks have returned.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopController.abort();
    this.queue.clear();
    // Events waiting to retry stay open in SQLite: the next start resumes them.
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    clearTimeout(this.storeTimer);
    this.parked.clear();
    await letFinish(this.inflight, graceMs, this.abandonController);
    await this.answers.stop?.();
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private enqueue(id: number, channel: string, userId: string, fresh = false): void {
    if (this.stopping || this.queued.has(id)) return;
    this.queued.add(id);
    this.queue.push({ id, key: `${channel}:${userId}`, channel, fresh });
    this.schedulePump();
  }

  /** Starts queued work on a later turn of the event loop, paced during a burst (`BurstPacer`). */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    this.pacer.schedule(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    // During a burst of webhooks the acks keep the CPU and platforms get their 200 in time:
    // one slot per channel, and one turn started per pump (a pump follows a short pause), so
    // three channels do not run three turns back to back between two acks. The backlog is
    // durable in SQLite and drains after.
    const burst = this.pacer.inBurst();
    const slots = burst ? 1 : this.options.concurrency;
    let started = 0;
    // The jobs of each channel not looked at yet in this scan, and how many channels still
    // have a free worker and such a job: at 0, the rest of the queue (a burst's backlog: tens
    // of thousands) has nothing to start and is not scanned. (Before, a channel whose backlog
    // had run out kept every scan going to the end, one scan per start: 200,000 slots a
    // second late in bench:load's drain.)
    const unseen = new Map(this.queue.channels());
    const free = (channel: string) => (this.runningBy.get(channel) ?? 0) < slots;
    let open = 0;
    for (const channel of unseen.keys()) if (free(channel)) open++;
    for (let index = 0; open > 0 && index < this.queue.span && !this.stopping && !(burst && started > 0);) {
      const job = this.queue.at(index);
      if (job === undefined) {
        index++;
        continue;
      }
      const left = unseen.get(job.channel)! - 1;
      unseen.set(job.channel, left);
      if (this.busyUsers.has(job.key) || !free(job.channel)) {
        if (left === 0 && free(job.channel)) open--;
        index++;
        continue;
      }
      const running = this.runningBy.get(job.channel) ?? 0;
      this.queue.remove(index);
      started++;
      this.busyUsers.add(job.key);
      this.runningBy.set(job.channel, running + 1);
      if (left === 0 || !free(job.channel)) open--;
      this.running++;
      const task: Promise<void> = this.process(job)
        .catch((err): Outcome => {
          if (isStorageFailure(err)) {
            // Nothing is given up: the event stays open and resumes once storing works.
            this.storeHealth.failed(err);
            this.logger.error(
              { err, inboxId: job.id },
              'cannot store; event parked until the store writes again',
            );
            return 'parked';
          }
          this.logger.error({ err, inboxId: job.id }, 'platform event processing failed');
          return 'done';
        })
        .then((outcome) => {
          this.runningBy.set(job.channel, (this.runningBy.get(job.channel) ?? 1) - 1);
          this.inflight.delete(task);
          this.running--;
          if (outcome === 'parked' && !this.stopping) this.park(job);
          else if (outcome !== 'done' && outcome !== 'parked' && !this.stopping)
            this.retryLater(job, outcome.retryInMs);
          else {
            this.busyUsers.delete(job.key);
            this.queued.delete(job.id);
            this.sender.forget(job.id);
            this.unsaved.delete(job.id);
          }
          this.schedulePump();
          if (this.isIdle()) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
      this.inflight.add(task);
    }
  }

  /**
   * Puts an event back in the queue after `ms`, holding no worker meanwhile. Its citizen
   * stays busy, so their later events keep waiting behind it (in order).
   */
  private retryLater(job: Job, ms: number): void {
    const timer = setTimeout(() => {
      this.waiting.delete(job.id);
      this.busyUsers.delete(job.key);
      if (this.stopping) return;
      this.queue.unshift(job);
      this.schedulePump();
    }, ms);
    this.waiting.set(job.id, timer);
  }

  /**
   * Holds an event that could not be stored until a probe write succeeds (one probe for all
   * of them, not one engine run per event and retry). Its citizen stays busy meanwhile.
   */
  private park(job: Job): void {
    this.parked.set(job.id, job);
    if (this.storeTimer !== undefined) return;
    const exp = Math.min(STORE_RETRY_MAX_MS, STORE_RETRY_FIRST_MS * 2 ** this.storeProbes);
    this.storeTimer = setTimeout(
      () => {
        this.storeTimer = undefined;
        if (this.stopping) return;
        if (!this.storeHealth.probe()) {
          this.storeProbes++;
          const [first] = this.parked.values();
          if (first) this.park(first);
          return;
        }
        this.logger.info({ events: this.parked.size }, 'the store writes again; resuming parked events');
        for (const parked of [...this.parked.values()].reverse()) {
          this.busyUsers.delete(parked.key);
          this.queue.unshift(parked);
        }
        this.parked.clear();
        this.schedulePump();
      },
      Math.round(exp / 2 + (this.random() * exp) / 2),
    );
  }

  /** A write committed: the store works, and the next failure starts its backoff afresh. */
  private stored(): void {
    this.storeHealth.succeeded();
    this.storeProbes = 0;
  }

  private async process(job: Job): Promise<Outcome> {
    const { id, channel } = job;
    // An event the ack path just stored is 'accepted' with nothing done: the answer step reads
    // it, in its transaction. Any later go at it (a retry, a parked or resumed event) reads it here.
    let row: InboxRow | undefined;
    if (job.fresh) job.fresh = false;
    else {
      row = this.inbox.get(id);
      if (!row || row.state === 'delivered' || row.state === 'failed') return 'done';
      const unsaved = this.unsaved.get(id);
      if (unsaved?.final) {
        // Every part went out; only recording the outcome failed last time.
        await this.finish(row, ...unsaved.final);
        return 'done';
      }
      if (unsaved) row.partsSent = Math.max(row.partsSent, unsaved.partsSent);
    }
    const adapter = this.adapters.get(channel as PlatformChannel);
    if (!adapter) {
      this.logger.warn({ channel, inboxId: id }, 'event kept for later: its channel is not configured');
      return 'done';
    }
    if (row === undefined || row.state === 'accepted') {
      const startedAt = performance.now();
      let workerMs = 0;
      try {
        const answered = await this.answers.answer({ id, channel }, adapter);
        row = answered.row;
        workerMs = answered.turnMs;
        this.stored();
      } catch (err) {
        // Nothing was committed: the event is still 'accepted' and is answered once the
        // store writes again (parked by `pump`), never marked failed for a full disk.
        if (isStorageFailure(err)) throw err;
        // The worker died before it answered (or committed and died before it said so: the
        // retry then reads 'answered' and only sends): tried again, never failed for it.
        if (err instanceof AnswerStepUnavailable) {
          this.logger.warn({ inboxId: id, error: err.message }, 'answer step unavailable; retrying');
          return { retryInMs: UNAVAILABLE_RETRY_MS };
        }
        this.logger.error({ err, channel, inboxId: id }, 'could not compute a reply');
        const failed = row ?? this.inbox.get(id);
        if (failed)
          await this.finish(failed, 'failed', `could not compute a reply: ${(err as Error).message}`);
        return 'done';
      } finally {
        // Off this thread, the worker's time: it paces the worker's share of the machine.
        this.pacer.turned(this.answers.offThread ? workerMs : performance.now() - startedAt);
      }
    }
    if (adapter.replyWindowMs !== undefined && this.now() - row.eventTime > adapter.replyWindowMs) {
      await this.finish(row, 'failed', 'outside the platform messaging window: not sent');
      return 'done';
    }
    const signal = this.abandonController.signal;
    if (row.partsSent === 0 && !this.sender.tried(id) && adapter.acknowledge) {
      await adapter.acknowledge(row, signal).catch((err: Error) => {
        this.logger.warn({ channel: row!.channel, error: err.message }, 'platform acknowledgement failed');
      });
    }
    for (let i = row.partsSent; i < row.parts.length; i++) {
      if (this.stopping) return 'done'; // the next start sends the rest
      const outcome = await this.sender.send(adapter, row, row.parts[i] as OutboundPart);
      if (outcome === 'stopped') return 'done';
      if ('retryInMs' in outcome) return outcome;
      if (!outcome.ok) {
        await this.finish(row, 'failed', outcome.detail);
        return 'done';
      }
      this.sender.sent(id);
      // The last part's progress is committed with the final state: one commit fewer per reply.
      if (i + 1 < row.parts.length) {
        this.unsaved.set(row.id, { partsSent: i + 1 });
        row.partsSent = i + 1;
        await this.group.run(() => this.inbox.markPartSent(row.id, i + 1));
      }
    }
    await this.finish(row, 'delivered');
    return 'done';
  }

  private async finish(row: InboxRow, state: FinalState, detail?: string): Promise<void> {
    // Known before it is stored: if storing fails, the retry records it without sending again.
    this.unsaved.set(row.id, { partsSent: row.partsSent, final: [state, detail] });
    await this.group.run(() => {
      this.inbox.finish(row.id, state, detail, state === 'delivered' ? row.parts.length : undefined);
      if (row.meta[FORGET_USER]) this.inbox.forget(row.channel, row.userId);
      this.runtime.markDelivery(row.interactionId, state, detail);
    });
    this.unsaved.delete(row.id);
    this.stored();
    if (state === 'failed')
      this.logger.warn({ channel: row.channel, inboxId: row.id, detail }, 'reply not delivered');
    else this.logger.debug({ channel: row.channel, inboxId: row.id }, 'reply delivered');
  }
}
