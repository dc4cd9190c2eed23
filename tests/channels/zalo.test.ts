import request from 'supertest';
import { type ChannelApp, useChannelApp, fixture, fixtureWith, SECRETS, zaloSignature } from './helpers';
import { selectRow, selectRows, selectValue } from '../support/rows';

const BIG_ID = '2468458835296117922';

/** Posts a signed Zalo fixture with `msgId` as its msg_id, then waits until it is processed. */
async function postFixture(t: ChannelApp, name: string, msgId: string, replace: Record<string, string> = {}) {
  const body = fixtureWith('zalo', name, { a3f1c0d6e2b94a57b8e1: msgId, ...replace });
  const res = await request(t.app)
    .post('/webhooks/zalo')
    .set('content-type', 'application/json')
    .set('x-zevent-signature', zaloSignature(body))
    .send(body);
  await t.channels.delivery.idle();
  return res;
}

describe('Zalo OA channel', () => {
  let seq = 0;
  const t = useChannelApp();

  /** Posts a signed fixture (with a fresh msg_id unless told otherwise) and waits for processing. */
  const post = (name: string, replace: Record<string, string> = {}, msgId?: string) =>
    postFixture(t, name, msgId ?? `msg-${++seq}-${Date.now()}`, replace);

  const repliesTo = (userId: string) =>
    t.fake
      .delivered('zalo')
      .filter((r) => (r.body as { recipient: { user_id: string } }).recipient.user_id === userId);

  it('answers a signed text message through the OA API, to every digit of a 19-digit user id', async () => {
    // The fixture carries the sender id as a bare JSON number, as Zalo may send it.
    expect(fixtureWith('zalo', 'user_send_text')).toContain(`"id": ${BIG_ID}`);
    const res = await post('user_send_text');
    expect(res.status).toBe(200);

    const sent = t.fake.delivered('zalo');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const r of sent) {
      expect(r.headers['access_token']).toBe('zalo-access-0');
      expect(r.text).toContain(`"recipient":{"user_id":"${BIG_ID}"}`);
    }
    const message = (sent.at(-1)!.body as { message: { text: string; attachment?: unknown } }).message;
    expect(message.text.length).toBeGreaterThan(0);
    expect(message.text.length).toBeLessThanOrEqual(2000);
    expect(t.respond.mock.results[0].value.intent).toBe('proc.id_card');

    const [row] = await t.inbox();
    expect(row).toMatchObject({ channel: 'zalo', user_id: BIG_ID, state: 'delivered' });
    // The logged exchange's id (on PostgreSQL known only once the turn is stored, after respond).
    const logged = await selectValue(t.db, "SELECT max(id) FROM interactions WHERE channel = 'zalo'");
    expect(logged).toEqual(expect.any(Number));
    expect(t.markDelivery).toHaveBeenCalledWith(logged, 'delivered', undefined);
  });

  it('renders quick replies as at most 5 oa.query.hide buttons and recognises a tap only if it was offered', async () => {
    await post('user_send_text', { 'làm căn cước cần giấy tờ gì': 'giá vàng hôm nay' });
    const last = t.fake.delivered('zalo').at(-1)!.body as {
      message: {
        attachment: {
          type: string;
          payload: { buttons: { type: string; title: string; payload: string }[] };
        };
      };
    };
    const buttons = last.message.attachment.payload.buttons;
    expect(last.message.attachment.type).toBe('template');
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.length).toBeLessThanOrEqual(5);
    for (const b of buttons) {
      expect(b.type).toBe('oa.query.hide');
      expect(b.title.length).toBeLessThanOrEqual(100);
    }

    // The tap comes back as user text equal to the payload: handled as a payload.
    const tapped = buttons[0].payload;
    await post('user_send_text', { 'làm căn cước cần giấy tờ gì': tapped });
    expect(t.respond.mock.calls[1][0]).toMatchObject({ payload: tapped, text: undefined });

    // An intent id typed by hand that was not offered stays free text.
    await post('user_send_text', { 'làm căn cước cần giấy tờ gì': 'lienthong.death' });
    expect(t.respond.mock.calls[2][0]).toMatchObject({ text: 'lienthong.death', payload: undefined });
  });

  it('acknowledges the same event delivered three times but answers and logs it once', async () => {
    for (let i = 0; i < 3; i++) expect((await post('user_send_text', {}, 'same-msg-id')).status).toBe(200);
    expect(t.respond).toHaveBeenCalledTimes(1);
    const parts = t.channels.adapters.get('zalo')!.render(t.respond.mock.results[0].value.reply).length;
    expect(t.fake.sends('zalo')).toHaveLength(parts);
    expect(await t.inbox()).toHaveLength(1);
    expect(t.logs()).toContain('repeated webhook delivery ignored');
  });

  it('retries a 5xx and a rate limit, then delivers once', async () => {
    t.fake.failNext('5xx', 'rate-limit');
    await post('user_send_text');
    const parts = t.channels.adapters.get('zalo')!.render(t.respond.mock.results[0].value.reply).length;
    expect(t.fake.delivered('zalo')).toHaveLength(parts);
    expect(t.fake.sends('zalo')).toHaveLength(parts + 2);
    expect((await t.inbox())[0].state).toBe('delivered');
    expect(t.markDelivery).toHaveBeenLastCalledWith(expect.anything(), 'delivered', undefined);
  });

  it('records a permanent refusal (outside the 7-day window) as failed without retrying', async () => {
    t.fake.failNext('permanent');
    await post('user_send_text');
    expect(t.fake.sends('zalo')).toHaveLength(1);
    expect((await t.inbox())[0]).toMatchObject({ state: 'failed', error: expect.stringContaining('-230') });
    expect(t.markDelivery).toHaveBeenCalledWith(expect.anything(), 'failed', expect.stringContaining('-230'));
  });

  it('acknowledges an event from long ago (past EVENT_MAX_AGE_SECONDS and the 7-day window) and sends nothing', async () => {
    const body = fixture('zalo', 'user_send_text'); // timestamps of June 2024
    const res = await request(t.app)
      .post('/webhooks/zalo')
      .set('content-type', 'application/json')
      .set('x-zevent-signature', zaloSignature(body))
      .send(body);
    expect(res.status).toBe(200);
    await t.channels.delivery.idle();
    expect(t.fake.sends('zalo')).toHaveLength(0);
    expect(await t.inbox()).toHaveLength(0);
    expect(t.logs()).toContain('stale or future-dated events ignored');
  });

  it('refreshes an expired token once, stores the new pair, and resends', async () => {
    t.fake.failNext('expired-token');
    await post('user_send_text');
    expect(t.fake.requests.filter((r) => r.kind === 'refresh')).toHaveLength(1);
    const refresh = t.fake.requests.find((r) => r.kind === 'refresh')!;
    expect(refresh.headers['secret_key']).toBe(SECRETS.zaloAppSecret);
    expect(refresh.body).toEqual({
      refresh_token: 'zalo-refresh-0',
      app_id: '1234567890123456789',
      grant_type: 'refresh_token',
    });
    expect(t.fake.delivered('zalo').every((r) => r.headers['access_token'] === 'zalo-access-1')).toBe(true);
    expect((await t.inbox())[0].state).toBe('delivered');
    expect(
      await selectRow(t.db, "SELECT access_token, refresh_token FROM channel_tokens WHERE channel = 'zalo'"),
    ).toEqual({
      access_token: 'zalo-access-1',
      refresh_token: 'zalo-refresh-1',
    });
    expect(t.logs()).not.toContain('zalo-access-1');
    expect(t.logs()).not.toContain('zalo-refresh-1');
  });

  it('serialises refreshes: two sends hitting -216 together use one single-use refresh token', async () => {
    t.fake.zalo.accessToken = 'rotated-by-zalo';
    t.fake.zalo.refreshDelayMs = 150;
    const first = fixtureWith('zalo', 'user_send_text', { a3f1c0d6e2b94a57b8e1: 'c1' });
    const second = fixtureWith('zalo', 'user_send_text', {
      a3f1c0d6e2b94a57b8e1: 'c2',
      [BIG_ID]: '1111111111111111111',
    });
    await Promise.all(
      [first, second].map((body) =>
        request(t.app)
          .post('/webhooks/zalo')
          .set('content-type', 'application/json')
          .set('x-zevent-signature', zaloSignature(body))
          .send(body),
      ),
    );
    await t.channels.delivery.idle();
    expect(t.fake.zalo.refreshes).toBe(1);
    expect(t.fake.requests.filter((r) => r.kind === 'refresh')).toHaveLength(1);
    expect(repliesTo(BIG_ID).length).toBeGreaterThan(0);
    expect(repliesTo('1111111111111111111').length).toBeGreaterThan(0);
    expect((await t.inbox()).map((r) => r.state)).toEqual(['delivered', 'delivered']);
  });

  it.each([
    ['missing', undefined, 401],
    ['wrong', 'mac=' + '0'.repeat(64), 403],
    ['signed with the app secret instead of the OA key', 'app-secret', 403],
  ])(
    'rejects a %s signature, stores nothing and logs a warning without secrets',
    async (_what, signature, status) => {
      const body = fixtureWith('zalo', 'user_send_text');
      const req = request(t.app).post('/webhooks/zalo').set('content-type', 'application/json');
      if (signature === 'app-secret')
        req.set('x-zevent-signature', zaloSignature(body, SECRETS.zaloAppSecret));
      else if (signature) req.set('x-zevent-signature', signature);
      const res = await req.send(body);
      expect(res.status).toBe(status);
      await t.channels.delivery.idle();
      expect(await t.inbox()).toHaveLength(0);
      expect(t.fake.requests).toHaveLength(0);
      expect(t.logs()).toContain('webhook call rejected');
      for (const secret of Object.values(SECRETS)) expect(t.logs()).not.toContain(secret);
      expect(t.logs()).not.toContain(zaloSignature(body));
    },
  );

  it('rejects a body changed after signing', async () => {
    const body = fixtureWith('zalo', 'user_send_text');
    const res = await request(t.app)
      .post('/webhooks/zalo')
      .set('content-type', 'application/json')
      .set('x-zevent-signature', zaloSignature(body))
      .send(body.replace('căn cước', 'hộ chiếu'));
    expect(res.status).toBe(403);
    expect(await t.inbox()).toHaveLength(0);
  });

  it('greets a new follower and a "chat now" click', async () => {
    await post('follow');
    await post('user_click_chatnow');
    expect(t.respond.mock.calls.map((c) => c[0].payload)).toEqual(['greeting', 'greeting']);
    expect(repliesTo(BIG_ID).length).toBeGreaterThanOrEqual(2);
  });

  it('keeps no raw Zalo id in the dedupe keys of follow and "chat now" events, and still dedupes their retries', async () => {
    const followBody = fixtureWith('zalo', 'follow');
    const chatNowBody = fixtureWith('zalo', 'user_click_chatnow');
    for (const body of [followBody, followBody, chatNowBody, chatNowBody])
      expect(
        (
          await request(t.app)
            .post('/webhooks/zalo')
            .set('content-type', 'application/json')
            .set('x-zevent-signature', zaloSignature(body))
            .send(body)
        ).status,
      ).toBe(200);
    await t.channels.delivery.idle();
    // Each retry was recognised: two events stored, two answered, two logged.
    expect(await t.inbox()).toHaveLength(2);
    expect(t.respond).toHaveBeenCalledTimes(2);
    const keys = await selectRows(t.db, 'SELECT event_id FROM channel_inbox');
    const logged = await selectRows(t.db, 'SELECT * FROM interactions');
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(keys)).not.toContain(BIG_ID);
    expect(JSON.stringify(logged)).not.toContain(BIG_ID);
  });

  it('answers a sticker with the polite "text only" message', async () => {
    await post('user_send_sticker');
    const text = (t.fake.delivered('zalo')[0].body as { message: { text: string } }).message.text;
    expect(text).toMatch(/chỉ đọc được tin nhắn dạng chữ/);
  });

  it('ignores receipts, unfollows and echoes of its own messages', async () => {
    for (const name of [
      'user_received_message',
      'user_seen_message',
      'oa_send_text',
      'unfollow',
      'user_submit_info',
    ])
      expect((await post(name)).status).toBe(200);
    expect(await t.inbox()).toHaveLength(0);
    expect(t.fake.requests).toHaveLength(0);
  });
});

