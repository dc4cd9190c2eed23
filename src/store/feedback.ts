/** Citizens' 👍/👎 ratings, one per citizen and answer: a second tap changes the rating. */
import type { Db } from './db';

export interface Rating {
  userKey: string;
  channel: string;
  /** The rated exchange: an answer given to this citizen. */
  interactionId: number;
  answerId: string | null;
  rating: 1 | -1;
}

export class FeedbackStore {
  private readonly findStmt;
  private readonly updateStmt;
  private readonly insertStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.findStmt = db
      .prepare<[string, number], number>('SELECT id FROM feedback WHERE user_key = ? AND interaction_id = ?')
      .pluck();
    this.updateStmt = db.prepare<[number, number, number]>(
      'UPDATE feedback SET rating = ?, ts = ? WHERE id = ?',
    );
    this.insertStmt = db.prepare<[number, string, string, number, string | null, number]>(
      'INSERT INTO feedback (ts, channel, user_key, interaction_id, answer_id, rating) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  rate(r: Rating): void {
    const existing = this.findStmt.get(r.userKey, r.interactionId);
    if (existing !== undefined) this.updateStmt.run(r.rating, this.now(), existing);
    else this.insertStmt.run(this.now(), r.channel, r.userKey, r.interactionId, r.answerId, r.rating);
  }
}
