import { FloodGuard, floodStep } from '../../src/runtime/flood';
import { answer, brain, turn } from './steps';

describe('flood step', () => {
  const step = floodStep(new FloodGuard({ limit: 2, windowMs: 10_000 }, () => 0), brain());
  const next = jest.fn(() => answer());

  it('passes the first messages of a burst to the engine, then says "slow down" once, then nothing', () => {
    const results = [1, 2, 3, 4].map(() => step.run(turn(), next));
    expect(next).toHaveBeenCalledTimes(2);
    expect(results[2]).toMatchObject({
      control: 'flood',
      reply: { blocks: [{ type: 'text', text: 'Chậm lại' }] },
    });
    expect(results[3]).toMatchObject({ control: 'flood', reply: { blocks: [], quickReplies: [] } });
  });

  it('never slows another citizen down', () => {
    expect(step.run(turn({}, 'x'.repeat(32)), next).control).toBeUndefined();
  });
});
