/**
 * The channel inbox/outbox of `inbox.ts`, for several instances sharing one database
 * (issue #17). Same rows, same states (accepted → answered → delivered | failed), same
 * redaction before storage; what is added is who works on an event:
 *
 * - an event is stored once whichever instance receives each platform retry (the unique
 *   key on channel + event id);
 * - `claim` hands each open event to one instance for a lease (`FOR UPDATE SKIP LOCKED` on
 *   PostgreSQL, so instances claiming at once never wait for or take each other's rows);
 * - only the oldest open event of a citizen can be claimed (by the platform's timestamp,
 *   then by arrival), so one citizen's messages are answered in order even when they reach
 *   different instances at once (row ids come from a sequence, and two instances' inserts
 *   may take them in either order);
 * - a crashed instance's events are taken over once its lease expires, and every write after
 *   the claim names that claim's lease (a token unique to the claim, not just the instance):
 *   a worker that lost its lease (it stalled past it) changes nothing and is told so
 *   (`false`), instead of finishing an event another worker now holds.
 *
 * Lease times come from each instance's clock: keep the lease well above the clock skew
 * between machines (NTP keeps it under a second; the default lease is 30 s).
 */
import crypto from 'node:crypto';
import { CompiledQuery, sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Engine } from './engine';
import { DEDUPE_RETENTION_MS, inboxRow, type InboxInsert, type InboxRow } from './inbox';
import { redactOptional } from './redact';
import type { ChannelInboxTable, StoreSchema } from './shared-schema';

/** How long a claim lasts unless renewed: far longer than one turn plus its sends. */
export const DEFAULT_LEASE_MS = 30_000;

const OPEN_STATES = ['accepted', 'answered'] as const;

/** A claimed event and its lease: the token every later write for it must name. */
export type ClaimedRow = InboxRow & { lease: string };

type NewRow = Omit<Insertable<ChannelInboxTable>, 'id'> &
  Pick<ChannelInboxTable, 'received_at' | 'updated_at'>;

/**
 * PostgreSQL: a batch of new events as one INSERT … SELECT FROM unnest(one array per column),
 * in arrival order. The statement's text and its ten parameters are the same for any batch
 * size, where a VALUES list has eleven parameters per row for the query builder to compile and
 * both sides to encode and parse: the ack path of a burst spends its CPU on webhooks, not SQL.
 * It runs as a named prepared statement: each connection parses and plans it once, not once
 * per batch (several instances share the webhooks, so each sends smaller, more frequent
 * batches, and that per-batch cost counts more).
 */
const INSERT_UNNESTED = `INSERT INTO channel_inbox
    (channel, event_id, user_id, text, payload, tap_candidate, meta, event_time, received_at, state, updated_at)
  SELECT channel, event_id, user_id, text, payload, tap_candidate, meta, event_time, $1::bigint, 'accepted', $1::bigint
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], $9::bigint[])
       WITH ORDINALITY AS e (channel, event_id, user_id, text, payload, tap_candidate, meta, event_time, n)
  ORDER BY n
  ON CONFLICT (channel, event_id) DO NOTHING
  RETURNING id, channel, event_id`;

type InsertedKey = { id: number; channel: string; event_id: string };

/**
 * `prepared`: the engine's named statements (see `Engine.prepared`), when the insert runs on
 * its own; inside a transaction (a batch holding an edit) it goes through the transaction.
 */
async function insertUnnested(
  db: Kysely<StoreSchema>,
  rows: NewRow[],
  prepared: Engine['prepared'],
): Promise<InsertedKey[]> {
  const column = <K extends keyof NewRow>(key: K) => rows.map((r) => r[key]);
  const values = [
    rows[0]!.received_at,
    column('channel'),
    column('event_id'),
    column('user_id'),
    column('text'),
    column('payload'),
    column('tap_candidate'),
    column('meta'),
    column('event_time'),
  ];
  if (prepared) return prepared<InsertedKey>('channel_inbox_insert', INSERT_UNNESTED, values);
  return (await db.executeQuery<InsertedKey>(CompiledQuery.raw(INSERT_UNNESTED, values))).rows;
}

export class SharedInbox {
  private readonly db: Kysely<StoreSchema>;

  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {
    this.db = engine.db;
  }

