import { FloodGuard } from '../src/runtime/flood';

describe('FloodGuard', () => {
  const setup = (limit = 10, windowMs = 10_000) => {
    const clock = { t: 0 };
    return { guard: new FloodGuard({ limit, windowMs }, () => clock.t), clock };
  };

  it('answers 10, warns once, then ignores the rest of a 30-message burst in 10 s', () => {
    const { guard, clock } = setup();
    const verdicts = [];
    for (let i = 0; i < 30; i++) {
      clock.t = i * 300; // 30 messages in 9 s
      verdicts.push(guard.check('flooder'));
    }
    expect(verdicts.filter((v) => v === 'answer')).toHaveLength(10);
    expect(verdicts.filter((v) => v === 'slow-down')).toHaveLength(1);
    expect(verdicts.slice(11).every((v) => v === 'ignore')).toBe(true);
  });

  it('leaves other users unaffected during a flood', () => {
    const { guard } = setup();
    for (let i = 0; i < 30; i++) guard.check('flooder');
    expect(guard.check('neighbour')).toBe('answer');
  });

  it('answers again once the window has passed', () => {
    const { guard, clock } = setup(3, 1000);
    for (let i = 0; i < 5; i++) guard.check('u');
    clock.t = 1001;
    expect(guard.check('u')).toBe('answer');
  });

  it('keeps memory bounded by forgetting the least recently seen users', () => {
    const clock = { t: 0 };
    const guard = new FloodGuard({ limit: 1, windowMs: 10_000, maxUsers: 2 }, () => clock.t);
    guard.check('a');
    guard.check('b');
    guard.check('c'); // forgets a
    expect(guard.check('a')).toBe('answer');
    expect(guard.check('c')).toBe('slow-down');
  });
});
