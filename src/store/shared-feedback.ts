/**
 * Citizens' 👍/👎 ratings in the shared store (`engine.ts`), one per citizen and answer:
 * a second tap changes the rating, whichever instance receives it.
 */
import type { Engine } from './engine';
import type { Rating } from './feedback';

export class SharedFeedback {
  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {}

  async rate(r: Rating): Promise<void> {
    await this.engine.db.transaction().execute(async (trx) => {
      const changed = await trx
        .updateTable('feedback')
        .set({ rating: r.rating, ts: this.now() })
        .where('user_key', '=', r.userKey)
        .where('interaction_id', '=', r.interactionId)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) > 0) return;
      await trx
        .insertInto('feedback')
        .values({
          ts: this.now(),
          channel: r.channel,
          user_key: r.userKey,
          interaction_id: r.interactionId,
          answer_id: r.answerId,
          rating: r.rating,
        })
        .execute();
    });
  }
}