describe('Zalo OA channel, asking for feedback after every answer', () => {
  const t = useChannelApp({ FEEDBACK_EVERY: '1' });

  async function ask(text: string) {
    const res = await postFixture(t, 'user_send_text', `msg-fb-${text}`, {
      'làm căn cước cần giấy tờ gì': text,
    });
    expect(res.status).toBe(200);
    return t.fake.delivered('zalo').at(-1)!.body as {
      message: { text: string; attachment: { payload: { buttons: { payload: string }[] } } };
    };
  }
  const skips = () =>
    t
      .logs()
      .split('\n')
      .filter((l) => l.includes('feedback question left out'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it("keeps every button of an answer that fills Zalo's 5, and logs the feedback question it left out", async () => {
    // vneid.level2: 2 guide buttons + 3 quick replies (content:check warns: no room for 👍/👎).
    const last = await ask('đăng ký vneid mức 2');
    expect(t.respond.mock.results[0].value.answerId).toBe('vneid.level2');
    expect(last.message.attachment.payload.buttons.map((b) => b.payload)).toEqual([
      '#next',
      '#all',
      'vneid.account',
      'proc.id_card',
      'vneid.documents',
    ]);
    expect(JSON.stringify(t.fake.delivered('zalo'))).not.toContain('#fb:');
    expect(skips()).toEqual([
      expect.objectContaining({ channel: 'zalo', answer: 'vneid.level2', buttons: 5 }),
    ]);
    // Nothing had to be cut at the last guard.
    expect(t.logs()).not.toContain('the last ones were left out');
  });

  it('asks with 👍/👎 under an answer that leaves room for them, and logs nothing', async () => {
    // office.hours: no steps, 3 quick replies; the feedback buttons make 5.
    const last = await ask('giờ làm việc của ủy ban xã');
    expect(t.respond.mock.results[0].value.answerId).toBe('office.hours');
    const buttons = last.message.attachment.payload.buttons.map((b) => b.payload);
    expect(buttons).toHaveLength(5);
    expect(buttons.filter((p) => p.startsWith('#fb:'))).toHaveLength(2);
    expect(skips()).toEqual([]);
  });
});
