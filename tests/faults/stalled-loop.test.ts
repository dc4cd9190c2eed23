/**
 * The bot's own event loop stalls (long synchronous turns on a busy machine) while a send is
 * on the wire, and the platform's answer arrives meanwhile. When the stall ends, the send's
 * timer is overdue and runs before the socket is read: the answer waiting there must still
 * count, or the part is sent again as "maybe delivered" and the citizen reads it twice (seen
 * in platform-down.test.ts under load: parts_sent 1, two sends accepted by the platform).
 */
import request from 'supertest';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import { signedCall } from '../support/webhook-load';

const TIMEOUT_MS = 200;

/** Blocks the event loop, as a long synchronous turn does. */
function stallLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

describe('an answer that arrives while the event loop is stalled', () => {
  const t = useChannelApp({ SEND_TIMEOUT_MS: String(TIMEOUT_MS), SEND_RETRY_BASE_MS: '10' });

  it.each([
    ['zalo', 0],
    ['messenger', 1],
    ['telegram', 2],
  ] as const)('%s: is read when the stall ends; the part is sent once', async (platform, n) => {
    // The answer is in the bot's socket; then the loop stalls well past the send's timeout.
    t.fake.afterAnswer = (record) => {
      if (record.kind !== 'send') return;
      t.fake.afterAnswer = undefined;
      stallLoop(TIMEOUT_MS * 3);
    };
    const call = signedCall(n, 'stall', 'làm căn cước ở đâu', LOAD_SECRETS);
    expect((await request(t.app).post(call.path).set(call.headers).send(call.body)).status).toBe(200);
    await t.channels.delivery.idle();
    expect(t.fake.sends(platform).map((r) => r.outcome)).toEqual(['ok']);
    expect((await t.inbox()).map((r) => [r.state, r.parts_sent])).toEqual([['delivered', 1]]);
    expect(t.logs()).not.toContain('maybe delivered');
  });
});
