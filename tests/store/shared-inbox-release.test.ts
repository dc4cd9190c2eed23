/**
 * `SharedInbox.release` on both engines: after a PostgreSQL outage an instance gives back the
 * events a claim leased to it without its knowing (the claim committed, its answer was lost
 * with the connection), keeps those it works on, and never touches another instance's.
 */
import type { InboxInsert } from '../../src/store/inbox';
import { SharedInbox } from '../../src/store/shared-inbox';
import { engineKinds, openInstances, type Instances } from '../support/engines';

function event(userId: string): InboxInsert {
  return { channel: 'zalo', eventId: `${userId}-1`, userId, text: 'câu hỏi', eventTime: 1 };
}

describe.each(engineKinds())('SharedInbox.release on %s', (kind) => {
  let instances: Instances | undefined;
  afterEach(async () => {
    await instances?.close();
    instances = undefined;
  });

  it('gives back only the events the owner does not keep', async () => {
    instances = await openInstances(kind, 2);
    const clock = { t: 1_000_000 };
    const [a, b] = instances.engines.map((e) => new SharedInbox(e, () => clock.t));
    await a!.insert(['u1', 'u2', 'u3', 'u4'].map(event));
    const mine = await a!.claim('host:1', 3, 60_000);
    const theirs = await b!.claim('host:12', 5, 60_000); // a name that starts like the first
    expect(mine).toHaveLength(3);
    expect(theirs).toHaveLength(1);

    expect(await a!.release('host:1', [mine[0]!.id])).toBe(2);
    // The kept one and the other instance's are still held; the others are claimable at once.
    expect(await a!.renew(mine[0]!.id, mine[0]!.lease)).toBe(true);
    expect(await b!.renew(theirs[0]!.id, theirs[0]!.lease)).toBe(true);
    const again = await b!.claim('host:12', 5, 60_000);
    expect(again.map((r) => r.id).sort()).toEqual([mine[1]!.id, mine[2]!.id].sort());
  });
});
