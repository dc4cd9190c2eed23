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
 */
import type { ChannelName, IncomingMessage } from '../dialogue/types';
import type { DeliveryStatus, InteractionSink, Responded } from '../dialogue/responder';
import type { Logger } from '../logger';
import { cleanText, foldAccents } from '../nlu/normalise';
import { redact, redactOptional } from '../privacy/redact';
import type { Db } from './db';

/** Silence longer than this starts a new conversation. */
export const CONVERSATION_GAP_MS = 30 * 60_000;

export type InteractionKind = 'answer' | 'fallback' | 'feedback' | 'erase' | 'flood';

/**
 * The folded text stored for grouping unanswered questions. Redacted before folding (an
 * e-mail would no longer look like one afterwards) and again after (folding can join
 * digit groups).
 */
export function storedNormalised(text: string): string {
  return redact(foldAccents(cleanText(redact(text))));
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

export class InteractionLog implements InteractionSink {
  private readonly insert;
  private readonly lastTs;
  private readonly addCitizen;
  private readonly addContact;
  private readonly deliveryStmt;
  private readonly knownStmt;
  private readonly answersStmt;
  private readonly byIdStmt;
  private readonly recentStmt;
  private readonly write;

  private groupOpen = false;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    // The log's indexes outgrow SQLite's default 2 MB page cache after ~100k rows, and then
    // every insert waits on reads: 64 MB keeps them in memory.
    if ((db.pragma('cache_size', { simple: true }) as number) > -65536) db.pragma('cache_size = -65536');
    this.insert = db.prepare(
      `INSERT INTO interactions (ts, channel, user_key, message_id, kind, text, payload, normalised, intent,
         confidence, answer_id, content_version, replies, latency_ms, conv_start, status)
       VALUES (@ts, @channel, @user_key, @message_id, @kind, @text, @payload, @normalised, @intent,
         @confidence, @answer_id, @content_version, @replies, @latency_ms, @conv_start, @status)`,
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
    this.answersStmt = db
      .prepare<[string], number>(
        `SELECT count(*) FROM interactions WHERE user_key = ? AND kind = 'answer'
           AND answer_id NOT IN ('greeting', 'thanks', 'help', 'handoff')`,
      )
      .pluck();
    this.byIdStmt = db.prepare<[number], InteractionRow>(
      'SELECT id, ts, channel, user_key, kind, text, answer_id, intent FROM interactions WHERE id = ?',
    );
    this.recentStmt = db.prepare<[string, number], InteractionRow>(
      `SELECT id, ts, channel, user_key, kind, text, answer_id, intent FROM interactions
       WHERE user_key = ? ORDER BY ts DESC, id DESC LIMIT ?`,
    );
    // Always runs inside this turn's transaction (or a caller's): no nested savepoint needed.
    this.write = (row: Record<string, string | number | null>) => {
      const previous = this.lastTs.get(row.user_key as string) as number | null | undefined;
      row.conv_start = previous == null || (row.ts as number) - previous > CONVERSATION_GAP_MS ? 1 : 0;
      const id = Number(this.insert.run(row).lastInsertRowid);
      this.addCitizen.run(row.user_key as string, row.channel as string, row.ts as number);
      return id;
    };
  }

  record(
    message: IncomingMessage,
    result: Responded,
    latencyMs: number,
    status: DeliveryStatus,
  ): number | null {
    try {
      this.joinGroup();
      const ts = Number.isFinite(message.timestamp) && message.timestamp > 0 ? message.timestamp : this.now();
      const text = redactOptional(message.text);
      const kind: InteractionKind = result.control ?? (result.answerId !== null ? 'answer' : 'fallback');
      const id = this.write({
        ts,
        channel: message.channel,
        user_key: result.userKey,
        message_id: message.messageId,
        kind,
        text,
        payload: redactOptional(message.payload),
        // The engine's folded text is the same fold; reuse it when there was nothing to redact.
        normalised:
          text === null
            ? null
            : text === message.text && result.normalisedText !== null && !/[\d@]/.test(text)
              ? result.normalisedText
              : storedNormalised(text),
        intent: result.intent,
        confidence: result.confidence,
        answer_id: result.answerId,
        content_version: result.contentVersion,
        replies: result.reply.blocks.length,
        latency_ms: Math.max(0, Math.round(latencyMs)),
        conv_start: 0,
        status,
      });
      this.addContact.run(result.userKey, message.channel, message.userId);
      return id;
    } catch (err) {
      // A full disk or a locked file must not stop the citizen getting an answer.
      this.logger?.error({ err, channel: message.channel }, 'could not write the interaction log');
      return null;
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
    }
  }

  markDelivery(interactionId: number, status: Exclude<DeliveryStatus, 'pending'>, detail?: string): void {
    try {
      this.deliveryStmt.run(
        status,
        detail === undefined ? null : redact(detail).slice(0, 500),
        interactionId,
      );
    } catch (err) {
      this.logger?.error({ err, interactionId }, 'could not update the delivery status');
    }
  }

  /** True once the citizen has at least one logged exchange (and has not erased it). */
  isKnown(userKey: string): boolean {
    return this.knownStmt.get(userKey) !== undefined;
  }

  /** How many subject answers (not greetings, thanks, menu or handoff) the citizen has had. */
  countAnswers(userKey: string): number {
    return this.answersStmt.get(userKey) ?? 0;
  }

  get(id: number): InteractionRow | undefined {
    return this.byIdStmt.get(id);
  }

  /** The citizen's latest exchanges, newest first (text already redacted, or null after retention). */
  recent(userKey: string, limit: number): InteractionRow[] {
    return this.recentStmt.all(userKey, limit);
  }
}
