import { handoffStep } from '../../src/runtime/handoff';
import { answer, turn } from './steps';

describe('handoff step', () => {
  const request = jest.fn();
  const step = handoffStep({ request });
  beforeEach(() => request.mockClear());

  it('files a request when the answer is "gặp cán bộ"', () => {
    step.run(turn({ channel: 'messenger' }), () => answer({ answerId: 'handoff' }));
    expect(request).toHaveBeenCalledWith('k'.repeat(32), 'messenger', null);
  });

  it('files nothing for other answers or for controls', () => {
    step.run(turn(), () => answer());
    step.run(turn(), () => answer({ answerId: 'handoff', control: 'flood' }));
    expect(request).not.toHaveBeenCalled();
  });
});
