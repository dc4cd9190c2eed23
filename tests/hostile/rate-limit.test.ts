/**
 * Flooding from fresh ids (issue #13, finding 7): per-citizen flood control never sees 30
 * messages from 30 new ids, so 30 requests for an officer posted 30 messages into the
 * officers' Telegram group. /api/chat is limited per source address and overall, with a
 * Vietnamese message to the citizen; officer notifications are limited overall, and the
 * requests held back are counted in the next notification (all stay on the dashboard).
 */
import request from 'supertest';
import { limitedNotifier, NotificationHeld } from '../../src/admin/handoffs';
import { WindowLimiter } from '../../src/rate-limit';
import { buildTestApp } from '../support/app';
import { FakePlatform } from '../support/fake-platform';
import { selectValue } from '../support/rows';

const fresh = (n: number) => `fresh-${n}-${Math.random().toString(36).slice(2)}`;

describe('/api/chat rate limits', () => {
  it('answers a burst from one address up to its limit, then 429 in Vietnamese; other addresses go on', async () => {
    const { app, db } = buildTestApp({ CHAT_RATE_PER_ADDRESS: '20', TRUST_PROXY: 'loopback' });
    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 30; i++) {
      const res = await request(app)
        .post('/api/chat')
        .set('x-forwarded-for', '203.0.113.9')
        .send({ userId: fresh(i), text: 'cho tôi gặp cán bộ' });
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused!.body.error).toMatch(/^Hệ thống đang nhận quá nhiều tin nhắn/);
    const other = await request(app)
      .post('/api/chat')
      .set('x-forwarded-for', '198.51.100.4')
      .send({ userId: fresh(99), text: 'xin chào' });
    expect(other.status).toBe(200);
    db.close();
  });

  it('limits all addresses together too', async () => {
    const { app, db } = buildTestApp({ CHAT_RATE_TOTAL: '25', TRUST_PROXY: 'loopback' });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push(
        (
          await request(app)
            .post('/api/chat')
            .set('x-forwarded-for', `203.0.113.${i}`)
            .send({ userId: fresh(i), text: 'xin chào' })
        ).status,
      );
    expect(statuses.filter((s) => s === 200)).toHaveLength(25);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    db.close();
  });

  it('uses limits that a crowd behind one address and a busy commune stay under', () => {
    const { config, db } = buildTestApp({ CHAT_RATE_PER_ADDRESS: '', CHAT_RATE_TOTAL: '' });
    expect(config.CHAT_RATE_PER_ADDRESS).toBe(60);
    expect(config.CHAT_RATE_TOTAL).toBe(1200);
    db.close();
  });
});

describe('officer notifications', () => {
  let fake: FakePlatform;
  beforeAll(async () => {
    fake = await FakePlatform.start();
  });
  afterAll(() => fake.close());

  it('30 handoff requests from 30 fresh ids post at most OFFICER_NOTIFY_MAX messages; all 30 are recorded', async () => {
    const { app, db, handoffs, config } = buildTestApp({
      TELEGRAM_BOT_TOKEN: '7000000001:AAtelegram-token-for-tests',
      TELEGRAM_WEBHOOK_SECRET: 'secret_for_tests',
      TELEGRAM_API_ROOT: fake.baseUrl,
      OFFICER_TELEGRAM_CHAT_ID: '-100987654321',
      TRUST_PROXY: 'loopback',
    });
    for (let i = 0; i < 30; i++)
      await request(app)
        .post('/api/chat')
        .set('x-forwarded-for', `203.0.113.${i}`)
        .send({ userId: fresh(i), text: 'cho tôi gặp cán bộ' })
        .expect(200);
    await handoffs.settled();
    const posts = fake
      .delivered('telegram')
      .filter((r) => String((r.body as { chat_id: unknown }).chat_id) === '-100987654321');
    expect(posts).toHaveLength(config.OFFICER_NOTIFY_MAX);
    expect(await selectValue(db, 'SELECT count(*) FROM handoffs')).toBe(30);
    expect(await selectValue(db, "SELECT count(*) FROM handoffs WHERE notified = 'held'")).toBe(
      30 - config.OFFICER_NOTIFY_MAX,
    );
    db.close();
  });
});

describe('limitedNotifier', () => {
  it('holds posts over the limit and counts them in the next post that goes out', async () => {
    let now = 0;
    const sent: string[] = [];
    const notifier = limitedNotifier(
      { notify: async (text) => void sent.push(text) },
      new WindowLimiter({ limit: 1, windowMs: 1000 }, () => now),
    );
    await notifier.notify('#1');
    await expect(notifier.notify('#2')).rejects.toBeInstanceOf(NotificationHeld);
    await expect(notifier.notify('#3')).rejects.toBeInstanceOf(NotificationHeld);
    now = 1000;
    await notifier.notify('#4');
    expect(sent).toEqual(['#1', expect.stringMatching(/^#4\n\(Ngoài ra có 2 yêu cầu khác/)]);
  });
});

describe('WindowLimiter', () => {
  it('lets `limit` events per key through within the window, and says how long to wait', () => {
    let now = 0;
    const limiter = new WindowLimiter({ limit: 2, windowMs: 1000 }, () => now);
    expect(limiter.take('a')).toBe(0);
    now = 100;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(900);
    expect(limiter.take('b')).toBe(0);
    now = 1001;
    expect(limiter.take('a')).toBe(0);
  });

  it('forgets the least recently seen key first when it tracks too many', () => {
    const limiter = new WindowLimiter({ limit: 1, windowMs: 1000, maxKeys: 2 }, () => 0);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.size).toBe(2);
    expect(limiter.take('a')).toBe(0); // forgotten, so allowed again: memory stays bounded
  });
});