  /**
   * Stores new events in one transaction; returns the ids of those not seen before (a
   * retry of an event already stored, by this instance or another, returns nothing for it).
   */
  async insert(events: readonly InboxInsert[]): Promise<{ id: number; event: InboxInsert }[]> {
    if (events.length === 0) return [];
    const now = this.now();
    const values = (e: InboxInsert) => ({
      channel: e.channel,
      event_id: e.eventId,
      user_id: e.userId,
      text: redactOptional(e.text),
      payload: redactOptional(e.payload),
      tap_candidate: e.tapCandidate ? 1 : 0,
      meta: e.meta ? JSON.stringify(e.meta) : null,
      event_time: e.eventTime,
      received_at: now,
      state: 'accepted' as const,
      updated_at: now,
    });
    const store = async (db: Kysely<StoreSchema>) => {
      const inserted: { id: number; event: InboxInsert }[] = [];
      // New events in one statement: one round trip to the server per webhook batch.
      const fresh = events.filter((e) => !e.edit);
      if (fresh.length > 0) {
        const rows =
          this.engine.kind === 'postgres'
            ? await insertUnnested(db, fresh.map(values), db === this.db ? this.engine.prepared : undefined)
            : await db
                .insertInto('channel_inbox')
                .values(fresh.map(values))
                .onConflict((oc) => oc.columns(['channel', 'event_id']).doNothing())
                .returning(['id', 'channel', 'event_id'])
                .execute();
        const byKey = new Map(rows.map((r) => [`${r.channel}\n${r.event_id}`, r.id]));
        for (const e of fresh) {
          const key = `${e.channel}\n${e.eventId}`;
          const id = byKey.get(key);
          if (id === undefined) continue;
          byKey.delete(key); // the same event twice in one batch is stored (and answered) once
          inserted.push({ id, event: e });
        }
      }
      for (const e of events.filter((x) => x.edit)) {
        // An edit replaces the stored text while nobody has answered it yet.
        const row = await db
          .insertInto('channel_inbox')
          .values(values(e))
          .onConflict((oc) =>
            oc
              .columns(['channel', 'event_id'])
              .doUpdateSet((eb) => ({
                text: eb.ref('excluded.text'),
                payload: eb.ref('excluded.payload'),
                updated_at: eb.ref('excluded.updated_at'),
              }))
              .where('channel_inbox.state', '=', 'accepted'),
          )
          .returning('id')
          .executeTakeFirst();
        if (row) inserted.push({ id: row.id, event: e });
      }
      return inserted.sort((a, b) => a.id - b.id);
    };
    // One statement is atomic on its own: a batch without edits (the usual webhook burst)
    // skips BEGIN and COMMIT, a third of the round trips on the ack path.
    if (!events.some((e) => e.edit)) return store(this.db);
    return this.db.transaction().execute(store);
  }

  async get(id: number): Promise<InboxRow | undefined> {
    const r = await this.db.selectFrom('channel_inbox').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? inboxRow(r) : undefined;
  }

