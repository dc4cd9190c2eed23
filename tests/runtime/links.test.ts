import type { LinkTracker } from '../../src/privacy/links';
import { linksStep } from '../../src/runtime/links';
import { answer, turn } from './steps';

describe('links step', () => {
  const rewrite = jest.fn();
  const step = linksStep({ rewrite } as unknown as LinkTracker);

  it('rewrites the links of the reply for this channel, citizen and answer', () => {
    const result = step.run(turn({ channel: 'zalo' }), () => answer());
    expect(rewrite).toHaveBeenCalledWith(result.reply, 'zalo', result.userKey, 'proc.id_card');
  });

  it('leaves the reply to an erasure alone (nothing about the citizen may be written)', () => {
    rewrite.mockClear();
    step.run(turn(), () => answer({ unlogged: true }));
    expect(rewrite).not.toHaveBeenCalled();
  });
});
