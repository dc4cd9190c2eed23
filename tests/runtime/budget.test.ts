import { budgetStep } from '../../src/runtime/budget';
import { answer, turn } from './steps';

describe('budget step', () => {
  const buttons = (n: number) => Array.from({ length: n }, (_, i) => ({ label: `B${i}`, payload: `t.${i}` }));
  const error = jest.fn();
  const step = budgetStep({ error } as never);

  it('lets a reply within the channel limit through untouched, and any reply where there is no limit', () => {
    expect(
      step.run({ ...turn(), buttonsMax: 5 }, () =>
        answer({ reply: { blocks: [], quickReplies: buttons(5) } }),
      ).reply.quickReplies,
    ).toHaveLength(5);
    expect(
      step.run(turn(), () => answer({ reply: { blocks: [], quickReplies: buttons(20) } })).reply.quickReplies,
    ).toHaveLength(20);
    expect(error).not.toHaveBeenCalled();
  });

  it('never lets a platform drop buttons silently: over the limit it cuts and logs an error naming them', () => {
    const result = step.run({ ...turn(), buttonsMax: 5 }, () =>
      answer({ reply: { blocks: [], quickReplies: buttons(7) } }),
    );
    expect(result.reply.quickReplies).toHaveLength(5);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ dropped: ['B5', 'B6'] }),
      expect.stringContaining('content:check'),
    );
  });
});
