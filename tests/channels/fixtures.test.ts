/**
 * Every fixture (tests/fixtures/<channel>/, origins in tests/fixtures/README.md) through the
 * real webhook route, signed as the platform signs it, against the fake platform that
 * refuses what the real APIs refuse: each is acknowledged with 200, nothing crashes, and
 * every request the server makes to the platform is one the platform accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { fixtureWith, messengerSignature, SECRETS, useChannelApp, zaloSignature } from './helpers';

const CHANNELS = ['zalo', 'messenger', 'telegram'] as const;
const names = (channel: string) =>
  fs
    .readdirSync(path.join(__dirname, '..', 'fixtures', channel))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));

describe.each(CHANNELS)('%s fixtures through the webhook', (channel) => {
  const t = useChannelApp({ FEEDBACK_EVERY: '1' });

  it.each(names(channel))('%s: 200, and every platform request accepted', async (name) => {
    const body = fixtureWith(channel, name);
    const req = request(t.app).post(`/webhooks/${channel}`).set('content-type', 'application/json');
    if (channel === 'zalo') req.set('x-zevent-signature', zaloSignature(body));
    if (channel === 'messenger') req.set('x-hub-signature-256', messengerSignature(body));
    if (channel === 'telegram') req.set('x-telegram-bot-api-secret-token', SECRETS.telegramWebhookSecret);
    const res = await req.send(body);
    expect(res.status).toBe(200);
    await t.channels.delivery.idle();
    const refused = t.fake.requests.filter((r) => r.outcome !== 'ok').map((r) => `${r.path} ${r.text}`);
    expect(refused).toEqual([]);
    expect((await t.inbox()).filter((r) => r.state !== 'delivered')).toEqual([]);
  });
});
