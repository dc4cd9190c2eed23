/**
 * The interaction log: one SQLite row per message in and reply out, inserted synchronously
 * with prepared statements, so `record` returns the row id before the channel sends.
 * Text is redacted before it is bound to a statement; the raw platform id goes to
 * `contacts` only.
 *
 * Group commit: a commit costs a WAL write (~50–100 µs on a busy 2-core box), more than the
 * insert itself, so rows recorded in one synchronous stretch of work (one webhook carrying
 * several messages, a queue being drained) share one transaction, committed in a microtask
 * as soon as that work returns — before its HTTP response or platform send can be processed.
 * A crash can lose at most the rows of the work it interrupts. Writes by other modules in
 * that stretch join the transaction (better-sqlite3 nests `db.transaction` as savepoints),
 * so they commit or vanish together.
 *
 * Per-citizen cache: the first row of a citizen seen by this process looks up their last
 * timestamp and inserts their `citizens`/`contacts` rows; later rows only insert the
 * interaction. A row enters the cache only once its transaction is known to have committed
 * (checked by id after the current synchronous work, so a caller's rollback cannot leave
 * the cache claiming rows that do not exist). The cache is dropped for a citizen erased
 * through this connection (`forgetCitizen`) and entirely when another connection commits
 * (`PRAGMA data_version`), e.g. the officer's erase CLI.
 */
import type { ChannelName, IncomingMessage } from '../core/message';
import { PAYLOAD } from '../core/payloads';
import type { Logger } from '../logger';
import type { Db } from './db';
import { NORMALISED_MAX_CHARS } from './log-schema';
import { redact } from './redact';

/** Silence longer than this starts a new conversation. */
export const CONVERSATION_GAP_MS = 30 * 60_000;

/**
 * answer / fallback: a citizen's question and whether it was answered; guide: a further step
 * ('#next', '#all', "tiếp") of an answer already given; unsupported: a sticker, image, file
 * or location; feedback / erase / flood: a citizen control or a throttled message. Only
 * answer and fallback count as questions in reports.
 */
export type InteractionKind =
  'answer' | 'fallback' | 'guide' | 'unsupported' | 'feedback' | 'erase' | 'flood';

const GUIDE_PAYLOADS = new Set<string>([PAYLOAD.nextStep, PAYLOAD.allSteps]);

/** Citizens remembered per process before the cache starts over (~100 bytes each). */
const CACHE_LIMIT = 200_000;

/** Every InteractionLog open on a connection, so an erasure can clear their caches. */
const openLogs = new WeakMap<Db, Set<InteractionLog>>();

/** Drops one citizen from the caches of every log on `db` (call after erasing their rows). */
export function forgetCitizen(db: Db, userKey: string): void {
  for (const log of openLogs.get(db) ?? []) log.forget(userKey);
}

