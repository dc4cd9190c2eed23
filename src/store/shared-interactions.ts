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
import type { IncomingMessage } from '../core/message';
import type { Logger } from '../logger';
import type { Engine } from './engine';
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
      const db = this.engine.db;
      const ts = Number.isFinite(message.timestamp) && message.timestamp > 0 ? message.timestamp : this.now();
      const userKey = result.userKey;
      const { text, normalised } = loggedText(message, result);
      const previous = await this.lastMessageAt(userKey);
      const row = await db
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
        await db
          .insertInto('citizens')
          .values({ user_key: userKey, channel: message.channel, first_seen: ts })
          .onConflict((oc) => oc.column('user_key').doNothing())
          .execute();
        await db
          .insertInto('contacts')
          .values({ user_key: userKey, channel: message.channel, platform_user_id: message.userId })
          .onConflict((oc) => oc.column('user_key').doNothing())
          .execute();
      }
      return row.id;
    } catch (err) {
      // A full disk or a lost connection must not stop the citizen getting an answer.
      this.logger?.error({ err, channel: message.channel }, 'could not write the interaction log');
      return null;
    }
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
