/**
 * The delivery queue when several instances share one PostgreSQL (DATABASE_URL), on the
 * shared inbox (src/store/shared-inbox.ts):
 *
 *   ack path:   accept → one insert for the webhooks that arrived while the last one was on
 *               its way (deduped on channel + event id, whichever instance got the platform's
 *               retry) → 200; during a burst the replies wait for the acks (`BurstPacer`)
 *   workers:    claim open events with a lease (FOR UPDATE SKIP LOCKED; only each citizen's
 *               oldest open event, so replies stay in order across instances) → the turn
 *               pipeline → reply stored under the lease → send each part → delivered | failed
 *
 * Every write after the claim names the claim's lease: an instance that stalled past its
 * lease changes nothing and drops the event, which the instance that took it over finishes.
 * A crashed instance's events are claimed again once their lease expires, from the stored
 * reply (only the unsent parts go out). A send waiting to be retried gives its event back
 * until the retry is due (`postpone`), holding no worker; its citizen's later events wait.
 *
 * While PostgreSQL cannot store (the server down or unreachable, its disk full), an event
 * whose write fails is parked: it keeps its claim, its reply and the parts already sent, in
 * memory; no new event is claimed; one probe write, with backoff, finds out when the server
 * stores again, and the parked events go on from the write that failed (a turn is not run
 * twice, a part not sent twice). One line is logged when the outage starts and one when it
 * ends. Webhooks meanwhile are refused, so the platforms send them again.
 *
 * The SQLite file keeps `delivery.ts`: one process, synchronous transactions, no claims.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { Runtime } from '../runtime';
import { isSharedStoreFailure, type SharedStoreHealth } from '../store/health';
import { FORGET_USER } from '../store/inbox';
import type { ClaimedRow, SharedInbox } from '../store/shared-inbox';
import { DEFAULT_LEASE_MS } from '../store/shared-inbox';
import { BurstPacer } from './burst-pacer';
import { currentEvents, inboxRows, incomingMessage, keptOffers, type DeliveryOptions } from './delivery';
import { letFinish, PartSender } from './part-sender';
import type { AcceptEvents, ChannelAdapter, InboundEvent, OutboundPart, PlatformChannel } from './types';

export interface SharedDeliveryOptions extends DeliveryOptions {
  /** How long a claim lasts; far above one turn and its sends, and above the clock skew. */
  leaseMs?: number;
  /** How often an idle instance looks for work (other instances' events, expired leases). */
  pollMs?: number;
  /** This instance's name in leases (default: host and process id). */
  owner?: string;
}

/** An idle instance looks for other instances' events and expired leases this often. */
const DEFAULT_POLL_MS = 250;
/** How long an event whose channel is not configured here is left to the other instances. */
const UNCONFIGURED_CHANNEL_WAIT_MS = 60_000;
/** How long `stop` lets sends already on the wire finish (as `Delivery`). */
const STOP_GRACE_MS = 5_000;
/** The first wait before probing a server that failed to store; doubles up to the next. */
const STORE_RETRY_FIRST_MS = 50;
/** The longest wait between two probes: once the server is back, events resume within it. */
const STORE_RETRY_MAX_MS = 1_000;

type Pending = {
  channel: PlatformChannel;
  events: InboundEvent[];
  resolve: () => void;
  reject: (e: Error) => void;
};

export class SharedDelivery {
  private pending: Pending[] = [];
  /** An insert of accepted events is on its way to the server; the next batch waits for it. */
  private flushing = false;
  /**
   * During a burst of webhooks, replies wait for the acks (see `claim`), within the cores the
   * machine leaves idle too: instances may share a machine with each other and the database.
   */
  private readonly pacer = new BurstPacer(true);
  private claimScheduled = false;
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly inflight = new Set<Promise<void>>();
  /** Until when this instance holds each event it works on (its clock). */
  private readonly leaseUntil = new Map<number, number>();
  private claiming = false;
  /** Set when work may have arrived while a claim was running: claim again after it. */
  private again = false;
  private started = false;
  private poller: NodeJS.Timeout | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private readonly stopController = new AbortController();
  private readonly abandonController = new AbortController();
  private readonly sender: PartSender;
  private readonly now: () => number;
  /** Set while the server cannot store: resolves once a probe write commits. */
  private outage: Promise<void> | undefined;

  constructor(
    readonly inbox: SharedInbox,
    private readonly runtime: Pick<Runtime, 'prepare' | 'respond' | 'save' | 'markDelivery'>,
    private readonly adapters: ReadonlyMap<PlatformChannel, ChannelAdapter>,
    private readonly logger: Logger,
    private readonly options: SharedDeliveryOptions,
    readonly storeHealth: SharedStoreHealth,
  ) {
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.sender = new PartSender(
      logger,
      options,
      options.random ?? Math.random,
      this.stopController.signal,
      this.abandonController.signal,
    );
  }