/** How a logged exchange is counted in reports. */
export function kindOf(message: IncomingMessage, result: LoggedResult): InteractionKind {
  if (result.control) return result.control;
  if (message.payload === PAYLOAD.unsupported) return 'unsupported';
  if ((message.payload !== undefined && GUIDE_PAYLOADS.has(message.payload)) || result.guideStep)
    return 'guide';
  return result.answerId !== null ? 'answer' : 'fallback';
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * What the log reads from a turn's result (the runtime's TurnResult has these and more).
 * `normalisedText` is the engine's folded text; when redaction changed the message, the
 * redacted text is folded again with `fold` (src/runtime/log.ts passes the NLU's).
 */
export interface LoggedResult {
  userKey: string;
  reply: { blocks: readonly unknown[] };
  intent: string | null;
  confidence: number;
  answerId: string | null;
  normalisedText: string | null;
  contentVersion: string;
  guideStep?: boolean;
  control?: 'feedback' | 'erase' | 'flood';
  /** How to fold a redacted text for grouping (the NLU's fold; the store has none of its own). */
  fold?: (text: string) => string;
  /** The catalogue procedure the reply answers, and the facets it covers. */
  procedure?: { code: string } | null;
  facets?: readonly string[];
}

/**
 * Where exchanges are recorded. The interaction log implements it; implementations must
 * not throw into the reply path.
 */
export interface InteractionSink {
  /** Records one message in and the reply out; returns the interaction id (null if it could not). */
  record<R extends LoggedResult>(
    message: IncomingMessage,
    result: R,
    latencyMs: number,
    status: DeliveryStatus,
  ): number | null;
  /** Updates the delivery outcome once the channel has sent (or given up). */
  markDelivery(interactionId: number, status: Exclude<DeliveryStatus, 'pending'>, detail?: string): void;
}

/** A citizen's exchange as the officers' conversation view reads it. */
export interface ConversationRow {
  ts: number;
  kind: string;
  text: string | null;
  payload: string | null;
  answer_id: string | null;
}

export interface InteractionRow {
  id: number;
  ts: number;
  channel: ChannelName;
  user_key: string;
  kind: InteractionKind;
  text: string | null;
  answer_id: string | null;
  intent: string | null;
}

const bounded = (folded: string): string =>
  folded.length <= NORMALISED_MAX_CHARS ? folded : Array.from(folded).slice(0, NORMALISED_MAX_CHARS).join('');

/**
 * The message's text as stored: redacted, and folded for grouping (at most
 * NORMALISED_MAX_CHARS). The engine's fold is
 * reused when there was nothing to redact (the common case: one redaction per message);
 * otherwise the redacted text is folded with the caller's fold.
 */
export function loggedText(
  message: IncomingMessage,
  result: LoggedResult,
): { text: string | null; normalised: string | null } {
  const raw = message.text;
  const text = raw === undefined ? null : redact(raw);
  const engineFold = result.normalisedText;
  const normalised =
    text === null
      ? null
      : text === raw && engineFold !== null && !/[\d@]/.test(text)
        ? engineFold
        : result.fold
          ? redact(result.fold(text))
          : engineFold === null
            ? null
            : redact(engineFold);
  return { text, normalised: normalised === null ? null : bounded(normalised) };
}

/** The facets column: comma-separated, null for none. */
export const facetsColumn = (facets: readonly string[] | undefined): string | null =>
  facets && facets.length > 0 ? facets.join(',') : null;

/** A delivery error as stored: redacted (it may quote the message) and at most 500 characters. */
export const statusDetail = (detail: string | undefined): string | null =>
  detail === undefined ? null : redact(detail).slice(0, 500);

export class InteractionLog implements InteractionSink {
  private readonly insert;
  private readonly lastTs;
  private readonly addCitizen;
  private readonly addContact;
  private readonly deliveryStmt;
  private readonly knownStmt;
  private readonly answersStmts = new Map<string, { get(userKey: string): number | undefined }>();
  private readonly byMessageStmt;
  private readonly byIdStmt;
  private readonly recentStmt;
  private readonly dataVersionStmt;
  private readonly rowCheckStmt;

  /** user_key → latest ts logged; present only once the citizen's citizens/contacts rows exist. */
  private readonly lastSeen = new Map<string, number>();
  /** Rows recorded but not yet known to be committed: they update `lastSeen` in `settle`. */
  private pending: { userKey: string; messageId: string; id: number; lastTs: number }[] = [];
  /** Citizens in `pending`: their cached timestamp is behind, so it is looked up. */
  private readonly pendingKeys = new Set<string>();
  private settleScheduled = false;
  private dataVersion = -1;
  private groupOpen = false;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare<
      [
        number,
        string,
        string,
        string,
        InteractionKind,
        string | null,
        string | null,
        string | null,
        string | null,
        number,
        string | null,
        string,
        number,
        number,
        number,
        DeliveryStatus,
        string | null,
        string | null,
      ]
    >(
      `INSERT INTO interactions (ts, channel, user_key, message_id, kind, text, payload, normalised, intent,
         confidence, answer_id, content_version, replies, latency_ms, conv_start, status, procedure, facets)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.lastTs = db.prepare<[string], number>('SELECT max(ts) FROM interactions WHERE user_key = ?').pluck();
    this.addCitizen = db.prepare<[string, string, number]>(
      'INSERT OR IGNORE INTO citizens (user_key, channel, first_seen) VALUES (?, ?, ?)',
    );
    this.addContact = db.prepare<[string, string, string]>(
      'INSERT OR IGNORE INTO contacts (user_key, channel, platform_user_id) VALUES (?, ?, ?)',
    );
    this.deliveryStmt = db.prepare<[string, string | null, number]>(
      'UPDATE interactions SET status = ?, status_detail = ? WHERE id = ?',
    );
    this.knownStmt = db.prepare<[string], number>('SELECT 1 FROM citizens WHERE user_key = ?').pluck();
    this.byMessageStmt = db.prepare<[string, string], InteractionRow>(
      `SELECT id, ts, channel, user_key, kind, text, answer_id, intent FROM interactions
       WHERE user_key = ? AND message_id = ? ORDER BY id DESC LIMIT 1`,
    );
    this.byIdStmt = db.prepare<[number], InteractionRow>(
      'SELECT id, ts, channel, user_key, kind, text, answer_id, intent FROM interactions WHERE id = ?',
    );
    this.recentStmt = db.prepare<[string, number], InteractionRow>(
      `SELECT id, ts, channel, user_key, kind, text, answer_id, intent FROM interactions
       WHERE user_key = ? ORDER BY ts DESC, id DESC LIMIT ?`,
    );
    this.dataVersionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
    // One range read checks a whole batch (its ids are consecutive unless other rows interleave).
    this.rowCheckStmt = db
      .prepare<[number, number], [number, string, string]>(
        'SELECT id, user_key, message_id FROM interactions WHERE id BETWEEN ? AND ?',
      )
      .raw();
    let logs = openLogs.get(db);
    if (!logs) openLogs.set(db, (logs = new Set()));
    logs.add(this);
  }

  record<R extends LoggedResult>(
    message: IncomingMessage,
    result: R,
    latencyMs: number,
    status: DeliveryStatus,
  ): number | null {
    try {
      this.joinGroup();
      this.checkDataVersion();
      const ts = Number.isFinite(message.timestamp) && message.timestamp > 0 ? message.timestamp : this.now();
      const userKey = result.userKey;
      const { text, normalised } = loggedText(message, result);

      const cached = this.lastSeen.get(userKey);
      const previous =
        cached !== undefined && !this.pendingKeys.has(userKey) ? cached : this.lastTs.get(userKey);
      const convStart = previous === undefined || previous === null || ts - previous > CONVERSATION_GAP_MS;

      const id = Number(
        this.insert.run(
          ts,
          message.channel,
          userKey,
          message.messageId,
          kindOf(message, result),
          text,
          message.payload === undefined ? null : redact(message.payload),
          normalised,
          result.intent,
          result.confidence,
          result.answerId,
          result.contentVersion,
          result.reply.blocks.length,
          Math.max(0, Math.round(latencyMs)),
          convStart ? 1 : 0,
          status,
          result.procedure?.code ?? null,
          facetsColumn(result.facets),
        ).lastInsertRowid,
      );
      if (cached === undefined) {
        this.addCitizen.run(userKey, message.channel, ts);
        this.addContact.run(userKey, message.channel, message.userId);
      }
      const lastTs = previous === undefined || previous === null || ts > previous ? ts : previous;
      this.pending.push({ userKey, messageId: message.messageId, id, lastTs });
      this.pendingKeys.add(userKey);
      if (!this.settleScheduled) {
        this.settleScheduled = true;
        queueMicrotask(() => this.settle());
      }
      return id;
    } catch (err) {
      // A full disk or a locked file must not stop the citizen getting an answer.
      this.logger?.error({ err, channel: message.channel }, 'could not write the interaction log');
      return null;
    }
  }

  /** Forgets a citizen's cached state (their rows were erased). */
  forget(userKey: string): void {
    this.lastSeen.delete(userKey);
    this.pending = this.pending.filter((p) => p.userKey !== userKey);
    this.pendingKeys.delete(userKey);
  }

  /**
   * Moves rows whose transaction committed into the cache. Runs once the synchronous work
   * that recorded them has returned; a row that is gone (rolled back, or erased) is skipped,
   * so its citizen is looked up again next time.
   */
  private settle(): void {
    if (!this.db.open) {
      this.pending = [];
      this.pendingKeys.clear();
      this.settleScheduled = false;
      return;
    }
    if (this.db.inTransaction) {
      // Our group commit (queued later) or a caller's transaction is still open.
      setImmediate(() => this.settle());
      return;
    }
    this.settleScheduled = false;
    const batch = this.pending;
    this.pending = [];
    this.pendingKeys.clear();
    if (batch.length === 0) return;
    try {
      let low = Infinity;
      let high = -Infinity;
      for (const p of batch) {
        if (p.id < low) low = p.id;
        if (p.id > high) high = p.id;
      }
      const stored = new Map<number, [number, string, string]>();
      for (const row of this.rowCheckStmt.iterate(low, Math.min(high, low + 4 * batch.length)))
        stored.set(row[0], row);
      for (const p of batch) {
        const row =
          stored.get(p.id) ?? (p.id > low + 4 * batch.length ? this.rowCheckStmt.get(p.id, p.id) : undefined);
        if (!row || row[1] !== p.userKey || row[2] !== p.messageId) continue;
        const cached = this.lastSeen.get(p.userKey);
        if (cached === undefined && this.lastSeen.size >= CACHE_LIMIT) this.lastSeen.clear();
        this.lastSeen.set(p.userKey, cached !== undefined && cached > p.lastTs ? cached : p.lastTs);
      }
    } catch (err) {
      this.lastSeen.clear();
      this.logger?.error({ err }, 'could not check the interaction log cache');
    }
  }

  /** Another connection committed (an erase CLI, a second process): the cache may be stale. */
  private checkDataVersion(): void {
    const version = this.dataVersionStmt.get() as number;
    if (version !== this.dataVersion) {
      this.lastSeen.clear();
      this.dataVersion = version;
    }
  }

  /** Opens the current batch's transaction unless one (ours or a caller's) is already open. */
  private joinGroup(): void {
    if (this.db.inTransaction) return;
    this.db.exec('BEGIN');
    this.groupOpen = true;
    queueMicrotask(() => this.flush());
  }

  /** Commits the rows recorded so far; call before closing the database in scripts. */
  flush(): void {
    if (!this.groupOpen) return;
    this.groupOpen = false;
    if (!this.db.open || !this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      this.logger?.error({ err }, 'could not commit the interaction log');
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.lastSeen.clear();
    }
  }

  markDelivery(interactionId: number, status: Exclude<DeliveryStatus, 'pending'>, detail?: string): void {
    try {
      this.deliveryStmt.run(status, statusDetail(detail), interactionId);
    } catch (err) {
      this.logger?.error({ err, interactionId }, 'could not update the delivery status');
    }
  }

  /** True once the citizen has at least one logged exchange (and has not erased it). */
  isKnown(userKey: string): boolean {
    this.checkDataVersion();
    return this.lastSeen.has(userKey) || this.knownStmt.get(userKey) !== undefined;
  }

  /** How many answers the citizen has had, not counting the answer ids in `excluded`. */
  countAnswers(userKey: string, excluded: readonly string[] = []): number {
    const cacheKey = excluded.join('\n');
    let stmt = this.answersStmts.get(cacheKey);
    if (!stmt) {
      const placeholders = excluded.map(() => '?').join(', ');
      const query = this.db
        .prepare<string[], number>(
          `SELECT count(*) FROM interactions WHERE user_key = ? AND kind = 'answer'
             AND answer_id NOT IN (${placeholders})`,
        )
        .pluck();
      stmt = { get: (key: string) => query.get(key, ...excluded) };
      this.answersStmts.set(cacheKey, stmt);
    }
    return stmt.get(userKey) ?? 0;
  }

  /** The citizen's exchange for one of their messages (the channel's message id). */
  byMessage(userKey: string, messageId: string): InteractionRow | undefined {
    return this.byMessageStmt.get(userKey, messageId);
  }

  get(id: number): InteractionRow | undefined {
    return this.byIdStmt.get(id);
  }

  /** The citizen's latest exchanges, newest first (text already redacted, or null after retention). */
  recent(userKey: string, limit: number): InteractionRow[] {
    return this.recentStmt.all(userKey, limit);
  }

  /** The citizen's latest exchanges for the officers' conversation view, newest first. */
  conversation(userKey: string, limit: number): ConversationRow[] {
    return this.db
      .prepare<[string, number], ConversationRow>(
        `SELECT ts, kind, text, payload, answer_id FROM interactions WHERE user_key = ?
         ORDER BY ts DESC, id DESC LIMIT ?`,
      )
      .all(userKey, Math.floor(limit));
  }

  /**
   * Whether row `id` is committed: waits until no transaction is open on the connection
   * (better-sqlite3's are synchronous: at most until the event loop turns), then looks. A
   * row recorded by a step that rolled back is gone.
   */
  async committed(id: number): Promise<boolean> {
    do await new Promise((resolve) => setImmediate(resolve));
    while (this.db.open && this.db.inTransaction);
    return this.db.open && this.byIdStmt.get(id) !== undefined;
  }

  /** When the citizen last wrote (any channel), or null for a citizen with no logged exchange. */
  lastMessageAt(userKey: string): number | null {
    return this.lastTs.get(userKey) ?? null;
  }
}