  /**
   * Claims up to `limit` open events for `owner` until now + `leaseMs`, oldest first: events
   * nobody holds, or whose lease has expired (their instance died or stalled), and only the
   * oldest open event of each citizen. Returns them as they are now (an answered one carries
   * its reply: send its unsent parts, do not run the engine again).
   */
  async claim(owner: string, limit: number, leaseMs = DEFAULT_LEASE_MS): Promise<ClaimedRow[]> {
    const now = this.now();
    const claim = `${owner}/${crypto.randomUUID()}/`;
    const postgres = this.engine.kind === 'postgres';
    const rows = await this.db
      .updateTable('channel_inbox')
      .set({ lease_owner: sql<string>`${claim} || CAST(id AS TEXT)`, lease_until: now + leaseMs })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('channel_inbox as c')
          .select('c.id')
          .where('c.state', 'in', OPEN_STATES)
          .where((w) => w.or([w('c.lease_until', 'is', null), w('c.lease_until', '<=', now)]))
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('channel_inbox as e')
                  .select('e.id')
                  .whereRef('e.channel', '=', 'c.channel')
                  .whereRef('e.user_id', '=', 'c.user_id')
                  .where('e.state', 'in', OPEN_STATES)
                  .where((o) =>
                    o.or([
                      o('e.event_time', '<', o.ref('c.event_time')),
                      o.and([o('e.event_time', '=', o.ref('c.event_time')), o('e.id', '<', o.ref('c.id'))]),
                    ]),
                  ),
              ),
            ),
          )
          .orderBy('c.id')
          .limit(limit)
          // SQLite runs one writer at a time, so the UPDATE alone is atomic there.
          .$if(postgres, (q) => q.forUpdate().skipLocked()),
      )
      .returningAll()
      .execute();
    return rows.map((r) => ({ ...inboxRow(r), lease: r.lease_owner! })).sort((a, b) => a.id - b.id);
  }

  /** Extends a claim's lease; false when it was lost (another instance took the event over). */
  /**
   * Gives back the open events leased to `owner` except those it works on (`keep`): a claim
   * whose answer was lost with the connection (the server committed it, the reply never came)
   * leased events the instance does not know it holds; given back, any instance claims them.
   */
  async release(owner: string, keep: readonly number[]): Promise<number> {
    const prefix = `${owner}/`;
    let query = this.db
      .updateTable('channel_inbox')
      .set({ lease_owner: null, lease_until: null })
      .where('state', 'in', OPEN_STATES)
      .where(sql<string>`substr(lease_owner, 1, ${prefix.length})`, '=', prefix);
    if (keep.length > 0) query = query.where('id', 'not in', keep);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async renew(id: number, lease: string, leaseMs = DEFAULT_LEASE_MS): Promise<boolean> {
    return this.leased(id, lease, { lease_until: this.now() + leaseMs });
  }

  /**
   * Lets the event go until `untilMs` (a send waiting for its retry holds no instance); then
   * any instance, this one included, may claim it again.
   */
  async postpone(id: number, lease: string, untilMs: number): Promise<boolean> {
    return this.leased(id, lease, { lease_owner: null, lease_until: untilMs });
  }

  /**
   * Stores the rendered reply (see `Inbox.markAnswered`); false when the lease was lost.
   * `meta`: the event's meta to store instead (e.g. with FORGET_USER set). `db`: the
   * transaction the turn's own rows commit in (SharedDelivery), so both stay or neither.
   */
  async markAnswered(
    id: number,
    lease: string,
    interactionId: number | null,
    parts: unknown[],
    meta?: Record<string, string>,
    db: Kysely<StoreSchema> = this.db,
  ): Promise<boolean> {
    const result = await db
      .updateTable('channel_inbox')
      .set({
        state: 'answered',
        interaction_id: interactionId,
        parts: JSON.stringify(parts),
        parts_sent: 0,
        updated_at: this.now(),
        ...(meta && { meta: JSON.stringify(meta) }),
      })
      .where('id', '=', id)
      .where('state', '=', 'accepted')
      .where('lease_owner', '=', lease)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /**
   * The interaction id of event `id` if it is answered under `lease`: a `markAnswered` whose
   * connection was lost after the commit (the caller then must not run the turn's save again).
   */
  async answeredUnder(id: number, lease: string): Promise<{ interactionId: number | null } | undefined> {
    const row = await this.db
      .selectFrom('channel_inbox')
      .select('interaction_id')
      .where('id', '=', id)
      .where('state', '=', 'answered')
      .where('lease_owner', '=', lease)
      .executeTakeFirst();
    return row && { interactionId: row.interaction_id };
  }

  async markPartSent(id: number, lease: string, partsSent: number): Promise<boolean> {
    return this.leased(id, lease, { parts_sent: partsSent, updated_at: this.now() });
  }

  /**
   * Final state: erases the text and the reply (only the dedupe key stays) and frees the
   * citizen's next event. `partsSent`: the parts sent, when not stored yet. False when the
   * lease was lost.
   */
  async finish(
    id: number,
    lease: string,
    state: 'delivered' | 'failed',
    error?: string,
    partsSent?: number,
  ): Promise<boolean> {
    return this.leased(id, lease, {
      state,
      error: error ?? null,
      // The last part's progress is stored with the final state: one write fewer per reply.
      ...(partsSent !== undefined && { parts_sent: partsSent }),
      text: null,
      payload: null,
      meta: null,
      parts: null,
      lease_owner: null,
      lease_until: null,
      updated_at: this.now(),
    });
  }

  /**
   * Deletes a citizen's finished events and offered buttons (see `forgetChannelUser`): the
   * event that erased their data, once finished, loses its dedupe key too.
   */
  async forget(channel: string, userId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('channel_inbox')
        .where('channel', '=', channel)
        .where('user_id', '=', userId)
        .where('state', 'in', ['delivered', 'failed'])
        .execute();
      await trx
        .deleteFrom('channel_offers')
        .where('channel', '=', channel)
        .where('user_id', '=', userId)
        .execute();
    });
  }

  /** The payloads of the buttons last shown to this citizen (see `Inbox.offered`). */
  async offered(channel: string, userId: string): Promise<string[]> {
    const row = await this.db
      .selectFrom('channel_offers')
      .select('payloads')
      .where('channel', '=', channel)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.payloads) as string[]) : [];
  }

  async recordOffers(channel: string, userId: string, payloads: readonly string[]): Promise<void> {
    const values = { payloads: JSON.stringify(payloads), updated_at: this.now() };
    await this.db
      .insertInto('channel_offers')
      .values({ channel, user_id: userId, ...values })
      .onConflict((oc) => oc.columns(['channel', 'user_id']).doUpdateSet(values))
      .execute();
  }

  /** Deletes finished events older than the dedupe retention; returns how many. */
  async prune(retentionMs = DEDUPE_RETENTION_MS): Promise<number> {
    const result = await this.db
      .deleteFrom('channel_inbox')
      .where('state', 'in', ['delivered', 'failed'])
      .where('updated_at', '<', this.now() - retentionMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async leased(
    id: number,
    lease: string,
    set: Partial<Omit<Selectable<ChannelInboxTable>, 'id'>>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('channel_inbox')
      .set(set)
      .where('id', '=', id)
      .where('lease_owner', '=', lease)
      .where('state', 'in', OPEN_STATES)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}
