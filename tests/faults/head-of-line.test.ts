/**
 * One failing platform must not delay the others (issue #13, finding 2): with the Zalo API
 * answering 500, Telegram replies waited 31 s, because failing sends held the workers
 * (shared by every channel) through their retry waits. Here Zalo fails for good with the
 * default retry settings (minutes of retries); a Telegram message sent afterwards must be
 * answered while every Zalo event is still being retried. Waits are on events; the only
 * clock is jest's timeout, which a regression hits.
 */
import request from 'supertest';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import { signedCall } from '../support/webhook-load';
import { until } from '../support/until';

describe('head-of-line blocking between channels', () => {
  // The defaults: 8 tries starting at 1 s (about 2 minutes of retries), 4 workers.
  const t = useChannelApp({
    SEND_RETRY_BASE_MS: '1000',
    SEND_MAX_ATTEMPTS: '8',
    CHANNEL_CONCURRENCY: '4',
    SEND_TIMEOUT_MS: '10000',
  });

  const post = async (n: number) => {
    const call = signedCall(n, 'hol', 'làm căn cước ở đâu', LOAD_SECRETS);
    const res = await request(t.app).post(call.path).set(call.headers).send(call.body);
    expect(res.status).toBe(200);
  };

  it('answers Telegram while every Zalo send is failing and being retried', async () => {
    t.fake.failing.set('zalo', '5xx');
    const zalo = [0, 3, 6, 9, 12, 15, 18, 21]; // eight Zalo citizens (signedCall: n % 3 === 0)
    for (const n of zalo) await post(n);
    // Every Zalo event has been tried and is now waiting to retry.
    await until(() => new Set(t.fake.sends('zalo').map((r) => JSON.stringify(r.body))).size >= zalo.length);

    await post(2); // a Telegram citizen
    await until(() => t.fake.delivered('telegram').length === 1);

    const zaloRows = (await t.inbox()).filter((r) => r.channel === 'zalo');
    expect(zaloRows).toHaveLength(zalo.length);
    expect(zaloRows.every((r) => r.state === 'answered')).toBe(true); // none given up yet
    expect(t.fake.delivered('zalo')).toHaveLength(0);
  });

  it('delivers the Zalo replies, each once, when the platform recovers', async () => {
    t.fake.failing.set('zalo', '5xx');
    for (const n of [0, 3]) await post(n);
    await until(() => t.fake.sends('zalo').length >= 2);
    t.fake.recover('zalo');
    await t.channels.delivery.idle();
    expect((await t.inbox()).map((r) => r.state)).toEqual(['delivered', 'delivered']);
    expect(t.fake.delivered('zalo')).toHaveLength(2);
  });
});
