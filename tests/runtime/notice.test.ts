import type { InteractionLog } from '../../src/store/interactions';
import { noticeStep } from '../../src/runtime/notice';
import { answer, brain, turn } from './steps';

describe('notice step', () => {
  const known = new Set<string>();
  const log = { isKnown: (key: string) => known.has(key) } as unknown as InteractionLog;
  const step = noticeStep(log, brain(), 90);

  it('puts the notice, with the retention period, before the first reply a citizen gets', () => {
    const result = step.run(turn(), () => {
      known.add('k'.repeat(32)); // the log step, inside, makes the citizen known
      return answer();
    });
    expect(result.reply.blocks[0]).toEqual({ type: 'text', text: 'Lưu ý: giữ 90 ngày' });
    expect(result.reply.blocks[1]).toEqual({ type: 'text', text: 'Trả lời' });
  });

  it('says nothing more to a known citizen, nor after an erasure', () => {
    expect(step.run(turn(), () => answer()).reply.blocks).toHaveLength(1);
    const erased = step.run(turn({}, 'new'.padEnd(32, '0')), () => answer({ unlogged: true }));
    expect(erased.reply.blocks).toHaveLength(1);
  });
});
