/**
 * The shared inbox (src/store/shared-inbox.ts) on SQLite and PostgreSQL: several instances
 * store each platform event once, claim each open event once, answer one citizen's events in
 * order, take over a dead instance's events after its lease, and refresh a token once.
 */
import { sql } from 'kysely';
import { migrateEngine } from '../../src/store/engine';
import type { InboxInsert } from '../../src/store/inbox';
import { SharedInbox } from '../../src/store/shared-inbox';
import { sharedMigrations } from '../../src/store/shared-migrations';
import { SharedTokens } from '../../src/store/shared-tokens';
import { engineKinds, openInstances, type Instances } from '../support/engines';

const kinds = engineKinds();

function event(userId: string, n: number, extra: Partial<InboxInsert> = {}): InboxInsert {
  return { channel: 'zalo', eventId: `${userId}-${n}`, userId, text: `câu ${n}`, eventTime: n, ...extra };
}

describe.each(kinds)('shared store on %s', (kind) => {
  let instances: Instances | undefined;
  const clock = { t: 1_000_000 };
  const now = () => clock.t;

  afterEach(async () => {
    await instances?.close();
    instances = undefined;
  });

  it('runs its migrations once when three instances start at the same time', async () => {
    instances = await openInstances(kind, 3, false);
    await Promise.all(instances.engines.map((e) => migrateEngine(e)));
    await migrateEngine(instances.engines[0]!); // and again: nothing left to do
    const applied = await sql<{ name: string }>`SELECT name FROM store_migration`.execute(
      instances.engines[0]!.db,
    );
    expect(applied.rows.map((r) => r.name).sort()).toEqual(sharedMigrations.map((m) => m.name));
    const inbox = new SharedInbox(instances.engines[1]!, now);
    expect(await inbox.insert([event('u1', 1)])).toHaveLength(1);
  });

  it('stores an event once whichever instance receives each retry, and redacts it', async () => {
    instances = await openInstances(kind, 3);
    const inboxes = instances.engines.map((e) => new SharedInbox(e, now));
    const e = event('u1', 1, { text: 'số của tôi 0912345678' });
    const results = await Promise.all(inboxes.flatMap((inbox) => [inbox.insert([e]), inbox.insert([e, e])]));
    const ids = results.flat().map((r) => r.id);
    expect(ids).toHaveLength(1);
    const row = await inboxes[2]!.get(ids[0]!);
    expect(row).toMatchObject({ eventId: 'u1-1', state: 'accepted', userId: 'u1' });
    expect(row!.text).not.toContain('0912345678');
  });

  it('stores a batch as sent, in arrival order: text that means something to SQL arrays and JSON', async () => {
    instances = await openInstances(kind, 1);
    const inbox = new SharedInbox(instances.engines[0]!, now);
    const texts = ['{a,b}', 'NULL', '"trích lục"\\', 'it\'s, {"x": [1]}', 'dòng 1\ndòng 2 😀', ''];
    const batch = texts.map((text, i) => event(`u${i}`, 10 - i, { text }));
    batch.push(event('tap', 1, { text: undefined, payload: 'MENU', tapCandidate: true, meta: { k: 'v' } }));
    batch.push(event('u0', 10, { text: '{a,b}' })); // the same event twice in one batch: once
    const inserted = await inbox.insert(batch);
    expect(inserted.map((r) => r.event.userId)).toEqual([...texts.map((_, i) => `u${i}`), 'tap']);
    const ids = inserted.map((r) => r.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const rows = await Promise.all(ids.map((id) => inbox.get(id)));
    expect(rows.map((r) => r!.text)).toEqual([...texts, null]);
    expect(rows.at(-1)).toMatchObject({
      payload: 'MENU',
      tapCandidate: true,
      meta: { k: 'v' },
      eventTime: 1,
    });
  });

  it('lets an edit replace an event nobody answered yet, and ignores it afterwards', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new SharedInbox(e, now));
    const { id } = (await a!.insert([event('u1', 1)]))[0]!;
    expect(await b!.insert([event('u1', 1, { text: 'sửa lần 1', edit: true })])).toEqual([
      expect.objectContaining({ id }),
    ]);
    expect((await a!.get(id))!.text).toBe('sửa lần 1');
    const [claimed] = await a!.claim('A', 1);
    expect(await a!.markAnswered(claimed!.id, claimed!.lease, null, ['trả lời'])).toBe(true);
    expect(await b!.insert([event('u1', 1, { text: 'sửa lần 2', edit: true })])).toEqual([]);
    expect((await a!.get(id))!.text).toBe('sửa lần 1');
  });

  it('hands every event to exactly one instance, one citizen at a time and in order', async () => {
    instances = await openInstances(kind, 3);
    const inboxes = instances.engines.map((e) => new SharedInbox(e, Date.now));
    const citizens = Array.from({ length: 12 }, (_, i) => `citizen-${i}`);
    // Interleaved arrivals, spread across the instances as a load balancer would.
    const arrivals = Array.from({ length: 10 }, (_, n) => citizens.map((c) => event(c, n))).flat();
    await Promise.all(arrivals.map((e, i) => inboxes[i % 3]!.insert([e])));

    const handled: { owner: string; userId: string; n: number }[] = [];
    const busy = new Set<string>();
    const worker = async (inbox: SharedInbox, owner: string) => {
      for (let idle = 0; idle < 3;) {
        const claimed = await inbox.claim(owner, 4);
        if (claimed.length === 0) {
          idle++;
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        idle = 0;
        await Promise.all(
          claimed.map(async (row) => {
            if (busy.has(row.userId)) throw new Error(`${row.userId} claimed twice at once`);
            busy.add(row.userId);
            handled.push({ owner, userId: row.userId, n: Number(row.eventId.split('-').pop()) });
            await new Promise((r) => setImmediate(r));
            expect(await inbox.markAnswered(row.id, row.lease, null, ['ok'])).toBe(true);
            busy.delete(row.userId);
            expect(await inbox.finish(row.id, row.lease, 'delivered')).toBe(true);
          }),
        );
      }
    };
    await Promise.all(inboxes.flatMap((inbox, i) => [worker(inbox, `I${i}a`), worker(inbox, `I${i}b`)]));

    expect(handled).toHaveLength(arrivals.length);
    for (const c of citizens)
      expect(handled.filter((h) => h.userId === c).map((h) => h.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (kind === 'postgres') expect(new Set(handled.map((h) => h.owner)).size).toBeGreaterThan(1);
  });

  it("takes over a dead instance's event after its lease, and fences the late one out", async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new SharedInbox(e, now));
    await a!.insert([event('u1', 1), event('u1', 2), event('u2', 1)]);
    const first = await a!.claim('A', 10, 30_000);
    expect(first.map((r) => r.eventId)).toEqual(['u1-1', 'u2-1']); // u1-2 waits behind u1-1
    expect(await a!.markAnswered(first[0]!.id, first[0]!.lease, 7, ['phần 1', 'phần 2'])).toBe(true);
    expect(await a!.markPartSent(first[0]!.id, first[0]!.lease, 1)).toBe(true);
    expect(await b!.claim('B', 10)).toEqual([]); // leased, and u1-2 is not u1's oldest

    clock.t += 30_001; // A died: its lease runs out
    const taken = await b!.claim('B', 10);
    expect(taken.map((r) => r.eventId)).toEqual(['u1-1', 'u2-1']);
    // The answered event keeps its reply and progress: B sends the rest, the engine does not run again.
    expect(taken[0]).toMatchObject({
      state: 'answered',
      parts: ['phần 1', 'phần 2'],
      partsSent: 1,
      interactionId: 7,
    });
    expect(await a!.finish(first[0]!.id, first[0]!.lease, 'delivered')).toBe(false);
    // Another worker of the same instance is fenced out too: a lease belongs to one claim.
    expect(await b!.finish(first[0]!.id, first[0]!.lease.replace(/^A/, 'B'), 'delivered')).toBe(false);
    expect(await a!.renew(first[1]!.id, first[1]!.lease)).toBe(false);
    expect(await b!.finish(taken[0]!.id, taken[0]!.lease, 'delivered')).toBe(true);
    expect((await b!.claim('B', 10)).map((r) => r.eventId)).toEqual(['u1-2']);
    expect(await a!.get(taken[0]!.id)).toMatchObject({ state: 'delivered', text: null, parts: [] });
  });

  it('lets a postponed event (a send waiting for its retry) be claimed again only when its wait is over', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new SharedInbox(e, now));
    await a!.insert([event('u1', 1)]);
    const [row] = await a!.claim('A', 1);
    expect(await a!.postpone(row!.id, row!.lease, clock.t + 2_000)).toBe(true);
    expect(await b!.claim('B', 1)).toEqual([]);
    clock.t += 2_000;
    expect((await b!.claim('B', 1)).map((r) => r.id)).toEqual([row!.id]);
  });

  it('prunes finished events after the dedupe retention', async () => {
    instances = await openInstances(kind, 1);
    const inbox = new SharedInbox(instances.engines[0]!, now);
    await inbox.insert([event('u1', 1), event('u2', 1)]);
    const [done] = await inbox.claim('A', 1);
    await inbox.finish(done!.id, done!.lease, 'failed', 'blocked');
    clock.t += 1_000;
    expect(await inbox.prune(500)).toBe(1);
    expect(await inbox.insert([event('u1', 1)])).toHaveLength(1); // its key is gone with it
  });

  it('refreshes a token once when every instance finds it stale at the same time', async () => {
    instances = await openInstances(kind, 3);
    const tokens = instances.engines.map((e) => new SharedTokens(e, now));
    await tokens[0]!.seed('zalo', { accessToken: 'a0', refreshToken: 'r0', expiresAt: clock.t - 1 });
    let refreshes = 0;
    const renew = async (stored: { refreshToken: string | null }) => {
      refreshes++;
      expect(stored.refreshToken).toBe('r0'); // a refresh token is spent once
      await new Promise((r) => setTimeout(r, 20));
      return { accessToken: 'a1', refreshToken: 'r1', expiresAt: clock.t + 3_600_000 };
    };
    const pairs = await Promise.all(
      tokens.flatMap((t) => [
        t.refresh('zalo', (p) => p.expiresAt! <= clock.t, renew),
        t.refresh('zalo', (p) => p.expiresAt! <= clock.t, renew),
      ]),
    );
    expect(refreshes).toBe(1);
    expect(new Set(pairs.map((p) => p.accessToken))).toEqual(new Set(['a1']));
    // The environment's pair is stored again only when the operator changes it.
    expect(
      await tokens[1]!.seed('zalo', { accessToken: 'a0', refreshToken: 'r0', expiresAt: null }),
    ).toMatchObject({ accessToken: 'a1' });
    expect(
      await tokens[2]!.seed('zalo', { accessToken: 'a9', refreshToken: 'r9', expiresAt: null }),
    ).toMatchObject({ accessToken: 'a9' });
  });
});
