/**
 * The channel inbox: every accepted platform event, keyed by (channel, platform message id),
 * and what became of it. It is both the dedupe table and the outbox — the computed reply is
 * stored with the event, so a restart resends the same words instead of running the engine
 * (and logging the interaction) a second time. Text and payload are redacted before they are
 * stored (ID numbers, phones and e-mails never reach the file, even for the seconds an event
 * is open).
 *
 * States: accepted (stored, acknowledged to the platform) → answered (engine ran, reply parts
 * stored) → delivered | failed. Text, payload and reply parts are erased when an event
 * reaches a final state; the row stays for a while only as the dedupe key.
 */
import type { Selectable } from 'kysely';
import { redactOptional } from './redact';
import { scrubDeleted, type Db } from './db';
import type { ChannelInboxTable } from './shared-schema';

export type InboxState = 'accepted' | 'answered' | 'delivered' | 'failed';

/** What the ack path stores: the normalised message, before any processing. */
export interface InboxInsert {
  channel: string;
  eventId: string;
  userId: string;
  text?: string;
  payload?: string;
  /** The text may be a button tap (Zalo sends taps as plain text). */
  tapCandidate?: boolean;
  meta?: Record<string, string>;
  eventTime: number;
  /**
   * A new version of an event already sent (a Telegram edit, same event id): it replaces
   * the stored one if that one was not answered yet, and is ignored otherwise.
   */
  edit?: boolean;
}

export interface InboxRow {
  id: number;
  channel: string;
  eventId: string;
  userId: string;
  text: string | null;
  payload: string | null;
  tapCandidate: boolean;
  meta: Record<string, string>;
  eventTime: number;
  receivedAt: number;
  state: InboxState;
  interactionId: number | null;
  parts: unknown[];
  partsSent: number;
  error: string | null;
}

/** A `channel_inbox` row as stored (the lease columns are the shared inbox's). */
export type RawRow = Omit<Selectable<ChannelInboxTable>, 'lease_owner' | 'lease_until'>;

/** A stored row as the code sees it (JSON parsed, flags as booleans); shared with `shared-inbox.ts`. */
export function inboxRow(r: RawRow): InboxRow {
  return {
    id: r.id,
    channel: r.channel,
    eventId: r.event_id,
    userId: r.user_id,
    text: r.text,
    payload: r.payload,
    tapCandidate: r.tap_candidate === 1,
    meta: r.meta ? (JSON.parse(r.meta) as Record<string, string>) : {},
    eventTime: r.event_time,
    receivedAt: r.received_at,
    state: r.state,
    interactionId: r.interaction_id,
    parts: r.parts ? (JSON.parse(r.parts) as unknown[]) : [],
    partsSent: r.parts_sent,
    error: r.error,
  };
}

/** How long a finished event's dedupe key is kept; platforms stop retrying well before. */
export const DEDUPE_RETENTION_MS = 7 * 24 * 3600_000;

/** Meta key set on the event that erased its sender's data: the sender is forgotten once it is sent. */
export const FORGET_USER = 'forgetUser';

/**
 * Deletes what the channel tables hold about one platform user: their finished events
 * (open ones are still being answered) and the buttons last offered to them.
 */
export function forgetChannelUser(
  db: Db,
  channel: string,
  userId: string,
): { inbox: number; offers: number } {
  return {
    inbox: db
      .prepare(
        `DELETE FROM channel_inbox WHERE channel = ? AND user_id = ? AND state IN ('delivered', 'failed')`,
      )
      .run(channel, userId).changes,
    offers: db.prepare('DELETE FROM channel_offers WHERE channel = ? AND user_id = ?').run(channel, userId)
      .changes,
  };
}

