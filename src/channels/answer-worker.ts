/**
 * The answer worker: the turns (the turn pipeline, procedure ranking, rendering) run in a
 * worker thread with its own SQLite connection to the same file (WAL), so the main thread's
 * event loop only acknowledges webhooks, commits the inbox, sends replies and records their
 * outcome. A platform's 200 then never waits behind a turn (issue #14: the ack p99 doubled
 * once every turn ranked procedures on the acks' thread).
 *
 *   main thread                                   worker thread (src/answer-thread.ts)
 *   accept → group commit → 200
 *   Delivery.process → answer(id) ──message──→    BEGIN IMMEDIATE; read the row; respond;
 *                                                 render; markAnswered; COMMIT
 *            row ('answered') ←───────────────    + the officer requests the turn filed
 *   send parts → finish (delivered | failed)
 *
 * The web chat's turns go the same way (`chat`), so the worker is the only thread that
 * builds the procedure assistant and its search index (the catalogue's records are shared,
 * not copied: `readRecords`). A content reload goes live in the main thread only once the
 * worker has reloaded the same version (`reload`); a version the worker rejects is rejected.
 *
 * A worker that dies (a bug, out of memory) is started again; the answers it had in hand
 * reject with `AnswerStepUnavailable` and their events are retried: an answer it had not
 * committed is computed again, one it had committed is only sent (the row says 'answered').
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import type { ChannelName, IncomingMessage } from '../core/message';
import { ContentError } from '../errors';
import type { Logger } from '../logger';
import type { TurnResult } from '../runtime';
import type { InboxRow } from '../store/inbox';
import { AnswerStepUnavailable, type Answered, type AnswerStep, type EventRef } from './delivery';
import type { ChannelAdapter } from './types';

/** What the main thread asks the worker (each request also carries an `id`). */
type Ask =
  | { kind: 'answer'; row: EventRef }
  | { kind: 'chat'; message: IncomingMessage }
  | { kind: 'reload'; version: string };
export type WorkerRequest = Ask & { id: number };

/** An officer request a turn filed ("gặp cán bộ"), filed in the main thread's Handoffs. */
export interface FiledHandoff {
  userKey: string;
  channel: ChannelName;
  interactionId: number | null;
}

/** A content problem as it crosses the thread boundary (an Error's own fields do not). */
export interface ContentProblem {
  file: string;
  line?: number;
  field?: string;
  problem: string;
}

/** What the worker answers: one per request, in any order. */
export type WorkerReply =
  | {
      id: number;
      ok: true;
      row?: InboxRow;
      /** The answer's transaction, in ms of the worker's time (the burst pacer's input). */
      turnMs?: number;
      result?: TurnResult;
      problems?: ContentProblem[];
      handoffs: FiledHandoff[];
    }
  | { id: number; ok: false; error: { message: string; code?: string; storage: boolean } };

/** What the worker is started with (`workerData`). */
export interface WorkerData {
  config: Config;
  /** The catalogue's records, shared with the main thread (`readRecords`). */
  records: SharedArrayBuffer;
  /** Tests only: the first worker exits while answering this text (a crash mid-turn). */
  crashOn?: string;
}

export interface AnswerWorkerOptions {
  config: Config;
  logger: Logger;
  records: Buffer;
  /** Files an officer request the worker's turn made, once that turn is committed. */
  onHandoff: (handoff: FiledHandoff) => void;
  crashOn?: string;
}

/** The first wait before starting a worker that died again; doubles up to the next. */
const RESTART_FIRST_MS = 100;
const RESTART_MAX_MS = 5_000;

interface Pending {
  resolve: (reply: Extract<WorkerReply, { ok: true }>) => void;
  reject: (err: Error) => void;
}

/**
 * The thread's entry file: src/answer-thread.ts under tsx and jest, dist/src/answer-thread.js
 * compiled. A TypeScript entry is loaded through tsx's CommonJS hook (a dev dependency, like
 * the sources themselves).
 */
function entry(): { code: string; eval: true } {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, '..', `answer-thread${ext}`);
  const register = ext === '.ts' ? `require('tsx/cjs/api').register();` : '';
  return { code: `${register}require(${JSON.stringify(file)});`, eval: true };
}

export class AnswerWorker implements AnswerStep {
  readonly offThread = true;
  private worker!: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Workers started so far (the first gets the test's `crashOn`). */
  private started = 0;

  constructor(private readonly options: AnswerWorkerOptions) {
    this.spawn();
  }

  private spawn(): void {
    const { code } = entry();
    const data: WorkerData = {
      config: this.options.config,
      records: this.options.records.buffer as SharedArrayBuffer,
      crashOn: this.started === 0 ? this.options.crashOn : undefined,
    };
    this.started++;
    const worker = new Worker(code, { eval: true, workerData: data });
    this.worker = worker;
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (err) => this.options.logger.error({ err }, 'the answer worker failed'));
    worker.on('exit', (exitCode) => {
      if (this.worker !== worker) return;
      const inHand = [...this.pending.values()];
      this.pending.clear();
      for (const p of inHand)
        p.reject(new AnswerStepUnavailable(`the answer worker exited (code ${exitCode})`));
      if (this.stopped) return;
      const wait = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** this.restarts++);
      this.options.logger.error(
        { exitCode, inHand: inHand.length, restartInMs: wait },
        'the answer worker stopped; starting it again',
      );
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.stopped) this.spawn();
      }, wait);
    });
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    this.restarts = 0;
    if (reply.ok) {
      for (const handoff of reply.handoffs) this.options.onHandoff(handoff);
      pending.resolve(reply);
      return;
    }
    // Rebuilt so that `isStorageFailure` sees the SQLite code and the event is parked.
    const { message, code, storage } = reply.error;
    pending.reject(storage && code ? Object.assign(new Error(message), { code }) : new Error(message));
  }

  private call(request: Ask) {
    if (this.stopped) return Promise.reject(new AnswerStepUnavailable('the answer worker is stopped'));
    // Between a death and its restart there is no worker: the caller retries later.
    if (this.restartTimer !== undefined)
      return Promise.reject(new AnswerStepUnavailable('the answer worker is restarting'));
    const id = this.nextId++;
    return new Promise<Extract<WorkerReply, { ok: true }>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  async answer(event: EventRef, _adapter: ChannelAdapter): Promise<Answered> {
    const reply = await this.call({ kind: 'answer', row: { id: event.id, channel: event.channel } });
    return { row: reply.row!, turnMs: reply.turnMs ?? 0 };
  }

  /** One web chat turn (prepare, respond, save: the same pipeline as the platforms'). */
  async chat(message: IncomingMessage): Promise<TurnResult> {
    const reply = await this.call({ kind: 'chat', message });
    return reply.result!;
  }

  /**
   * Has the worker reload content/ and intents/; resolves to the problems that reject
   * `version` (none once the worker serves it). The knowledge service runs it before the
   * main thread's snapshot goes live.
   */
  async reload(version: string): Promise<ContentError[]> {
    const reply = await this.call({ kind: 'reload', version });
    return (reply.problems ?? []).map((p) => new ContentError(p.file, p.line, p.field, p.problem));
  }

  /** Ends the thread; answers still in hand reject (their events stay open for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.worker.terminate();
  }
}
