/**
 * A turn on the shared store (DATABASE_URL: several instances, so the next message may reach
 * another one). The steps and the engine stay synchronous: what a turn reads is loaded
 * before it (`load`: the citizen's session, their flood count, whether they were answered
 * before, their answers so far, and for a 👍/👎 tap the exchanges it may rate), and what it
 * writes is kept in a per-turn unit of work (the exchange to log, a rating, tracked links, an
 * erasure, the session) and stored after it (`save`), in ONE transaction — with the reply the
 * platform channels store under their lease (`alongside`), so a turn is logged exactly when
 * its reply is kept, whichever instance runs it and wherever one dies.
 *
 * One citizen's turns never overlap on the platform channels (the shared inbox claims only a
 * citizen's oldest open event).
 */
import type { Kysely } from 'kysely';
import type { ChannelName, Reply } from '../core/message';
import type { FloodVerdict } from '../core/flood-window';
import { NO_FEEDBACK } from '../core/payloads';
import { trackLinks } from '../privacy/links';
import { RATEABLE_RECENT } from './feedback';
import type { Rating } from '../store/feedback';
import type { InteractionRow, LoggedResult } from '../store/interactions';
import type { SessionState, Sessions } from '../store/sessions';
import { eraseCitizenIn, type Contact } from '../store/shared-erasure';
import type { SharedFeedback } from '../store/shared-feedback';
import type { CitizenFacts, Exchange, SharedInteractions } from '../store/shared-interactions';
import type { SharedLinks, TrackedLink } from '../store/shared-links';
import type { StoreSchema } from '../store/shared-schema';
import type { Store } from '../store/store';

/**
 * Written in the transaction that stores the turn (e.g. the reply under the platform
 * event's lease); false rolls the whole turn back. `interactionId`: the logged exchange's
 * id (null when the turn logged nothing). `trx` is undefined on SQLite, where the turn's
 * rows are already written.
 */
export type Alongside = (
  trx: Kysely<StoreSchema> | undefined,
  interactionId: number | null,
) => Promise<boolean>;

export interface SavedTurn {
  /** False when `alongside` said no: nothing of the turn was stored. */
  kept: boolean;
  /** The logged exchange's id on the shared store (the turn's result has null there). */
  interactionId: number | null;
}

/** The citizen's SQLite-file rows (written before the log moved): erased with them. */
export interface FileErasure {
  /** Their platform ids the file knows, read before `erase`. */
  contacts(userKey: string): Contact[];
  erase(userKey: string): void;
}

interface Writes {
  exchange?: Exchange;
  ratings: Rating[];
  links: TrackedLink[];
  erase: boolean;
  /** Run once the turn is stored, with its exchange's id (the officers' request). */
  afterCommit: ((interactionId: number | null) => void)[];
}

interface Entry {
  session: SessionState;
  changed: boolean;
  verdict: FloodVerdict;
  facts: CitizenFacts;
  /** For a tap: the exchange its button names, and the citizen's latest. */
  tapped?: InteractionRow;
  recent: InteractionRow[];
  writes: Writes;
}

export interface SharedTurnStores {
  store: Pick<Store, 'kind' | 'engine' | 'sessions' | 'flood'>;
  interactions: SharedInteractions;
  feedback: SharedFeedback;
  links: SharedLinks;
  file?: FileErasure;
  publicBaseUrl: string;
}

export class SharedTurnState {
  private readonly loaded = new Map<string, Entry>();

  constructor(private readonly stores: SharedTurnStores) {}

  /** The session steps read during a turn: the one `load` fetched. */
  readonly sessions: Sessions = {
    get: (userKey) => this.entry(userKey).session,
    set: (userKey, state) => {
      const entry = this.entry(userKey);
      entry.session = state;
      entry.changed = true;
    },
  };

  /** The flood step's verdict: counted once, across instances, by `load`. */
  readonly flood = { check: (userKey: string): FloodVerdict => this.entry(userKey).verdict };

  /**
   * The interaction log as the steps see it: reads answer from what `load` fetched, a
   * recorded exchange waits for `save` (its id is null until then).
   */
  readonly log = {
    isKnown: (userKey: string): boolean => this.entry(userKey).facts.known,
    /** Counted by `load` without the answers that never ask for feedback (NO_FEEDBACK). */
    countAnswers: (userKey: string): number => this.entry(userKey).facts.answers,
    /** The exchange the tap's button named (`load`'s `tapRef`). */
    byMessage: (userKey: string): InteractionRow | undefined => this.entry(userKey).tapped,
    recent: (userKey: string, limit: number): InteractionRow[] => this.entry(userKey).recent.slice(0, limit),
    record: <R extends LoggedResult>(
      message: Exchange['message'],
      result: R,
      latencyMs: number,
      status: Exchange['status'],
    ): number | null => {
      // As it is now: steps further out may still change the reply.
      const snapshot = { ...result, reply: { blocks: [...result.reply.blocks] } };
      this.entry(result.userKey).writes.exchange = { message, result: snapshot, latencyMs, status };
      return null;
    },
  };

