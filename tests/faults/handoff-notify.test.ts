/**
 * A citizen asks for an officer, and the disk fills as the reply step commits: the step rolls
 * back, the request with it, and runs again once storing works (src/channels/delivery.ts; on PostgreSQL src/channels/shared-delivery.ts).
 * The officers' Telegram group must hear of the request once, after it is committed — it was
 * posted by every try, before the commit, and so once more for each retry.
 */
import request from 'supertest';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import { signedCall } from '../support/webhook-load';
import { until } from '../support/until';
import { failUpdates, selectRows, selectValue, stopFailingUpdates } from '../support/rows';

const OFFICERS = '-100987654321';

describe("the officers' notification of a handoff", () => {
  const t = useChannelApp({ OFFICER_TELEGRAM_CHAT_ID: OFFICERS });

  it('is posted once, after the request is committed, when the reply step is retried', async () => {
    // Only the reply step's last write fails (as on a full disk), after the request is filed.
    await failUpdates(t, 'channel_inbox', "NEW.state = 'answered'");
    const call = signedCall(0, 'handoff', 'tôi muốn gặp cán bộ', LOAD_SECRETS);
    expect((await request(t.app).post(call.path).set(call.headers).send(call.body)).status).toBe(200);

    // The event is parked (SQLite's delivery) or waits for the server to store (PostgreSQL's).
    await until(() => /event parked|PostgreSQL cannot store/.test(t.logs()));
    await t.handoffs.settled();
    expect(t.respond).toHaveBeenCalled();
    expect(await selectValue(t, 'SELECT count(*) FROM handoffs')).toBe(0);
    expect(t.fake.sendsTo('telegram', OFFICERS)).toHaveLength(0);

    await stopFailingUpdates(t, 'channel_inbox');
    await t.channels.delivery.idle();
    await t.handoffs.settled();
    expect((await t.inbox()).map((row) => row.state)).toEqual(['delivered']);
    const rows = (await selectRows(t, 'SELECT id, notified FROM handoffs')) as {
      id: number;
      notified: string;
    }[];
    expect(rows).toEqual([{ id: expect.any(Number), notified: 'sent' }]);
    const posts = t.fake.sendsTo('telegram', OFFICERS);
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0].body)).toContain(`#${rows[0].id}`);
  });
});
