/**
 * The interaction log, feedback, tracked links, officer accounts and the officers' inbox in
 * the shared store (src/store/shared-{interactions,feedback,links,officers,handoffs}.ts), on
 * SQLite and PostgreSQL: what one instance writes every other reads, and two instances
 * acting at once for one citizen leave one row where one is meant.
 */
import type { IncomingMessage } from '../../src/core/message';
import type { LoggedResult } from '../../src/store/interactions';
import { SharedFeedback } from '../../src/store/shared-feedback';
import { HandoffStore } from '../../src/store/shared-handoffs';
import { SharedInteractions } from '../../src/store/shared-interactions';
import { SharedLinks } from '../../src/store/shared-links';
import { OfficerStore } from '../../src/store/shared-officers';
import { engineKinds, openInstances, type Instances } from '../support/engines';

const kinds = engineKinds();

function message(userId: string, n: number, text: string, ts: number): IncomingMessage {
  return { channel: 'zalo', userId, messageId: `m${n}`, text, timestamp: ts } as IncomingMessage;
}

function result(userKey: string, answerId: string | null, extra: Partial<LoggedResult> = {}): LoggedResult {
  return {
    userKey,
    reply: { blocks: [{}, {}] },
    intent: answerId,
    confidence: 0.75,
    answerId,
    normalisedText: 'cau hoi',
    contentVersion: 'v1',
    ...extra,
  };
}

