/**
 * The interaction log in the shared store (`engine.ts`): the same rows as `InteractionLog`
 * (interactions.ts), written and read through Kysely, so every instance sharing a
 * PostgreSQL database logs into one table and reads one citizen's history whichever
 * instance answered them. Text is redacted before it is stored; the raw platform id goes
 * to `contacts` only.
 *
 * Unlike `InteractionLog` there is no per-process cache of citizens: another instance may
 * have logged (or erased) the citizen since, so their last time is read from the table
 * (the `interactions_user` index), and their citizens/contacts rows are inserted unless
 * present (`ON CONFLICT DO NOTHING`, safe when two instances do it at once).
 */
import { sql, type Kysely } from 'kysely';
import type { IncomingMessage } from '../core/message';
import type { Logger } from '../logger';
import type { Engine } from './engine';
import type { StoreSchema } from './shared-schema';
import {
  CONVERSATION_GAP_MS,
  facetsColumn,
  kindOf,
  loggedText,
  statusDetail,
  type ConversationRow,
  type DeliveryStatus,
  type InteractionRow,
  type LoggedResult,
} from './interactions';
import { redact } from './redact';

const ROW = ['id', 'ts', 'channel', 'user_key', 'kind', 'text', 'answer_id', 'intent'] as const;

/**
 * The advisory lock key that orders log writes against the rollups' watermark: every
 * transaction inserting interactions holds it shared (taken before its rows get their ids),
 * `Reports.refresh` takes it exclusively for an instant to read the highest id. Ids come from
 * a sequence in the order rows are inserted, not the order their transactions commit; once
 * the exclusive lock is granted, every id below the one read is committed or never will be.
 */
export const LOG_WRITE_LOCK = 0x7448_4c4f; // "tHLO"

/** Called first in a transaction that inserts interactions (PostgreSQL; SQLite has one writer). */
export async function holdLogWriteLock(trx: Kysely<StoreSchema>, kind: Engine['kind']): Promise<void> {
  if (kind === 'postgres') await sql`SELECT pg_advisory_xact_lock_shared(${LOG_WRITE_LOCK})`.execute(trx);
}

/** What a turn knows about its citizen before it runs (loaded in one round trip). */
export interface CitizenFacts {
  /** Has a `citizens` row: has been answered before and not erased since. */
  known: boolean;
  /** When they last wrote (null: never logged). */
  lastTs: number | null;
  /** How many answers they have had, not counting the answer ids excluded. */
  answers: number;
}

/** One exchange as `insertExchange` stores it. */
export interface Exchange<R extends LoggedResult = LoggedResult> {
  message: IncomingMessage;
  result: R;
  latencyMs: number;
  status: DeliveryStatus;
}