export class Inbox {
  private readonly insertStmt;
  private readonly editStmt;
  private readonly getStmt;
  private readonly openStmt;
  private readonly answeredStmt;
  private readonly partSentStmt;
  private readonly finishStmt;
  private readonly pruneStmt;
  private readonly offersGetStmt;
  private readonly offersPutStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insertStmt = db.prepare<unknown[], { id: number }>(
      `INSERT INTO channel_inbox (channel, event_id, user_id, text, payload, tap_candidate, meta,
                                  event_time, received_at, state, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ?)
       ON CONFLICT (channel, event_id) DO NOTHING
       RETURNING id`,
    );
    this.editStmt = db.prepare<unknown[], { id: number }>(
      `INSERT INTO channel_inbox (channel, event_id, user_id, text, payload, tap_candidate, meta,
                                  event_time, received_at, state, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ?)
       ON CONFLICT (channel, event_id) DO UPDATE SET text = excluded.text, payload = excluded.payload,
              updated_at = excluded.updated_at
         WHERE channel_inbox.state = 'accepted'
       RETURNING id`,
    );
    this.getStmt = db.prepare<[number], RawRow>('SELECT * FROM channel_inbox WHERE id = ?');
    this.openStmt = db.prepare<[], { id: number; channel: string; user_id: string }>(
      `SELECT id, channel, user_id FROM channel_inbox WHERE state IN ('accepted', 'answered') ORDER BY id`,
    );
    this.answeredStmt = db.prepare<[number | null, string, number, number, number]>(
      `UPDATE channel_inbox SET state = 'answered', interaction_id = ?, parts = ?, parts_sent = 0,
              updated_at = ?, meta = CASE WHEN ? THEN json_set(coalesce(meta, '{}'), '$.${FORGET_USER}', '1')
              ELSE meta END
       WHERE id = ? AND state = 'accepted'`,
    );
    this.partSentStmt = db.prepare<[number, number, number]>(
      'UPDATE channel_inbox SET parts_sent = ?, updated_at = ? WHERE id = ?',
    );
    this.finishStmt = db.prepare<[InboxState, string | null, number | null, number, number]>(
      `UPDATE channel_inbox SET state = ?, error = ?, text = NULL, payload = NULL, meta = NULL,
              parts = NULL, parts_sent = max(parts_sent, coalesce(?, 0)), updated_at = ? WHERE id = ?`,
    );
    this.pruneStmt = db.prepare<[number]>(
      `DELETE FROM channel_inbox WHERE state IN ('delivered', 'failed') AND updated_at < ?`,
    );
    this.offersGetStmt = db.prepare<[string, string], { payloads: string }>(
      'SELECT payloads FROM channel_offers WHERE channel = ? AND user_id = ?',
    );
    this.offersPutStmt = db.prepare<[string, string, string, number]>(
      `INSERT INTO channel_offers (channel, user_id, payloads, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel, user_id) DO UPDATE SET payloads = excluded.payloads, updated_at = excluded.updated_at`,
    );
  }

  /**
   * Stores new events in one transaction; returns the ids of those not seen before
   * (a platform's retry of an event already stored returns nothing for it).
   */
  insert(events: readonly InboxInsert[]): { id: number; event: InboxInsert }[] {
    const now = this.now();
    return this.db.transaction(() => {
      const inserted: { id: number; event: InboxInsert }[] = [];
      for (const e of events) {
        const row = (e.edit ? this.editStmt : this.insertStmt).get(
          e.channel,
          e.eventId,
          e.userId,
          redactOptional(e.text),
          redactOptional(e.payload),
          e.tapCandidate ? 1 : 0,
          e.meta ? JSON.stringify(e.meta) : null,
          e.eventTime,
          now,
          now,
        );
        if (row) inserted.push({ id: row.id, event: e });
      }
      return inserted;
    })();
  }

  get(id: number): InboxRow | undefined {
    const r = this.getStmt.get(id);
    return r ? inboxRow(r) : undefined;
  }

  /** Events accepted or answered but not yet delivered or failed, oldest first. */
  open(): { id: number; channel: string; userId: string }[] {
    return this.openStmt.all().map((r) => ({ id: r.id, channel: r.channel, userId: r.user_id }));
  }

  /**
   * Stores the rendered reply; call inside the transaction that ran the engine. Returns `row`
   * as it is now stored, without reading it back (the parts as read from JSON, as `get` would).
   * `forgetUser`: this event erased its sender's data; `forget` them once it is finished.
   */
  markAnswered(row: InboxRow, interactionId: number | null, parts: unknown[], forgetUser = false): InboxRow {
    const stored = JSON.stringify(parts);
    const changed = this.answeredStmt.run(
      interactionId,
      stored,
      this.now(),
      forgetUser ? 1 : 0,
      row.id,
    ).changes;
    if (changed !== 1) throw new Error(`inbox event ${row.id} was not in the accepted state`);
    return {
      ...row,
      state: 'answered',
      interactionId,
      parts: JSON.parse(stored) as unknown[],
      partsSent: 0,
      meta: forgetUser ? { ...row.meta, [FORGET_USER]: '1' } : row.meta,
    };
  }

  markPartSent(id: number, partsSent: number): void {
    this.partSentStmt.run(partsSent, this.now(), id);
  }

  /**
   * Final state; erases the message text and the reply (only the dedupe key stays).
   * `partsSent`: the parts sent so far, when the last one's progress was not stored yet.
   */
  finish(id: number, state: 'delivered' | 'failed', error?: string, partsSent?: number): void {
    this.finishStmt.run(state, error ?? null, partsSent ?? null, this.now(), id);
  }

  /**
   * Deletes a user's finished events (this one included, once finished: it loses its dedupe
   * key, a fair price for keeping no trace of an erased citizen) and offered buttons.
   */
  forget(channel: string, userId: string): void {
    forgetChannelUser(this.db, channel, userId);
    scrubDeleted(this.db);
  }

  /** Deletes finished events older than the dedupe retention; returns how many. */
  prune(retentionMs = DEDUPE_RETENTION_MS): number {
    return this.pruneStmt.run(this.now() - retentionMs).changes;
  }

  /** The payloads of the buttons last shown to this user (taps that arrive as text are checked against them). */
  offered(channel: string, userId: string): string[] {
    const row = this.offersGetStmt.get(channel, userId);
    return row ? (JSON.parse(row.payloads) as string[]) : [];
  }

  recordOffers(channel: string, userId: string, payloads: readonly string[]): void {
    this.offersPutStmt.run(channel, userId, JSON.stringify(payloads), this.now());
  }
}
