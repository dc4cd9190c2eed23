/**
 * The platforms' APIs go down for a while (connections refused) and come back: messages
 * keep being acknowledged meanwhile, sends are retried with backoff, and afterwards every
 * reply has been delivered exactly once.
 */
import request from 'supertest';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import { checkExactlyOnceAt, heldOutTexts, signedCall, type SignedCall } from '../support/webhook-load';
import { until } from '../support/until';

describe('a platform API that is down for a while', () => {
  // The test decides when the outage ends, so the retry budget must outlast any outage a busy
  // machine stretches it to: waits of 100-200 ms, 1000 tries (over 100 s, beyond jest's hang guard).
  // The fake platform runs on the bot's event loop, so the turns answering other citizens stall
  // it too, and on a busy machine a send's timeout would measure the bot's own work, not the
  // platform's silence: the fake answers a request it read late, the bot has given up on it as
  // "maybe delivered" and sends it again. This test is about refused connections, not
  // timeouts (maybe-delivered.test.ts, stalled-loop.test.ts): no send here times out.
  const t = useChannelApp({
    SEND_RETRY_BASE_MS: '100',
    SEND_RETRY_MAX_MS: '200',
    SEND_MAX_ATTEMPTS: '1000',
    SEND_TIMEOUT_MS: '600000',
  });

  it('delivers every reply once it is back, and acknowledges webhooks meanwhile', async () => {
    const texts = heldOutTexts();
    const calls: SignedCall[] = [];
    const send = async (n: number) => {
      const call = signedCall(n, 'down', texts[(n * 7) % texts.length], LOAD_SECRETS);
      const res = await request(t.app).post(call.path).set(call.headers).send(call.body);
      expect(res.status).toBe(200);
      calls.push(call);
    };

    await t.fake.goDown();
    for (let n = 0; n < 12; n++) await send(n);
    // Sends are failing now (connection refused) and being retried: wait for a retry (an
    // event), not for a length of time that a busy machine may not give.
    await until(() => t.logs().includes('send failed; retrying'));
    expect((await t.inbox()).every((r) => r.state !== 'delivered')).toBe(true);
    for (let n = 12; n < 15; n++) await send(n);
    await t.fake.comeBack();
    await t.channels.delivery.idle();

    const check = await checkExactlyOnceAt(
      t.config.DATABASE_PATH,
      calls,
      (channel, recipient) => t.fake.sendsTo(channel, recipient).filter((r) => r.outcome === 'ok').length,
    );
    expect(check).toEqual({ stored: 15, lost: [], notDelivered: [], loggedWrongly: [], partsMismatch: [] });
    expect(t.logs()).toContain('send failed; retrying');
    expect(t.logs()).toContain('ECONNREFUSED');
  });
});
