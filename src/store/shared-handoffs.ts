/**
 * The officers' inbox in the shared store (`engine.ts`): handoff requests, the officers'
 * replies and who did what, read and written through Kysely so that every instance sharing
 * a PostgreSQL database works one inbox. Posting to the officers' Telegram group and the
 * rules of the workflow stay in src/admin/handoffs.ts; this file only stores.
 */
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Engine } from './engine';
import type { HandoffsTable, OfficerMessagesTable } from './log-schema';
import { withSharedLock } from './engine';
import type { StoreSchema } from './shared-schema';

/** new → assigned → answered → closed; "open" in filters means any status but closed. */
export const HANDOFF_STATUSES = ['new', 'assigned', 'answered', 'closed'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

/** A request as stored: the handoffs table's selectable row. */
export type HandoffRow = Selectable<HandoffsTable>;

export interface HandoffFilter {
  status?: HandoffStatus | 'open' | 'all';
  channel?: string | null;
  /** An officer id, or 'none' for unassigned requests. */
  assigned?: number | 'none' | null;
  page?: number;
  pageSize?: number;
}

export type OfficerMessageStatus = 'pending' | 'delivered' | 'failed' | 'outside_window';

/** An officer's message to a citizen, as stored (text redacted). */
export type OfficerMessageRow = Selectable<OfficerMessagesTable>;

export interface HandoffEventRow {
  id: number;
  ts: number;
  officer_name: string;
  action: string;
  detail: string | null;
}

/** Who did something in the inbox (an officer account, or the built-in admin, id 0). */
export interface Actor {
  id: number;
  name: string;
}

/** Whether a Telegram post about the request went out, was held back, or failed. */
export type NotifiedState = 'sent' | 'held' | 'failed';

type Where = ExpressionBuilder<StoreSchema, 'handoffs'>;
const isOpen = (eb: Where) => eb('status', '<>', 'closed');

export class HandoffStore {
  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The citizen's open request, or a new one with `messages` (redacted already). Two
   * instances asked at once for the same citizen file one request (a lock per citizen).
   * An answered open request goes back to "new": the citizen asked again.
   */
  async open(
    userKey: string,
    channel: string,
    messages: () => Promise<string[]>,
  ): Promise<{ id: number; created: boolean; messages: string[] }> {
    const context = await messages();
    // On SQLite the write lock comes first (a no-op write begins the write transaction): the
    // transaction reads before it writes, and the answer worker's connection commits to the
    // same file; a commit in between would fail a deferred transaction's first write with
    // SQLITE_BUSY at once.
    const locked = <T>(fn: (trx: Kysely<StoreSchema>) => Promise<T>) =>
      this.engine.kind === 'postgres'
        ? withSharedLock(this.engine, `handoff:${userKey}`, fn)
        : this.engine.db.transaction().execute(async (trx) => {
            await sql`UPDATE handoffs SET id = id WHERE 0`.execute(trx);
            return fn(trx);
          });
    return locked(async (trx) => {
      const open = await trx
        .selectFrom('handoffs')
        .select('id')
        .where('user_key', '=', userKey)
        .where(isOpen)
        .executeTakeFirst();
      const now = this.now();
      if (open) {
        await trx
          .updateTable('handoffs')
          .set({ status: 'new', updated_at: now })
          .where('id', '=', open.id)
          .where('status', '=', 'answered')
          .execute();
        return { id: open.id, created: false, messages: context };
      }
      const row = await trx
        .insertInto('handoffs')
        .values({
          ts: now,
          channel,
          user_key: userKey,
          last_messages: JSON.stringify(context),
          status: 'new',
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: row.id, created: true, messages: context };
    });
  }

  /** Takes the right to post about a request (null → 'sending'); false if it is gone or taken. */
  async claimNotification(id: number, userKey: string): Promise<boolean> {
    const result = await this.engine.db
      .updateTable('handoffs')
      .set({ notified: 'sending' })
      .where('id', '=', id)
      .where('user_key', '=', userKey)
      .where('notified', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setNotified(id: number, state: NotifiedState): Promise<void> {
    await this.engine.db.updateTable('handoffs').set({ notified: state }).where('id', '=', id).execute();
  }

  /** Filtered, paged requests (page 1 first), newest first, and how many match in all. */
  async search(filter: HandoffFilter): Promise<{ rows: HandoffRow[]; total: number }> {
    const status = filter.status ?? 'open';
    let query = this.engine.db.selectFrom('handoffs');
    if (status === 'open') query = query.where(isOpen);
    else if (status !== 'all') query = query.where('status', '=', status);
    if (filter.channel) query = query.where('channel', '=', filter.channel);
    if (filter.assigned === 'none') query = query.where('assigned_to', 'is', null);
    else if (typeof filter.assigned === 'number') query = query.where('assigned_to', '=', filter.assigned);
    const pageSize = Math.max(1, Math.min(200, Math.floor(filter.pageSize ?? 20)));
    const offset = (Math.max(1, Math.floor(filter.page ?? 1)) - 1) * pageSize;
    const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .selectAll()
      .orderBy('ts', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset(offset)
      .execute();
    return { rows: rows as HandoffRow[], total: Number(total.n) };
  }

  /** Requests waiting for an officer (new or assigned): the count in the dashboard header. */
  async waiting(): Promise<number> {
    const row = await this.engine.db
      .selectFrom('handoffs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['new', 'assigned'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async get(id: number): Promise<HandoffRow | undefined> {
    return (await this.engine.db
      .selectFrom('handoffs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()) as HandoffRow | undefined;
  }

  /** Every officer message to the citizen, oldest first. */
  async officerMessages(userKey: string): Promise<OfficerMessageRow[]> {
    return this.engine.db
      .selectFrom('officer_messages')
      .selectAll()
      .where('user_key', '=', userKey)
      .orderBy('id')
      .execute();
  }

  /** Officer messages for a web chat citizen after `afterId`; marks the pending ones shown. */
  async webMessagesFor(userKey: string, afterId: number): Promise<OfficerMessageRow[]> {
    const rows = await this.engine.db
      .selectFrom('officer_messages')
      .selectAll()
      .where('user_key', '=', userKey)
      .where('channel', '=', 'web')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(20)
      .execute();
    const pending = rows.filter((r) => r.status === 'pending').map((r) => r.id);
    if (pending.length > 0)
      await this.engine.db
        .updateTable('officer_messages')
        .set({ status: 'delivered', detail: 'shown in the web chat' })
        .where('id', 'in', pending)
        .execute();
    return rows;
  }

  async events(handoffId: number): Promise<HandoffEventRow[]> {
    return this.engine.db
      .selectFrom('handoff_events')
      .select(['id', 'ts', 'officer_name', 'action', 'detail'])
      .where('handoff_id', '=', handoffId)
      .orderBy('id')
      .execute();
  }

  async assign(h: HandoffRow, to: Actor, by: Actor): Promise<void> {
    const status = h.status === 'new' ? 'assigned' : h.status;
    await this.change(h, by, 'assign', to.name, {
      assigned_to: to.id,
      assigned_name: to.name,
      status,
    });
  }

  async close(h: HandoffRow, by: Actor): Promise<void> {
    await this.change(h, by, 'close', null, { status: 'closed', done_at: this.now() });
  }

  /** Back to assigned, or new when nobody has it. */
  async reopen(h: HandoffRow, by: Actor): Promise<void> {
    const status = h.assigned_to === null ? 'new' : 'assigned';
    await this.change(h, by, 'reopen', null, { status, done_at: null });
  }

  /** The private note, redacted by the caller (null clears it). */
  async setNote(h: HandoffRow, note: string | null, by: Actor): Promise<void> {
    await this.change(h, by, 'note', null, { note });
  }

  /**
   * Stores an officer's reply (redacted by the caller) as pending, marks the request
   * answered and assigned to its author when nobody had it; returns the message id.
   */
  async recordReply(h: HandoffRow, text: string, by: Actor): Promise<number> {
    return this.engine.db.transaction().execute(async (trx) => {
      const now = this.now();
      const message = await trx
        .insertInto('officer_messages')
        .values({
          ts: now,
          handoff_id: h.id,
          channel: h.channel,
          user_key: h.user_key,
          officer_id: by.id,
          officer_name: by.name,
          text,
          status: 'pending',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('handoffs')
        .set({
          status: 'answered',
          updated_at: now,
          assigned_to: sql<number>`coalesce(assigned_to, ${by.id})`,
          assigned_name: sql<string>`coalesce(assigned_name, ${by.name})`,
        })
        .where('id', '=', h.id)
        .execute();
      await trx
        .insertInto('handoff_events')
        .values(this.eventRow(h, by, 'reply', null, now))
        .execute();
      return message.id;
    });
  }

  async markReply(messageId: number, status: OfficerMessageStatus, detail?: string): Promise<void> {
    await this.engine.db
      .updateTable('officer_messages')
      .set({ status, detail: detail ?? null })
      .where('id', '=', messageId)
      .execute();
  }

  /** Updates a request and records who did it, together. */
  private async change(
    h: HandoffRow,
    by: Actor,
    action: string,
    detail: string | null,
    set: Partial<Omit<HandoffRow, 'id'>>,
  ): Promise<void> {
    const now = this.now();
    await this.engine.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('handoffs')
        .set({ ...set, updated_at: now })
        .where('id', '=', h.id)
        .execute();
      await trx
        .insertInto('handoff_events')
        .values(this.eventRow(h, by, action, detail, now))
        .execute();
    });
  }

  private eventRow(h: HandoffRow, by: Actor, action: string, detail: string | null, ts: number) {
    return {
      ts,
      handoff_id: h.id,
      user_key: h.user_key,
      officer_id: by.id,
      officer_name: by.name,
      action,
      detail,
    };
  }
}
