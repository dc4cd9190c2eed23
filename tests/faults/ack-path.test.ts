/**
 * The ack path does one thing: store the event. The engine, the log and the sends run on a
 * later turn of the event loop, so a webhook's 200 never waits for them.
 */
import type { InboundEvent } from '../../src/channels/types';
import { useChannelApp } from '../channels/helpers';

describe('the webhook ack path', () => {
  const t = useChannelApp();

  const event = (n: number): InboundEvent => ({
    userId: `69000000000${n}`,
    eventId: `m_ack_${n}`,
    text: 'làm căn cước cần giấy tờ gì',
    timestamp: Date.now(),
  });

  it('stores the events and returns before the engine runs', async () => {
    await t.channels.delivery.accept('messenger', [event(1), event(2)]);
    // Stored and committed, not yet answered: the caller (the webhook handler) answers 200 now.
    expect((await t.inbox()).map((r) => r.state)).toEqual(['accepted', 'accepted']);
    expect(t.respond).not.toHaveBeenCalled();
    await t.channels.delivery.idle();
    expect(t.respond).toHaveBeenCalledTimes(2);
    expect((await t.inbox()).map((r) => r.state)).toEqual(['delivered', 'delivered']);
  });

  it('records every part sent, the last one with the final state', async () => {
    await t.channels.delivery.accept('messenger', [event(3)]);
    await t.channels.delivery.idle();
    const [row] = await t.inbox();
    expect(row.state).toBe('delivered');
    expect(t.fake.delivered('messenger').length).toBeGreaterThan(0);
    expect(row.parts_sent).toBe(t.fake.delivered('messenger').length);
  });
});
