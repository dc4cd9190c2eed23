/**
 * Citizens' 👍/👎 ratings in the shared store (`engine.ts`), one per citizen and answer:
 * a second tap changes the rating, whichever instance receives it.
 */
import type { Kysely } from 'kysely';
import type { Engine } from './engine';
import type { Rating } from './feedback';
import type { StoreSchema } from './shared-schema';

export class SharedFeedback {
  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores the rating, or changes the one the citizen gave this answer before: one row per
   * citizen and answer (a unique key, migration 0104), whichever instance gets the taps.
   * `db`: the transaction the turn's rows commit in.
   */
  async rate(r: Rating, db: Kysely<StoreSchema> = this.engine.db): Promise<void> {
    const ts = this.now();
    await db
      .insertInto('feedback')
      .values({
        ts,
        channel: r.channel,
        user_key: r.userKey,
        interaction_id: r.interactionId,
        answer_id: r.answerId,
        rating: r.rating,
      })
      .onConflict((oc) => oc.columns(['user_key', 'interaction_id']).doUpdateSet({ rating: r.rating, ts }))
      .execute();
  }
}