describe.each(kinds)('shared log tables on %s', (kind) => {
  let instances: Instances | undefined;
  const clock = { t: Date.parse('2026-03-01T08:00:00Z') };
  const now = () => clock.t;

  afterEach(async () => {
    await instances?.close();
    instances = undefined;
  });

  it('logs exchanges from two instances into one history, redacted, with conversations and citizens', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new SharedInteractions(e, undefined, now));
    const t0 = clock.t;
    const first = await a!.record(
      message('zalo-1', 1, 'số tôi 0912345678', t0),
      result('k1', 'proc.id_card', { procedure: { code: '1.001' }, facets: ['fee', 'where'] }),
      12.4,
      'pending',
    );
    const second = await b!.record(
      message('zalo-1', 2, 'cảm ơn', t0 + 60_000),
      result('k1', null),
      3,
      'pending',
    );
    const third = await a!.record(
      message('zalo-1', 3, 'hỏi tiếp', t0 + 31 * 60_000 + 60_000),
      result('k1', 'greeting'),
      3,
      'pending',
    );
    expect(first).not.toBeNull();
    expect(second! > first!).toBe(true);
    await b!.markDelivery(second!, 'failed', 'gọi 0912345678 thất bại');

    const recent = await b!.recent('k1', 10);
    expect(recent.map((r) => r.id)).toEqual([third, second, first]);
    expect(recent[2]).toMatchObject({ kind: 'answer', answer_id: 'proc.id_card', channel: 'zalo' });
    expect(recent[2]!.text).not.toContain('0912345678');
    expect(recent[1]!.kind).toBe('fallback');
    expect(await a!.byMessage('k1', 'm2')).toMatchObject({ id: second });
    expect(await a!.get(first!)).toMatchObject({ user_key: 'k1', intent: 'proc.id_card' });
    expect(await a!.isKnown('k1')).toBe(true);
    expect(await a!.isKnown('k2')).toBe(false);
    expect(await b!.countAnswers('k1')).toBe(2);
    expect(await b!.countAnswers('k1', ['greeting'])).toBe(1);
    expect(await a!.lastMessageAt('k1')).toBe(t0 + 32 * 60_000);

    const rows = await instances.engines[0]!.db.selectFrom('interactions')
      .select([
        'conv_start',
        'status',
        'status_detail',
        'procedure',
        'facets',
        'latency_ms',
        'replies',
        'confidence',
      ])
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.conv_start)).toEqual([1, 0, 1]);
    expect(rows[0]).toMatchObject({ procedure: '1.001', facets: 'fee,where', latency_ms: 12, replies: 2 });
    expect(rows[0]!.confidence).toBeCloseTo(0.75);
    expect(rows[1]!.status).toBe('failed');
    expect(rows[1]!.status_detail).not.toContain('0912345678');
    const db = instances.engines[1]!.db;
    expect(await db.selectFrom('citizens').selectAll().execute()).toEqual([
      { user_key: 'k1', channel: 'zalo', first_seen: t0 },
    ]);
    expect(await db.selectFrom('contacts').selectAll().execute()).toEqual([
      { user_key: 'k1', channel: 'zalo', platform_user_id: 'zalo-1' },
    ]);
    const conversation = await b!.conversation('k1', 2);
    expect(conversation.map((r) => r.kind)).toEqual(['answer', 'fallback']);
  });

  it('keeps one rating per citizen and answer, whichever instance gets the second tap', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new SharedFeedback(e, now));
    const rating = { userKey: 'k1', channel: 'zalo', interactionId: 7, answerId: 'proc.id_card' } as const;
    await a!.rate({ ...rating, rating: 1 });
    await b!.rate({ ...rating, rating: -1 });
    await b!.rate({ ...rating, interactionId: 8, rating: 1 });
    const rows = await instances.engines[0]!.db.selectFrom('feedback')
      .select(['interaction_id', 'rating'])
      .orderBy('interaction_id')
      .execute();
    expect(rows).toEqual([
      { interaction_id: 7, rating: -1 },
      { interaction_id: 8, rating: 1 },
    ]);
  });

  it('follows a link minted on another instance and counts the click', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new SharedLinks(e, now));
    await a!.add([
      {
        token: 'tok12345',
        url: 'https://dichvucong.gov.vn',
        channel: 'zalo',
        userKey: 'k1',
        answerId: 'dvc',
      },
    ]);
    expect(await b!.follow('tok12345')).toBe('https://dichvucong.gov.vn');
    expect(await b!.follow('unknown1')).toBeUndefined();
    const clicks = await instances.engines[0]!.db.selectFrom('clicks').selectAll().execute();
    expect(clicks).toEqual([
      expect.objectContaining({ token: 'tok12345', user_key: 'k1', answer_id: 'dvc' }),
    ]);
  });

  it('adds an officer once when two instances add the same user name', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new OfficerStore(e, now));
    const account = { username: 'lan', name: 'Lan', role: 'officer' as const };
    const ids = await Promise.all([a!.add(account, 'hash1', 'admin'), b!.add(account, 'hash2', 'admin')]);
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    const id = ids.find((x) => x !== null)!;
    expect(await b!.get(id)).toEqual({ id, ...account });
    expect(await a!.list()).toEqual([{ id, ...account }]);
    expect(await b!.setPasswordHash(id, 'hash3')).toBe(true);
    expect(await b!.setPasswordHash(id + 100, 'hash3')).toBe(false);
    expect((await a!.byUsername('lan'))?.password_hash).toBe('hash3');
  });

  it("works one officers' inbox from every instance: one open request per citizen, replies, who did what", async () => {
    instances = await openInstances(kind, 3);
    const stores = instances.engines.map((e) => new HandoffStore(e, now));
    const context = async () => ['tôi cần gặp cán bộ'];
    const opened = await Promise.all(stores.map((s) => s.open('k1', 'zalo', context)));
    expect(new Set(opened.map((o) => o.id)).size).toBe(1);
    expect(opened.filter((o) => o.created)).toHaveLength(1);
    const id = opened[0]!.id;
    expect(await stores[1]!.claimNotification(id, 'k1')).toBe(true);
    expect(await stores[2]!.claimNotification(id, 'k1')).toBe(false);
    await stores[1]!.setNotified(id, 'sent');
    await stores[0]!.open('k2', 'web', async () => []);
    expect(await stores[2]!.waiting()).toBe(2);

    const lan = { id: 5, name: 'Lan' };
    let h = (await stores[2]!.get(id))!;
    expect(h).toMatchObject({ status: 'new', notified: 'sent', last_messages: '["tôi cần gặp cán bộ"]' });
    await stores[2]!.assign(h, lan, { id: 0, name: 'Quản trị viên' });
    h = (await stores[0]!.get(id))!;
    expect(h).toMatchObject({ status: 'assigned', assigned_to: 5, assigned_name: 'Lan' });
    const replyId = await stores[1]!.recordReply(h, 'Chào anh', { id: 6, name: 'Minh' });
    await stores[1]!.markReply(replyId, 'delivered');
    h = (await stores[0]!.get(id))!;
    expect(h).toMatchObject({ status: 'answered', assigned_to: 5 }); // kept: Lan had it
    expect(await stores[0]!.officerMessages('k1')).toEqual([
      expect.objectContaining({ id: replyId, text: 'Chào anh', status: 'delivered', officer_name: 'Minh' }),
    ]);

    // Asked again after an answer: back to "new", the same request.
    expect((await stores[2]!.open('k1', 'zalo', context)).id).toBe(id);
    expect((await stores[2]!.get(id))!.status).toBe('new');
    await stores[0]!.setNote(h, 'gọi lại sau', lan);
    await stores[0]!.close((await stores[0]!.get(id))!, lan);
    h = (await stores[1]!.get(id))!;
    expect(h).toMatchObject({ status: 'closed', note: 'gọi lại sau', done_at: clock.t });
    expect((await stores[1]!.search({ status: 'open' })).rows.map((r) => r.user_key)).toEqual(['k2']);
    await stores[1]!.reopen(h, lan);
    expect((await stores[2]!.get(id))!.status).toBe('assigned');
    expect((await stores[2]!.events(id)).map((e) => e.action)).toEqual([
      'assign',
      'reply',
      'note',
      'close',
      'reopen',
    ]);

    const all = await stores[0]!.search({ status: 'all', pageSize: 1, page: 2 });
    expect(all.total).toBe(2);
    expect(all.rows).toHaveLength(1);
    expect((await stores[0]!.search({ assigned: 'none' })).rows.map((r) => r.user_key)).toEqual(['k2']);
    expect((await stores[0]!.search({ assigned: 5, channel: 'zalo' })).total).toBe(1);
    expect((await stores[0]!.search({ channel: 'messenger' })).total).toBe(0);
  });

  it('shows a web citizen the officers’ replies once, on any instance', async () => {
    instances = await openInstances(kind, 2);
    const [a, b] = instances.engines.map((e) => new HandoffStore(e, now));
    const { id } = await a!.open('w1', 'web', async () => []);
    const h = (await a!.get(id))!;
    const m1 = await a!.recordReply(h, 'Xin chào', { id: 0, name: 'Quản trị viên' });
    const shown = await b!.webMessagesFor('w1', 0);
    expect(shown.map((m) => m.id)).toEqual([m1]);
    expect((await a!.officerMessages('w1'))[0]).toMatchObject({
      status: 'delivered',
      detail: 'shown in the web chat',
    });
    expect(await a!.webMessagesFor('w1', m1)).toEqual([]);
  });
});