  /** The ack path: stores new events (group commit, see `flushAccepts`) and looks for work. */
  readonly accept: AcceptEvents = (channel, all) => {
    this.pacer.accepted();
    const events = currentEvents(channel, all, this.now(), this.options, this.logger);
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ channel, events, resolve, reject });
      if (this.pending.length === 1 && !this.flushing) setImmediate(() => void this.flushAccepts());
    });
  };

  /**
   * Group commit: the webhooks that arrived while the last insert was on its way are stored
   * with one multi-row INSERT … ON CONFLICT DO NOTHING, and each is acknowledged only after
   * it. One insert at a time: under a burst the batches grow instead of the statements, so
   * the server and this process spend their CPU on a few round trips, not one per webhook.
   */
  private async flushAccepts(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushing = true;
    const secret = this.options.eventKeySecret;
    try {
      const inserted = await this.inbox.insert(batch.flatMap((call) => inboxRows(call, secret)));
      const duplicates = batch.reduce((n, call) => n + call.events.length, 0) - inserted.length;
      if (duplicates > 0) this.logger.info({ duplicates }, 'repeated webhook delivery ignored');
      for (const call of batch) call.resolve();
      this.storeHealth.succeeded();
      // Through the pacer, never at once: during a burst, a claim after every insert would
      // start a turn whenever the one worker is free, and the acks would wait behind turns.
      this.scheduleClaim();
    } catch (err) {
      // Refused: the platform sends the webhook again (to this instance or another).
      const error = err instanceof Error ? err : new Error(String(err));
      this.storeHealth.failed(error);
      for (const call of batch) call.reject(error);
    } finally {
      this.flushing = false;
      if (this.pending.length > 0) setImmediate(() => void this.flushAccepts());
      else this.settle();
    }
  }

  /** Starts working: events left open by any instance (or accepted before the start) included. */
  resume(): number {
    this.started = true;
    this.poller = setInterval(() => this.scheduleClaim(), this.options.pollMs ?? DEFAULT_POLL_MS);
    this.poller.unref();
    this.inbox.prune().catch((err: unknown) => this.logger.warn({ err }, 'old inbox rows not pruned'));
    this.claim();
    return 0;
  }

  /** Resolves once this instance holds no event and its last claim found nothing to do. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return (
      this.inflight.size === 0 &&
      !this.claiming &&
      !this.claimScheduled &&
      !this.flushing &&
      this.pending.length === 0 &&
      this.retryTimers.size === 0
    );
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Stops claiming; sends on the wire may finish (for up to `graceMs`, then abandoned).
   * Events not finished keep their lease until it expires, then any instance takes them.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopController.abort();
    clearInterval(this.poller);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await letFinish(this.inflight, graceMs, this.abandonController);
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /**
   * Claims as many open events as there are free workers, and starts them. During a burst of
   * webhooks one worker, started after a pause (`BurstPacer`): the acks keep the CPU, and the
   * backlog, durable in the shared inbox, drains after the burst.
   */
  private claim(): void {
    if (!this.started || this.stopping || this.outage) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    const workers = this.pacer.inBurst() ? 1 : this.options.concurrency;
    const free = workers - this.inflight.size;
    if (free <= 0) return;
    this.claiming = true;
    this.again = false;
    // The lease counts from before the claim was sent (the server's clock may run ahead).
    const claimedAt = this.now();
    this.inbox
      .claim(this.owner, free, this.leaseMs)
      .then((rows) => {
        for (const row of rows) this.start(row, claimedAt + this.leaseMs);
        if (rows.length > 0) this.again = true;
      })
      .catch((err: unknown) => {
        if (isSharedStoreFailure(err)) void this.storeDown(err).catch(() => undefined);
        else this.logger.error({ err }, 'cannot claim platform events; trying again');
      })
      .finally(() => {
        this.claiming = false;
        if (this.again) this.claim();
        this.settle();
      });
  }

  /** Claims on a later turn of the event loop: at once outside a burst, after a pause in one. */
  private scheduleClaim(): void {
    if (this.claimScheduled) return;
    this.claimScheduled = true;
    this.pacer.schedule(() => {
      this.claimScheduled = false;
      this.claim();
      this.settle();
    });
  }

  private start(row: ClaimedRow, leaseUntil: number): void {
    this.leaseUntil.set(row.id, leaseUntil);
    const task: Promise<void> = this.process(row)
      .catch((err: unknown) => {
        // The lease runs out and the event is claimed again (by any instance).
        this.logger.error(
          { err, inboxId: row.id },
          'platform event processing failed; retried after its lease',
        );
      })
      .finally(() => {
        this.leaseUntil.delete(row.id);
        this.inflight.delete(task);
        this.scheduleClaim();
        this.settle();
      });
    this.inflight.add(task);
  }

  private async process(row: ClaimedRow): Promise<void> {
    const adapter = this.adapters.get(row.channel as PlatformChannel);
    if (!adapter) {
      this.logger.warn(
        { channel: row.channel, inboxId: row.id },
        'event left to other instances: its channel is not configured here',
      );
      await this.stored(() =>
        this.inbox.postpone(row.id, row.lease, this.now() + UNCONFIGURED_CHANNEL_WAIT_MS),
      );
      return;
    }
    if (row.state === 'accepted' && !(await this.answer(row, adapter))) return;
    if (adapter.replyWindowMs !== undefined && this.now() - row.eventTime > adapter.replyWindowMs)
      return this.finish(row, 'failed', 'outside the platform messaging window: not sent');
    if (row.partsSent === 0 && !this.sender.tried(row.id) && adapter.acknowledge)
      await adapter.acknowledge(row, this.abandonController.signal).catch((err: Error) => {
        this.logger.warn({ channel: row.channel, error: err.message }, 'platform acknowledgement failed');
      });
    for (let i = row.partsSent; i < row.parts.length; i++) {
      if (this.stopping) return; // the lease expires and any instance sends the rest
      if (!(await this.holdLease(row))) return this.lost(row);
      const outcome = await this.sender.send(adapter, row, row.parts[i] as OutboundPart);
      if (outcome === 'stopped') return;
      if ('retryInMs' in outcome) return this.retryLater(row, outcome.retryInMs);
      if (!outcome.ok) return this.finish(row, 'failed', outcome.detail);
      this.sender.sent(row.id);
      row.partsSent = i + 1;
      if (
        i + 1 < row.parts.length &&
        !(await this.stored(() => this.inbox.markPartSent(row.id, row.lease, i + 1)))
      )
        return this.lost(row);
    }
    return this.finish(row, 'delivered');
  }

  /**
   * Runs the turn and stores the reply under the lease; false when the lease was lost
   * (another instance took the event over: it answers it, this one keeps nothing).
   */
  private async answer(row: ClaimedRow, adapter: ChannelAdapter): Promise<boolean> {
    const offered =
      row.tapCandidate || adapter.remembersOffers
        ? await this.stored(() => this.inbox.offered(row.channel, row.userId))
        : [];
    const message = incomingMessage(row, adapter, () => offered);
    // When each turn ran, for whoever checks the order of a citizen's turns across instances.
    this.logger.debug({ channel: row.channel, inboxId: row.id }, 'answering');
    await this.stored(() => this.runtime.prepare(message));
    const startedAt = performance.now();
    let responded;
    try {
      responded = this.runtime.respond(message, { status: 'pending', buttonsMax: adapter.limits.buttonsMax });
    } catch (err) {
      this.logger.error({ err, channel: row.channel, inboxId: row.id }, 'could not compute a reply');
      await this.finish(row, 'failed', `could not compute a reply: ${(err as Error).message}`);
      return false;
    }
    const parts = adapter.render(responded.reply);
    this.pacer.turned(performance.now() - startedAt);
    // `unlogged`: the citizen's data was just erased; keep nothing about them here either.
    const erased = responded.unlogged === true;
    const meta = erased ? { ...row.meta, [FORGET_USER]: '1' } : undefined;
    // The turn's own rows (its log row, rating, links, session, an erasure) commit in the
    // transaction that stores the reply under the lease: an instance dying before it leaves
    // nothing (the event is answered again, and logged once, by whoever takes it over), one
    // dying after it left the reply, which is sent from the store without running the turn.
    let interactionId = responded.interactionId;
    const saved = await this.stored(
      () =>
        this.runtime.save(message, async (trx, logged) => {
          interactionId = logged ?? responded.interactionId;
          return this.inbox.markAnswered(row.id, row.lease, interactionId, parts, meta, trx);
        }),
      // The connection lost with the commit's answer: stored already, so not stored twice.
      async () => {
        const stored = await this.inbox.answeredUnder(row.id, row.lease);
        if (stored) interactionId = stored.interactionId;
        return stored && { kept: true, interactionId: stored.interactionId };
      },
    );
    if (!saved.kept) {
      this.lost(row);
      return false;
    }
    if (adapter.remembersOffers && responded.reply.quickReplies.length > 0 && !erased) {
      const kept = keptOffers(responded.reply, offered);
      await this.stored(() => this.inbox.recordOffers(row.channel, row.userId, kept));
    }
    Object.assign(row, {
      state: 'answered',
      parts,
      partsSent: 0,
      interactionId,
      meta: meta ?? row.meta,
    });
    return true;
  }

  /**
   * Sends only under a lease with at least half its time left, renewed when less is: a send
   * made after the lease ran out (this instance stalled) could repeat the one the instance
   * that took the event over makes. False when the lease was lost.
   */
  private async holdLease(row: ClaimedRow): Promise<boolean> {
    const until = this.leaseUntil.get(row.id) ?? 0;
    if (until - this.now() > this.leaseMs / 2) return true;
    const now = this.now();
    if (!(await this.stored(() => this.inbox.renew(row.id, row.lease, this.leaseMs)))) return false;
    this.leaseUntil.set(row.id, now + this.leaseMs);
    return true;
  }

  /** Gives the event back until its retry is due; then any instance (this one too) claims it. */
  private async retryLater(row: ClaimedRow, ms: number): Promise<void> {
    if (!(await this.stored(() => this.inbox.postpone(row.id, row.lease, this.now() + ms))))
      return this.lost(row);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.claim();
      this.settle();
    }, ms);
    this.retryTimers.add(timer);
  }

  private async finish(row: ClaimedRow, state: 'delivered' | 'failed', detail?: string): Promise<void> {
    this.sender.forget(row.id);
    if (!(await this.stored(() => this.inbox.finish(row.id, row.lease, state, detail, row.partsSent))))
      return this.lost(row);
    if (row.meta[FORGET_USER]) await this.stored(() => this.inbox.forget(row.channel, row.userId));
    await this.stored(() => this.runtime.markDelivery(row.interactionId, state, detail));
    if (state === 'failed')
      this.logger.warn({ channel: row.channel, inboxId: row.id, detail }, 'reply not delivered');
    else this.logger.debug({ channel: row.channel, inboxId: row.id }, 'reply delivered');
  }

  /**
   * One read or write of the shared store for an event being worked on. A storage failure
   * parks the event here until the server stores again, then the same call is made again:
   * the event keeps its claim (a write names the lease, so one taken over meanwhile is
   * found lost) and everything done so far. Other errors go to the caller, as before.
   */
  private async stored<T>(call: () => Promise<T>, committed?: () => Promise<T | undefined>): Promise<T> {
    let failed = false;
    for (;;) {
      try {
        // `committed`: what the failed call stored if its commit went through, its answer lost.
        const prior = failed && committed ? await committed() : undefined;
        return prior ?? (await call());
      } catch (err) {
        if (this.stopping || !isSharedStoreFailure(err)) throw err;
        failed = true;
        await this.storeDown(err);
      }
    }
  }

  /** Resolves once the server stores again (one probe loop for every parked event). */
  private storeDown(err: unknown): Promise<void> {
    this.storeHealth.failed(err);
    if (!this.outage) {
      this.logger.error(
        { err },
        'PostgreSQL cannot store: platform events wait (webhooks refused) until a probe write commits',
      );
      this.outage = this.probeUntilBack().finally(() => {
        this.outage = undefined;
        this.scheduleClaim();
      });
    }
    return this.outage;
  }

  private async probeUntilBack(): Promise<void> {
    const started = performance.now();
    for (let probes = 0; ; probes++) {
      const exp = Math.min(STORE_RETRY_MAX_MS, STORE_RETRY_FIRST_MS * 2 ** probes);
      await sleep(exp, undefined, { signal: this.stopController.signal }).catch(() => undefined);
      if (this.stopping) throw new Error('stopping while PostgreSQL could not store');
      // A claim still on its way first fails or lands: its events are then known as held.
      if (this.claiming || !(await this.storeHealth.probe())) continue;
      const released = await this.inbox.release(this.owner, [...this.leaseUntil.keys()]).catch(() => -1);
      if (released < 0) continue; // the server failed again
      if (released > 0)
        this.logger.info({ released }, 'events leased by a claim whose answer was lost given back');
      break;
    }
    this.logger.info(
      { parkedEvents: this.inflight.size, outageMs: Math.round(performance.now() - started) },
      'PostgreSQL stores again: parked platform events resume',
    );
  }

  private lost(row: ClaimedRow): void {
    this.sender.forget(row.id);
    this.logger.warn(
      { channel: row.channel, inboxId: row.id },
      'lease lost: another instance finishes this event',
    );
  }
}
