/**
 * Sessions and flood counters in the shared store (src/store/shared-sessions.ts), on SQLite
 * and PostgreSQL: a conversation continues on whichever instance answers next, and a burst
 * spread across instances is counted once.
 */
import { emptySession } from '../../src/store/sessions';
import { SharedFlood, SharedSessions } from '../../src/store/shared-sessions';
import { engineKinds, openInstances, type Instances } from '../support/engines';

const kinds = engineKinds();

describe.each(kinds)('shared sessions and flood counters on %s', (kind) => {
  let instances: Instances | undefined;
  const clock = { t: 5_000_000 };
  const now = () => clock.t;

  afterEach(async () => {
    await instances?.close();
    instances = undefined;
  });

  it('continues a conversation on another instance, and forgets it after its TTL', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new SharedSessions(e, 60_000, now));
    const state = {
      ...emptySession(),
      lastIntent: 'proc.id_card',
      guide: { intent: 'proc.id_card', step: 1 },
    };
    await a!.set('zalo:p1', state);
    expect(await b!.get('zalo:p1')).toEqual(state);
    await b!.set('zalo:p1', { ...state, guide: { intent: 'proc.id_card', step: 2 } });
    expect((await a!.get('zalo:p1')).guide).toEqual({ intent: 'proc.id_card', step: 2 });
    expect(await a!.get('zalo:someone-else')).toEqual(emptySession());
    clock.t += 60_000;
    expect(await b!.get('zalo:p1')).toEqual(emptySession());
    expect(await a!.purgeExpired()).toBe(1);
  });

  it('counts a burst spread across instances once: the limit, one warning, then silence', async () => {
    instances = await openInstances(kind, 3);
    const guards = instances.engines.map((e) => new SharedFlood(e, { limit: 5, windowMs: 10_000 }, now));
    const verdicts = await Promise.all(Array.from({ length: 12 }, (_, i) => guards[i % 3]!.check('zalo:p1')));
    expect(verdicts.filter((v) => v === 'answer')).toHaveLength(5);
    expect(verdicts.filter((v) => v === 'slow-down')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'ignore')).toHaveLength(6);
    expect(await guards[0]!.check('zalo:p2')).toBe('answer'); // other citizens are not affected
    clock.t += 10_000;
    expect(await guards[1]!.check('zalo:p1')).toBe('answer'); // the window moved on
    clock.t += 10_000;
    expect(await guards[2]!.purgeIdle()).toBe(2);
  });
});
