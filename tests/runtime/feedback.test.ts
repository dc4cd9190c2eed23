import { feedbackStep, parseFeedbackPayload } from '../../src/runtime/feedback';
import { openDatabase } from '../../src/store/db';
import { FeedbackStore } from '../../src/store/feedback';
import { InteractionLog } from '../../src/store/interactions';
import { answer, brain, turn } from './steps';

describe('feedback step', () => {
  const db = openDatabase(':memory:');
  afterAll(() => db.close());
  const log = new InteractionLog(db);
  const step = feedbackStep(log, new FeedbackStore(db), brain(), { every: 1 });
  const key = 'k'.repeat(32);

  it('asks after an answer, with buttons naming the question, after guide buttons and before topics', () => {
    const result = step.run(turn({ messageId: 'msg:1:7' }), () =>
      answer({
        reply: {
          blocks: [],
          quickReplies: [
            { label: 'Tiếp', payload: '#next' },
            { label: 'A', payload: 'a' },
          ],
        },
      }),
    );
    expect(result.reply.blocks.at(-1)).toEqual({ type: 'text', text: 'Hữu ích không?' });
    expect(result.reply.quickReplies.map((q) => q.payload)).toEqual([
      '#next',
      '#fb:up:msg:1:7',
      '#fb:down:msg:1:7',
      'a',
    ]);
  });

  it('leaves the question out, and says so, when its buttons would not fit the channel', () => {
    const skipped = jest.fn();
    const tight = feedbackStep(log, new FeedbackStore(db), brain(), { every: 1, onSkipped: skipped });
    const five = Array.from({ length: 4 }, (_, i) => ({ label: `B${i}`, payload: `t.${i}` }));
    const result = tight.run({ ...turn(), buttonsMax: 5 }, () =>
      answer({ reply: { blocks: [], quickReplies: five } }),
    );
    expect(result.reply.quickReplies).toHaveLength(4);
    expect(result.reply.blocks).toHaveLength(0);
    expect(skipped).toHaveBeenCalled();
  });

  it.each([
    ['a greeting', answer({ answerId: 'greeting' })],
    ['a control', answer({ control: 'flood' })],
    ['a fallback', answer({ answerId: null })],
  ])('does not ask after %s', (_what, result) => {
    expect(step.run(turn(), () => result).reply.quickReplies).toHaveLength(1);
  });

  it('stores a tap against the answer it was offered under, and a second tap changes the rating', () => {
    const message = {
      channel: 'web' as const,
      userId: 'u1',
      messageId: 'msg:1:7',
      timestamp: 1,
      text: 'câu hỏi',
    };
    const id = log.record(message, answer(), 1, 'delivered');
    log.flush();
    const next = jest.fn(() => answer());
    const thanked = step.run(turn({ payload: '#fb:down:msg:1:7', text: undefined, messageId: 'm2' }), next);
    expect(thanked).toMatchObject({ control: 'feedback', reply: { blocks: [{ text: 'Xin lỗi' }] } });
    step.run(turn({ payload: '#fb:up:msg:1:7', text: undefined, messageId: 'm3' }), next);
    expect(next).not.toHaveBeenCalled();
    expect(db.prepare('SELECT interaction_id, rating FROM feedback WHERE user_key = ?').all(key)).toEqual([
      { interaction_id: id, rating: 1 },
    ]);
  });

  it('reads message ids that hold colons, and leaves other # payloads to the engine', () => {
    expect(parseFeedbackPayload('#fb:up:mid.1457764197618:41d102a3e1ae206a38')).toEqual({
      direction: 'up',
      ref: 'mid.1457764197618:41d102a3e1ae206a38',
    });
    expect(parseFeedbackPayload('#fb:sideways')).toBeUndefined();
    expect(parseFeedbackPayload('#next')).toBeUndefined();
  });
});