  readonly ratings = { rate: (r: Rating): void => void this.entry(r.userKey).writes.ratings.push(r) };

  readonly links = {
    rewrite: (reply: Reply, channel: ChannelName, userKey: string, answerId: string | null): void => {
      const minted = trackLinks(reply, this.stores.publicBaseUrl, channel, userKey, answerId);
      this.entry(userKey).writes.links.push(...minted);
    },
  };

  /** The erase step's "yes": every row about the citizen goes when the turn is stored. */
  erase(userKey: string): void {
    this.entry(userKey).writes.erase = true;
  }

  /** Runs `fn` once the turn is stored, with the logged exchange's id; never if it is not. */
  afterCommit(userKey: string, fn: (interactionId: number | null) => void): void {
    this.entry(userKey).writes.afterCommit.push(fn);
  }

  /**
   * Fetches what the turn reads and counts the message in the shared flood window.
   * `tapRef`: for a 👍/👎 tap, the message id its button names ('' for none).
   */
  async load(userKey: string, tapRef?: string): Promise<void> {
    const { store, interactions } = this.stores;
    const [session, verdict, facts, tapped, recent] = await Promise.all([
      store.sessions.get(userKey),
      store.flood.check(userKey),
      interactions.facts(userKey, NO_FEEDBACK),
      tapRef ? interactions.byMessage(userKey, tapRef) : undefined,
      tapRef !== undefined ? interactions.recent(userKey, RATEABLE_RECENT) : [],
    ]);
    this.loaded.set(userKey, {
      session,
      changed: false,
      verdict,
      facts,
      tapped,
      recent,
      writes: { ratings: [], links: [], erase: false, afterCommit: [] },
    });
  }

  /**
   * Stores what the turn wrote, and what `alongside` writes, in one transaction; then runs
   * the turn's after-commit work. Forgets what `load` fetched either way.
   */
  async save(userKey: string, alongside?: Alongside): Promise<SavedTurn> {
    const entry = this.loaded.get(userKey);
    this.loaded.delete(userKey);
    if (!entry) return alongside ? { kept: await alongside(undefined, null), interactionId: null } : nothing;
    const { writes } = entry;
    const { store, interactions, feedback, links, file } = this.stores;
    const wrote =
      writes.exchange ||
      writes.ratings.length > 0 ||
      writes.links.length > 0 ||
      writes.erase ||
      entry.changed;
    if (!wrote && !alongside) return nothing;
    // Read before the file's contacts go (the erasure also clears what the channel tables
    // keep under the platform ids only the file knows).
    const known = writes.erase ? (file?.contacts(userKey) ?? []) : [];
    let interactionId: number | null = null;
    const kept = await store.engine.db
      .transaction()
      .execute(async (trx) => {
        if (writes.erase) await eraseCitizenIn(store.kind, trx, userKey, known);
        if (writes.exchange)
          interactionId = await interactions.insertExchange(trx, writes.exchange, entry.facts.lastTs);
        for (const rating of writes.ratings) await feedback.rate(rating, trx);
        await links.add(writes.links, trx);
        if (entry.changed) await store.sessions.set(userKey, entry.session, trx);
        if (alongside && !(await alongside(trx, interactionId))) throw new RolledBack();
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof RolledBack) return false;
        // Not stored, or not known to be (a connection lost with the commit's answer): the turn
        // stays loaded, so the shared queue can save it once the server is back (it checks first
        // whether the commit went through).
        this.loaded.set(userKey, entry);
        throw err;
      });
    if (!kept) return { kept, interactionId: null };
    if (writes.erase) file?.erase(userKey);
    for (const fn of writes.afterCommit) fn(interactionId);
    return { kept, interactionId };
  }

  /** Forgets what `load` fetched without storing anything (the turn's result was not kept). */
  discard(userKey: string): void {
    this.loaded.delete(userKey);
  }

  private entry(userKey: string): Entry {
    const entry = this.loaded.get(userKey);
    // A bug, not bad input: a turn on the shared store must be prepared first.
    if (!entry) throw new Error('shared turn state not loaded: call runtime.prepare(message) before respond');
    return entry;
  }
}

const nothing: SavedTurn = { kept: true, interactionId: null };

/** Thrown inside the turn's transaction to roll it back when `alongside` says no. */
class RolledBack extends Error {
  constructor() {
    super('the turn was not kept: its reply could not be stored (lease lost)');
    this.name = 'RolledBack';
  }
}