export class SharedInteractions {
  constructor(
    private readonly engine: Engine,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one message in and the reply out; returns the row id, or null if it could not. */
  async record<R extends LoggedResult>(
    message: IncomingMessage,
    result: R,
    latencyMs: number,
    status: DeliveryStatus,
  ): Promise<number | null> {
    try {
      const previous = await this.lastMessageAt(result.userKey);
      return await this.engine.db
        .transaction()
        .execute((trx) => this.insertExchange(trx, { message, result, latencyMs, status }, previous));
    } catch (err) {
      // A full disk or a lost connection must not stop the citizen getting an answer.
      this.logger?.error({ err, channel: message.channel }, 'could not write the interaction log');
      return null;
    }
  }

  /**
   * Inserts one exchange through `trx` (a transaction the caller commits, with the turn's
   * other rows and its reply): `previous` is when the citizen last wrote (null: their first
   * exchange, which also adds their citizens/contacts rows). Returns the row id.
   */
  async insertExchange(
    trx: Kysely<StoreSchema>,
    exchange: Exchange,
    previous: number | null,
  ): Promise<number> {
    const { message, result, latencyMs, status } = exchange;
    const ts = Number.isFinite(message.timestamp) && message.timestamp > 0 ? message.timestamp : this.now();
    const userKey = result.userKey;
    const { text, normalised } = loggedText(message, result);
    await holdLogWriteLock(trx, this.engine.kind);
    const row = await trx
      .insertInto('interactions')
      .values({
        ts,
        channel: message.channel,
        user_key: userKey,
        message_id: message.messageId,
        kind: kindOf(message, result),
        text,
        payload: message.payload === undefined ? null : redact(message.payload),
        normalised,
        intent: result.intent,
        confidence: result.confidence,
        answer_id: result.answerId,
        content_version: result.contentVersion,
        replies: result.reply.blocks.length,
        latency_ms: Math.max(0, Math.round(latencyMs)),
        conv_start: previous === null || ts - previous > CONVERSATION_GAP_MS ? 1 : 0,
        status,
        procedure: result.procedure?.code ?? null,
        facets: facetsColumn(result.facets),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (previous === null) {
      await trx
        .insertInto('citizens')
        .values({ user_key: userKey, channel: message.channel, first_seen: ts })
        .onConflict((oc) => oc.column('user_key').doNothing())
        .execute();
      await trx
        .insertInto('contacts')
        .values({ user_key: userKey, channel: message.channel, platform_user_id: message.userId })
        .onConflict((oc) => oc.column('user_key').doNothing())
        .execute();
    }
    return row.id;
  }

  /** What a turn reads about the citizen (`CitizenFacts`), in one query. */
  async facts(userKey: string, excluded: readonly string[] = []): Promise<CitizenFacts> {
    const row = await this.engine.db
      .selectNoFrom((eb) => [
        eb.exists(eb.selectFrom('citizens').select('user_key').where('user_key', '=', userKey)).as('known'),
        eb
          .selectFrom('interactions')
          .select((e) => e.fn.max('ts').as('ts'))
          .where('user_key', '=', userKey)
          .as('last_ts'),
        eb
          .selectFrom('interactions')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('user_key', '=', userKey)
          .where('kind', '=', 'answer')
          .$if(excluded.length > 0, (q) => q.where('answer_id', 'not in', excluded))
          .as('answers'),
      ])
      .executeTakeFirstOrThrow();
    return {
      // PostgreSQL answers a boolean, SQLite 0/1.
      known: Boolean(row.known),
      lastTs: row.last_ts === null ? null : Number(row.last_ts),
      answers: Number(row.answers ?? 0),
    };
  }

  /** The citizen's platform id, kept only to reach them (an officer's reply); undefined once erased. */
  async platformId(userKey: string): Promise<string | undefined> {
    const row = await this.engine.db
      .selectFrom('contacts')
      .select('platform_user_id')
      .where('user_key', '=', userKey)
      .executeTakeFirst();
    return row?.platform_user_id;
  }

  /** Whether row `id` is stored (committed: other connections see only committed rows). */
  async committed(id: number): Promise<boolean> {
    return (await this.get(id)) !== undefined;
  }

  /** Updates the delivery outcome once the channel has sent (or given up). */
  async markDelivery(
    interactionId: number,
    status: Exclude<DeliveryStatus, 'pending'>,
    detail?: string,
  ): Promise<void> {
    try {
      await this.engine.db
        .updateTable('interactions')
        .set({ status, status_detail: statusDetail(detail) })
        .where('id', '=', interactionId)
        .execute();
    } catch (err) {
      this.logger?.error({ err, interactionId }, 'could not update the delivery status');
    }
  }

  /** When the citizen last wrote (any channel), or null for a citizen with no logged exchange. */
  async lastMessageAt(userKey: string): Promise<number | null> {
    const row = await this.engine.db
      .selectFrom('interactions')
      .select((eb) => eb.fn.max('ts').as('ts'))
      .where('user_key', '=', userKey)
      .executeTakeFirst();
    return row?.ts ?? null;
  }

  /** True once the citizen has at least one logged exchange (and has not erased it). */
  async isKnown(userKey: string): Promise<boolean> {
    const row = await this.engine.db
      .selectFrom('citizens')
      .select('user_key')
      .where('user_key', '=', userKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** How many answers the citizen has had, not counting the answer ids in `excluded`. */
  async countAnswers(userKey: string, excluded: readonly string[] = []): Promise<number> {
    let query = this.engine.db
      .selectFrom('interactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_key', '=', userKey)
      .where('kind', '=', 'answer');
    if (excluded.length > 0) query = query.where('answer_id', 'not in', excluded);
    return Number((await query.executeTakeFirst())?.n ?? 0);
  }

  /** The citizen's exchange for one of their messages (the channel's message id). */
  async byMessage(userKey: string, messageId: string): Promise<InteractionRow | undefined> {
    return (await this.engine.db
      .selectFrom('interactions')
      .select(ROW)
      .where('user_key', '=', userKey)
      .where('message_id', '=', messageId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()) as InteractionRow | undefined;
  }

  async get(id: number): Promise<InteractionRow | undefined> {
    return (await this.engine.db
      .selectFrom('interactions')
      .select(ROW)
      .where('id', '=', id)
      .executeTakeFirst()) as InteractionRow | undefined;
  }

  /** The citizen's latest exchanges, newest first (text already redacted, or null after retention). */
  async recent(userKey: string, limit: number): Promise<InteractionRow[]> {
    return (await this.engine.db
      .selectFrom('interactions')
      .select(ROW)
      .where('user_key', '=', userKey)
      .orderBy('ts', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()) as InteractionRow[];
  }

  /** The citizen's latest exchanges for the officers' conversation view, newest first. */
  async conversation(userKey: string, limit: number): Promise<ConversationRow[]> {
    return this.engine.db
      .selectFrom('interactions')
      .select(['ts', 'kind', 'text', 'payload', 'answer_id'])
      .where('user_key', '=', userKey)
      .orderBy('ts', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.floor(limit))
      .execute();
  }
}
