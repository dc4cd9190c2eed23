/**
 * A full disk (issue #13, finding 3): the platform got 200, the reply step failed, the
 * events stayed "accepted" until a restart, one was marked failed for good, and /healthz said
 * ok throughout. Here every write fails as on a full disk (tests/support/disk-full.ts) — the
 * inbox insert, the reply step and the recording of a delivery alike — and then space
 * returns, in the same process:
 *
 *   - while full, a new webhook is not acknowledged (500: the platform sends it again) and
 *     /healthz answers 503 "unwritable" with the reason;
 *   - every event accepted before the episode is answered once space returns, exactly once,
 *     without a restart; none is marked failed;
 *   - a reply sent just as the disk filled is recorded afterwards, not sent a second time.
 *
 * Waits are on events (log lines, the queue going idle); the only clock is jest's timeout.
 */
import request from 'supertest';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import { fillDisk } from '../support/disk-full';
import type { Platform } from '../support/fake-platform';
import { checkExactlyOnce, signedCall, type SignedCall } from '../support/webhook-load';
import { until } from '../support/until';
import { describeSqliteOnly } from '../support/test-engine';

describeSqliteOnly('every write to the SQLite file fails as on a full disk')('a full disk', () => {
  const t = useChannelApp();

  /** Events whose processing ended in a storage failure: parked (or, before the fix, given up). */
  const parkedCount = () =>
    t
      .logs()
      .split('\n')
      .filter((l) => /event parked|could not compute a reply|processing failed/.test(l)).length;
  const health = () => request(t.app).get('/healthz');
  const post = (call: SignedCall) => request(t.app).post(call.path).set(call.headers).send(call.body);
  const exactlyOnce = (accepted: SignedCall[]) =>
    checkExactlyOnce(
      t.config.DATABASE_PATH,
      accepted,
      (channel, recipient) =>
        t.fake.sendsTo(channel as Platform, recipient).filter((r) => r.outcome === 'ok').length,
    );

  it('refuses new webhooks, reports unwritable, and answers every event accepted before, once, when space returns', async () => {
    // Six citizens on the three platforms, acknowledged (committed) in one group commit; the
    // disk fills before any reply step runs (the queue starts on a later turn of the loop).
    const accepted = Array.from({ length: 6 }, (_, n) =>
      signedCall(n, 'disk', 'làm căn cước ở đâu', LOAD_SECRETS),
    );
    await Promise.all(
      accepted.map((call) =>
        t.channels.delivery.accept(
          call.channel,
          t.channels.adapters.get(call.channel)!.parse(Buffer.from(call.body)),
        ),
      ),
    );
    const freeDisk = fillDisk(t.db);

    // Every reply step fails to store: each event is parked, none given up.
    await until(() => parkedCount() >= accepted.length);
    expect((await t.inbox()).map((r) => r.state)).toEqual(accepted.map(() => 'accepted'));
    expect(t.fake.sends()).toHaveLength(0);
    const sick = await health();
    expect(sick.status).toBe(503);
    expect(sick.body).toMatchObject({ ok: false, db: 'unwritable' });
    expect(sick.body.reason).toContain('SQLITE_FULL');

    // A webhook arriving now cannot be stored: not acknowledged, so the platform retries it.
    const late = signedCall(6, 'disk-late', 'đăng ký tạm trú', LOAD_SECRETS);
    expect((await post(late)).status).toBe(500);
    expect(await t.inbox()).toHaveLength(accepted.length);

    freeDisk();
    await t.channels.delivery.idle();
    expect(exactlyOnce(accepted)).toMatchObject({
      lost: [],
      notDelivered: [],
      loggedWrongly: [],
      partsMismatch: [],
    });
    expect(t.fake.sends().every((r) => r.outcome === 'ok')).toBe(true);

    // The platform's retry of the refused webhook is stored and answered; /healthz is well.
    expect((await post(late)).status).toBe(200);
    await t.channels.delivery.idle();
    expect(exactlyOnce([...accepted, late])).toMatchObject({
      stored: accepted.length + 1,
      lost: [],
      notDelivered: [],
      loggedWrongly: [],
      partsMismatch: [],
    });
    const well = await health();
    expect(well.status).toBe(200);
    expect(well.body).toMatchObject({ ok: true, db: 'ok' });
  });

  it('records a reply sent just as the disk filled once space returns, without sending it again', async () => {
    let freeDisk: (() => void) | undefined;
    // The platform takes the message; the disk fills before its answer reaches the bot.
    t.fake.onSend = () => {
      freeDisk ??= fillDisk(t.db);
    };
    const call = signedCall(2, 'disk-sent', 'làm căn cước ở đâu', LOAD_SECRETS);
    expect((await post(call)).status).toBe(200);

    await until(() => parkedCount() >= 1);
    const sent = t.fake.sends().length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect((await t.inbox()).map((r) => r.state)).toEqual(['answered']);
    expect((await health()).status).toBe(503);

    freeDisk!();
    await t.channels.delivery.idle();
    expect(exactlyOnce([call])).toMatchObject({
      lost: [],
      notDelivered: [],
      loggedWrongly: [],
      partsMismatch: [],
    });
    expect(t.fake.sends().every((r) => r.outcome === 'ok')).toBe(true);
    expect((await health()).status).toBe(200);
  });
});
