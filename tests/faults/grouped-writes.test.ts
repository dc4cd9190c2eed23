/**
 * The delivery queue's writes after the ack share one commit per turn of the event loop
 * (src/channels/group-commit.ts): several citizens' turns, parts' progress and outcomes go
 * into one transaction. Here one citizen's outcome cannot be stored (it fails as on a full
 * disk, again and again), so every group it lands in is undone, with the other citizens'
 * writes in it. Nothing may be lost or sent twice for that: each event of every citizen is
 * answered, logged and delivered once, its parts sent once, and each citizen's turns run in
 * order — a turn only once the citizen's previous event is delivered in the file.
 */
import Database from 'better-sqlite3';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import type { Platform } from '../support/fake-platform';
import { failUpdates, stopFailingUpdates } from '../support/rows';
import { until } from '../support/until';
import { heldOutTexts, signedCall, type SignedCall } from '../support/webhook-load';
import { describeSqliteOnly } from '../support/test-engine';

const CITIZENS = 6;
const MESSAGES_EACH = 3;

describeSqliteOnly('groups the SQLite delivery writes')('grouped delivery writes', () => {
  const t = useChannelApp({ FLOOD_MAX_MESSAGES: '1000' });

  it('loses nothing and sends nothing twice when one write of a group cannot be stored, and keeps each citizen in order', async () => {
    const texts = heldOutTexts();
    const calls: SignedCall[][] = Array.from({ length: CITIZENS }, (_, c) =>
      Array.from({ length: MESSAGES_EACH }, (_, m) => {
        const n = 3 * (c * MESSAGES_EACH + m) + (c % 3); // one channel per citizen
        return signedCall(n, 'group', texts[n % texts.length]!, LOAD_SECRETS, c);
      }),
    );
    const all = calls.flat();
    const sick = calls[0]![0]!;

    // Order: when a citizen's turn runs, every earlier event of theirs is final in the file.
    const reader = new Database(t.config.DATABASE_PATH, { readonly: true });
    const earlierOpen: string[] = [];
    t.respond.mockRestore();
    const respond = t.runtime.respond.bind(t.runtime);
    jest.spyOn(t.runtime, 'respond').mockImplementation((message, ...rest) => {
      const mine = calls.find((c) => c.some((call) => call.eventId === message.messageId)) ?? [];
      for (const earlier of mine.slice(
        0,
        mine.findIndex((call) => call.eventId === message.messageId),
      )) {
        const state = reader
          .prepare('SELECT state FROM channel_inbox WHERE channel = ? AND event_id = ?')
          .pluck()
          .get(earlier.channel, earlier.eventId);
        if (state !== 'delivered')
          earlierOpen.push(`${message.messageId} after ${earlier.eventId}: ${state}`);
      }
      return respond(message, ...rest);
    });

    // One citizen's first reply reaches the platform but its outcome cannot be stored.
    await failUpdates(
      t,
      'channel_inbox',
      `NEW.state = 'delivered' AND NEW.channel = '${sick.channel}' AND NEW.user_id = '${sick.recipient}'`,
    );
    const parked = () =>
      t
        .logs()
        .split('\n')
        .filter((l) => /event parked/.test(l)).length;
    for (const m of [0, 1, 2])
      await Promise.all(
        calls.map((mine) =>
          t.channels.delivery.accept(
            mine[m]!.channel,
            t.channels.adapters.get(mine[m]!.channel)!.parse(Buffer.from(mine[m]!.body)),
          ),
        ),
      );
    await until(() => parked() >= 3);
    await stopFailingUpdates(t, 'channel_inbox');
    await t.channels.delivery.idle();
    reader.close();

    const rows = t.db
      .prepare('SELECT channel, event_id, user_id, state, parts_sent FROM channel_inbox')
      .all() as { channel: string; event_id: string; user_id: string; state: string; parts_sent: number }[];
    expect(rows).toHaveLength(all.length);
    expect(rows.filter((r) => r.state !== 'delivered')).toEqual([]);
    const logged = t.db
      .prepare(
        "SELECT message_id, count(*) AS n FROM interactions WHERE channel != 'web' GROUP BY message_id",
      )
      .all() as { message_id: string; n: number }[];
    expect(logged.filter((r) => r.n !== 1)).toEqual([]);
    expect(logged).toHaveLength(all.length);
    // Every part the file says was sent reached the citizen once, and nothing else did.
    for (const mine of calls) {
      const { channel, recipient } = mine[0]!;
      const sent = rows.filter((r) => r.channel === channel && r.user_id === recipient);
      const received = t.fake.sendsTo(channel as Platform, recipient).filter((r) => r.outcome === 'ok');
      expect([recipient, received.length]).toEqual([recipient, sent.reduce((n, r) => n + r.parts_sent, 0)]);
    }
    expect(earlierOpen).toEqual([]);
  });
});
