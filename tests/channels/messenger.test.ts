import request from 'supertest';
import { useChannelApp, fixtureWith, messengerSignature, SECRETS } from './helpers';
import { selectRows } from '../support/rows';

const PSID = '6912345678901234';

interface SentMessage {
  recipient: { id: string };
  messaging_type: string;
  message: { text: string; quick_replies?: { content_type: string; title: string; payload: string }[] };
}

describe('Facebook Messenger channel', () => {
  let seq = 0;
  const t = useChannelApp();

  async function post(name: string, replace: Record<string, string> = {}, fresh = true) {
    const ids: Record<string, string> = fresh ? { m_: `m_${++seq}_` } : {};
    const body = fixtureWith('messenger', name, { ...ids, ...replace });
    const res = await request(t.app)
      .post('/webhooks/messenger')
      .set('content-type', 'application/json')
      .set('x-hub-signature-256', messengerSignature(body))
      .send(body);
    await t.channels.delivery.idle();
    return res;
  }

  describe('GET verification', () => {
    it('echoes hub.challenge when the verify token matches', async () => {
      const res = await request(t.app).get('/webhooks/messenger').query({
        'hub.mode': 'subscribe',
        'hub.verify_token': SECRETS.messengerVerifyToken,
        'hub.challenge': '1158201444',
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe('1158201444');
    });

    it('answers 403 to a wrong verify token', async () => {
      const res = await request(t.app)
        .get('/webhooks/messenger')
        .query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' });
      expect(res.status).toBe(403);
      expect(res.text).not.toContain('1');
    });
  });

  it('answers a signed text message through the Send API, with quick replies within the limits', async () => {
    const res = await post('text');
    expect(res.status).toBe(200);
    const sent = t.fake.delivered('messenger');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const r of sent) {
      expect(r.query.get('access_token')).toBe(SECRETS.messengerPageToken);
      const body = r.body as SentMessage;
      expect(body.recipient).toEqual({ id: PSID });
      expect(body.messaging_type).toBe('RESPONSE');
      expect(body.message.text.length).toBeLessThanOrEqual(2000);
    }
    const last = sent.at(-1)!.body as SentMessage;
    expect(last.message.quick_replies!.length).toBeGreaterThan(0);
    expect(last.message.quick_replies!.length).toBeLessThanOrEqual(13);
    for (const q of last.message.quick_replies!) {
      expect(q.content_type).toBe('text');
      expect(Array.from(q.title).length).toBeLessThanOrEqual(20);
    }
    expect(t.respond.mock.results[0].value.intent).toBe('greeting');
    expect((await t.inbox())[0]).toMatchObject({ channel: 'messenger', user_id: PSID, state: 'delivered' });
  });

  it('treats a quick-reply tap and a menu postback as payloads, and Get Started as the greeting', async () => {
    await post('quick_reply');
    await post('postback_menu', {}, false);
    await post('postback_get_started');
    expect(t.respond.mock.calls.map((c) => c[0].payload)).toEqual(['proc.id_card', 'dvc.about', 'greeting']);
  });

  it('acknowledges the same event delivered three times but answers and logs it once', async () => {
    for (let i = 0; i < 3; i++) expect((await post('text', {}, false)).status).toBe(200);
    expect(t.respond).toHaveBeenCalledTimes(1);
    const parts = t.channels.adapters.get('messenger')!.render(t.respond.mock.results[0].value.reply).length;
    expect(t.fake.sends('messenger')).toHaveLength(parts);
  });

  it('keeps no raw sender id in the dedupe key of a postback without mid, and still dedupes its retry', async () => {
    const body = fixtureWith('messenger', 'postback_menu');
    for (let i = 0; i < 2; i++)
      expect(
        (
          await request(t.app)
            .post('/webhooks/messenger')
            .set('content-type', 'application/json')
            .set('x-hub-signature-256', messengerSignature(body))
            .send(body)
        ).status,
      ).toBe(200);
    await t.channels.delivery.idle();
    expect(await t.inbox()).toHaveLength(1);
    expect(t.respond).toHaveBeenCalledTimes(1);
    const keys = await selectRows(t.db, 'SELECT event_id FROM channel_inbox');
    const logged = await selectRows(t.db, 'SELECT * FROM interactions');
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(keys)).not.toContain('6912345678901234');
    expect(JSON.stringify(logged)).not.toContain('6912345678901234');
  });

  it('answers every event of a batched delivery and skips the read receipt inside it', async () => {
    await post('batched', {}, false);
    expect(t.respond).toHaveBeenCalledTimes(2);
    const recipients = new Set(
      t.fake.delivered('messenger').map((r) => (r.body as SentMessage).recipient.id),
    );
    expect(recipients).toEqual(new Set([PSID, '6987654321098765']));
  });

  it('retries a 5xx and a rate limit (613), then delivers once', async () => {
    t.fake.failNext('5xx', 'rate-limit');
    await post('text');
    const parts = t.channels.adapters.get('messenger')!.render(t.respond.mock.results[0].value.reply).length;
    expect(t.fake.delivered('messenger')).toHaveLength(parts);
    expect(t.fake.sends('messenger')).toHaveLength(parts + 2);
    expect((await t.inbox())[0].state).toBe('delivered');
  });

  it('records "outside the 24-hour window" as failed and does not retry', async () => {
    t.fake.failNext('permanent');
    await post('text');
    expect(t.fake.sends('messenger')).toHaveLength(1);
    expect((await t.inbox())[0]).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('10/2018278'),
    });
    expect(t.markDelivery).toHaveBeenCalledWith(
      expect.anything(),
      'failed',
      expect.stringContaining('2018278'),
    );
  });

  it('gives up after SEND_MAX_ATTEMPTS transient failures and records the failure', async () => {
    const attempts = t.config.SEND_MAX_ATTEMPTS;
    t.fake.failNext(...Array<'5xx'>(attempts + 1).fill('5xx'));
    await post('text');
    expect(t.fake.sends('messenger')).toHaveLength(attempts);
    expect((await t.inbox())[0]).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(new RegExp(`gave up after ${attempts} attempts`)),
    });
  });

  it('retries a timeout', async () => {
    t.fake.failNext('timeout');
    await post('text');
    expect(t.fake.requests.filter((r) => r.outcome === 'held')).toHaveLength(1);
    expect((await t.inbox())[0].state).toBe('delivered');
  });

  it('answers a photo, a sticker and a location with the polite "text only" message', async () => {
    for (const name of ['image', 'sticker', 'location']) await post(name);
    expect(t.respond.mock.calls.map((c) => c[0].payload)).toEqual([
      '#unsupported',
      '#unsupported',
      '#unsupported',
    ]);
    expect((t.fake.delivered('messenger')[0].body as SentMessage).message.text).toMatch(/chỉ đọc được/);
  });

  it('ignores echoes, delivery and read events', async () => {
    for (const name of ['echo', 'delivery', 'read']) expect((await post(name)).status).toBe(200);
    expect(await t.inbox()).toHaveLength(0);
    expect(t.fake.requests).toHaveLength(0);
  });

  it.each([
    ['missing', undefined, 401],
    ['wrong', 'sha256=' + 'ab'.repeat(32), 403],
    ['malformed', 'sha1=abc', 403],
  ])(
    'rejects a %s signature, stores nothing and logs a warning without secrets',
    async (_w, signature, status) => {
      const body = fixtureWith('messenger', 'text');
      const req = request(t.app).post('/webhooks/messenger').set('content-type', 'application/json');
      if (signature) req.set('x-hub-signature-256', signature);
      const res = await req.send(body);
      expect(res.status).toBe(status);
      expect(await t.inbox()).toHaveLength(0);
      expect(t.fake.requests).toHaveLength(0);
      expect(t.logs()).toContain('webhook call rejected');
      for (const secret of Object.values(SECRETS)) expect(t.logs()).not.toContain(secret);
    },
  );

  it('verifies the exact bytes Meta sent (escaped unicode), not re-serialised JSON', async () => {
    const body = fixtureWith('messenger', 'text', { 'xin chào': 'xin ch\\u00e0o' });
    const res = await request(t.app)
      .post('/webhooks/messenger')
      .set('content-type', 'application/json')
      .set('x-hub-signature-256', messengerSignature(body))
      .send(body);
    expect(res.status).toBe(200);
    await t.channels.delivery.idle();
    expect(t.respond.mock.calls[0][0].text).toBe('xin chào');
  });
});
