/**
 * A send that timed out may have been delivered: the request was written, the answer never
 * came (issue #13, finding 19: one message went out 5 times during a 10 s hang). It is
 * tried at most once more, then recorded as failed "maybe delivered", never resent blindly.
 */
import request from 'supertest';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import { signedCall } from '../support/webhook-load';

describe('a platform that hangs', () => {
  const t = useChannelApp({ SEND_TIMEOUT_MS: '200', SEND_MAX_ATTEMPTS: '8', SEND_RETRY_BASE_MS: '10' });

  it.each([
    ['zalo', 0],
    ['messenger', 1],
    ['telegram', 2],
  ] as const)(
    '%s: a timed-out send is tried at most twice, then recorded as maybe delivered',
    async (platform, n) => {
      t.fake.failing.set(platform, 'timeout');
      const call = signedCall(n, 'hang', 'làm căn cước ở đâu', LOAD_SECRETS);
      expect((await request(t.app).post(call.path).set(call.headers).send(call.body)).status).toBe(200);
      await t.channels.delivery.idle();
      expect(t.fake.sends(platform)).toHaveLength(2);
      const [row] = await t.inbox();
      expect(row.state).toBe('failed');
      expect(row.error).toMatch(/maybe delivered/);
      t.fake.recover(platform);
    },
  );
});
