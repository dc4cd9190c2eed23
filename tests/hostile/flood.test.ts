/**
 * Flood control end to end with the default limits (10 messages per 10 s): one citizen
 * sending 30 messages at once gets 10 answers and one slow-down reply; every message is
 * still logged; other citizens are unaffected.
 */
import request from 'supertest';
import { FakePlatform } from '../support/fake-platform';
import { buildTestApp } from '../support/app';
import { buildChannelApp, channelEnv, fixtureWith, SECRETS } from '../channels/helpers';
import { selectRow } from '../support/rows';

const DEFAULT_LIMITS = { FLOOD_MAX_MESSAGES: '10', FLOOD_WINDOW_SECONDS: '10' };
const SLOW_DOWN = /nhắn hơi nhanh/;

describe('flood control through the web chat', () => {
  const { app, db } = buildTestApp(DEFAULT_LIMITS);
  afterAll(() => db.close());

  it('answers 10 of 30 rapid messages, then says "slow down" once, and logs all 30', async () => {
    const bodies: { replies: { text?: string }[] }[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await request(app)
        .post('/api/chat')
        .send({ userId: 'flooder', text: `làm thẻ căn cước ${i}` });
      expect(res.status).toBe(200);
      bodies.push(res.body);
    }
    const answered = bodies.filter(
      (b) => b.replies.length > 0 && !SLOW_DOWN.test(b.replies.at(-1)!.text ?? ''),
    );
    const slowDowns = bodies.filter((b) => b.replies.some((r) => SLOW_DOWN.test(r.text ?? '')));
    const silent = bodies.filter((b) => b.replies.length === 0);
    expect(answered).toHaveLength(10);
    expect(slowDowns).toHaveLength(1);
    expect(silent).toHaveLength(19);

    const logged = (await selectRow(db, "SELECT count(*) AS n FROM interactions WHERE channel = 'web'")) as {
      n: number;
    };
    expect(logged.n).toBe(30);
    const flood = (await selectRow(db, "SELECT count(*) AS n FROM interactions WHERE kind = 'flood'")) as {
      n: number;
    };
    expect(flood.n).toBe(20);

    const neighbour = await request(app)
      .post('/api/chat')
      .send({ userId: 'neighbour', text: 'làm thẻ căn cước' });
    expect(neighbour.body.intent).toBe('proc.id_card');
  });
});

describe('flood control through a platform channel (Telegram)', () => {
  let fake: FakePlatform;
  let t: ReturnType<typeof buildChannelApp>;

  beforeAll(async () => {
    fake = await FakePlatform.start();
    t = buildChannelApp(channelEnv(fake, DEFAULT_LIMITS));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('sends 10 answers and one slow-down message for a burst of 30; every event ends delivered', async () => {
    for (let i = 1; i <= 30; i++) {
      const body = fixtureWith('telegram', 'text', {
        '"update_id": 9123450': `"update_id": ${700000 + i}`,
        '"message_id": 101': `"message_id": ${700000 + i}`,
      });
      const res = await request(t.app)
        .post('/webhooks/telegram')
        .set('content-type', 'application/json')
        .set('x-telegram-bot-api-secret-token', SECRETS.telegramWebhookSecret)
        .send(body);
      expect(res.status).toBe(200);
    }
    await t.channels.delivery.idle();
    const texts = fake.delivered('telegram').map((r) => (r.body as { text: string }).text);
    expect(texts.filter((x) => SLOW_DOWN.test(x))).toHaveLength(1);
    const answers = t.respond.mock.results.filter((r) => r.value.control !== 'flood');
    expect(answers).toHaveLength(10);
    expect((await t.inbox()).every((row) => row.state === 'delivered')).toBe(true);
    expect(await t.inbox()).toHaveLength(30);
  });
});
