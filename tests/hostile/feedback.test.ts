/**
 * 👍/👎 count only for an answer that was given to that citizen, once (issue #13, finding
 * 12): 50 requests of "#fb:down" with no answer before them set satisfaction to 0%.
 */
import { pseudonymize } from '../../src/privacy/pseudonym';
import { buildTestApp, chat } from '../support/app';
import { selectRows, selectValue } from '../support/rows';

describe('feedback', () => {
  const { app, db, config } = buildTestApp({ FEEDBACK_EVERY: '1' });
  afterAll(() => db.close());
  const feedbackOf = async (userId: string) =>
    await selectRows(
      db,
      'SELECT interaction_id, answer_id, rating FROM feedback WHERE user_key = ?',
      pseudonymize(config.PSEUDONYM_SECRET, 'web', userId),
    );

  it('ignores a 👎 from a citizen who was given no answer, however often it is sent', async () => {
    for (let i = 0; i < 50; i++) await chat(app, `drive-by-${i % 5}`, { payload: '#fb:down' });
    expect(await selectValue(db, 'SELECT count(*) FROM feedback')).toBe(0);
  });

  it("ignores a 👎 naming another citizen's answer", async () => {
    const answered = await chat(app, 'victim', { text: 'làm căn cước cần giấy tờ gì' });
    const tap = (answered.body.quickReplies as { payload: string }[]).find((q) =>
      q.payload.startsWith('#fb:down:'),
    );
    expect(tap).toBeDefined();
    for (let i = 0; i < 5; i++) await chat(app, 'attacker', { payload: tap!.payload });
    expect(await feedbackOf('attacker')).toEqual([]);
    expect(await feedbackOf('victim')).toEqual([]);
  });

  it('counts one rating per answer: tapping again changes it, never adds one', async () => {
    const answered = await chat(app, 'rater', { text: 'làm căn cước cần giấy tờ gì' });
    const down = (answered.body.quickReplies as { payload: string }[]).find((q) =>
      q.payload.startsWith('#fb:down:'),
    )!;
    const messageId = down.payload.slice('#fb:down:'.length);
    const interactionId = (await selectValue(
      db,
      'SELECT id FROM interactions WHERE message_id = ?',
      messageId,
    )) as number;
    expect(interactionId).toEqual(expect.any(Number));
    for (let i = 0; i < 10; i++) await chat(app, 'rater', { payload: down.payload });
    await chat(app, 'rater', { payload: '#fb:up' }); // no id: their latest answer
    expect(await feedbackOf('rater')).toEqual([
      { interaction_id: interactionId, answer_id: expect.any(String), rating: 1 },
    ]);
  });
});
