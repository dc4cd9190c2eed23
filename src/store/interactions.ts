/**
 * The interaction log: one SQLite row per message in and reply out, written synchronously
 * with prepared statements inside one short transaction (tens of microseconds), so the id
 * exists before the channel sends and survives a crash. Text is redacted before it is
 * bound to a statement; the raw platform id goes to `contacts` only.
 */
import type { ChannelName, IncomingMessage } from '../dialogue/types';
import type { DeliveryStatus, InteractionSink, Responded } from '../dialogue/responder';
import type { Logger } from '../logger';
import { cleanText, foldAccents } from '../nlu/normalise';
import { redact, redactOptional } from '../privacy/redact';
import type { Db } from './db';

/** Silence longer than this starts a new conversation. */
export const CONVERSATION_GAP_MS = 30 * 60_000;

export type InteractionKind = 'answer' | 'fallback' | 'feedback' | 'erase';

/** The folded, redacted text stored for grouping unanswered questions. */
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

  constructor(
    db: Db,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
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
    this.write = db.transaction((row: Record<string, string | number | null>) => {
      const previous = this.lastTs.get(row.user_key as string) as number | null | undefined;
      row.conv_start = previous == null || (row.ts as number) - previous > CONVERSATION_GAP_MS ? 1 : 0;
      const id = Number(this.insert.run(row).lastInsertRowid);
      this.addCitizen.run(row.user_key as string, row.channel as string, row.ts as number);
      return id;
    });
  }

  record(
    message: IncomingMessage,
    result: Responded,
    latencyMs: number,
    status: DeliveryStatus,
  ): number | null {
    try {
      const ts = Number.isFinite(message.timestamp) && message.timestamp > 0 ? message.timestamp : this.now();
      const kind: InteractionKind = result.control ?? (result.answerId !== null ? 'answer' : 'fallback');
      const id = this.write({
        ts,
        channel: message.channel,
        user_key: result.userKey,
        message_id: message.messageId,
        kind,
        text: redactOptional(message.text),
        payload: redactOptional(message.payload),
        normalised: message.text !== undefined ? storedNormalised(message.text) : null,
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
