/**
 * Security properties of the whole server: headers, no internals in error responses, the
 * dashboard closed without a login, and no secret in the log even at the chattiest level.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import request from 'supertest';
import { buildTestApp, tempDir } from '../support/app';
import { FakePlatform } from '../support/fake-platform';
import { startServer } from '../support/process';
import { channelEnv, fixtureWith, messengerSignature, SECRETS, zaloSignature } from '../channels/helpers';

const ADMIN_PASSWORD = 'correct-horse-battery-staple-42';

describe('HTTP security', () => {
  const { app, db, runtime } = buildTestApp({ ADMIN_PASSWORD });
  afterAll(() => db.close());

  it('sends security headers on the chat page while keeping it embeddable', async () => {
    const res = await request(app).get('/');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors \*/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBeUndefined();
    const widget = await request(app).get('/widget.js');
    expect(widget.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });

  it('forbids framing the dashboard', async () => {
    const res = await request(app).get('/admin/login');
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('answers an internal failure with a bare 500: no stack, no message, no path', async () => {
    const spy = jest.spyOn(runtime, 'respond').mockImplementation(() => {
      throw new Error('boom at /work/secret/path.ts with token abc123');
    });
    const res = await request(app).post('/api/chat').send({ userId: 'u1', text: 'xin chào' });
    spy.mockRestore();
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal error' });
    expect(res.text).not.toMatch(/boom|secret|abc123|\bat\s/);
  });

  it.each([
    ['GET', '/admin'],
    ['GET', '/admin/api/overview'],
    ['GET', '/admin/unanswered'],
    ['GET', '/admin/feedback'],
    ['GET', '/admin/handoffs'],
    ['GET', '/admin/privacy'],
    ['GET', '/admin/export/report.csv'],
    ['GET', '/admin/export/unanswered.csv'],
    ['POST', '/admin/handoffs/1/done'],
    ['POST', '/admin/privacy/erase'],
  ])('keeps %s %s closed without a login', async (method, url) => {
    const res = method === 'GET' ? await request(app).get(url) : await request(app).post(url).send('id=x');
    expect([302, 303, 401]).toContain(res.status);
    if (res.status !== 401) expect(res.headers.location).toBe('/admin/login');
  });

  it('keeps the dashboard closed with a forged or stale cookie', async () => {
    const res = await request(app)
      .get('/admin/api/overview')
      .set('cookie', `tthc_admin=${crypto.randomBytes(32).toString('hex')}`);
    expect(res.status).toBe(401);
  });
});

describe('secrets in the log', () => {
  let fake: FakePlatform;
  beforeAll(async () => {
    fake = await FakePlatform.start();
  });
  afterAll(() => fake.close());

  it('never prints any secret, even at trace level, across webhooks, sends, logins and failures', async () => {
    const env: Record<string, string> = {
      ...channelEnv(fake),
      DATABASE_PATH: path.join(tempDir(), 'bot.sqlite'),
      LOG_LEVEL: 'trace',
      ADMIN_PASSWORD,
      PSEUDONYM_SECRET: 'pseudonym-secret-never-logged-0123456789',
      OFFICER_TELEGRAM_CHAT_ID: '-100987654321',
    };
    const secrets = [
      env.ZALO_APP_SECRET,
      env.ZALO_OA_SECRET_KEY,
      env.ZALO_ACCESS_TOKEN,
      env.ZALO_REFRESH_TOKEN,
      env.MESSENGER_APP_SECRET,
      env.MESSENGER_VERIFY_TOKEN,
      env.MESSENGER_PAGE_ACCESS_TOKEN,
      env.TELEGRAM_BOT_TOKEN,
      env.TELEGRAM_BOT_TOKEN.split(':')[1],
      env.TELEGRAM_WEBHOOK_SECRET,
      ADMIN_PASSWORD,
      env.PSEUDONYM_SECRET,
    ];
    const server = await startServer(env);
    const post = (url: string, body: string, headers: Record<string, string>) =>
      fetch(`${server.baseUrl}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    try {
      // Good and bad signatures on every channel; a token refresh (expired token on Zalo).
      fake.failNext('expired-token');
      const zalo = fixtureWith('zalo', 'user_send_text');
      await post('/webhooks/zalo', zalo, { 'x-zevent-signature': zaloSignature(zalo) });
      await post('/webhooks/zalo', zalo, { 'x-zevent-signature': 'mac=00' });
      const messenger = fixtureWith('messenger', 'text');
      await post('/webhooks/messenger', messenger, { 'x-hub-signature-256': messengerSignature(messenger) });
      await post('/webhooks/messenger', messenger, { 'x-hub-signature-256': 'sha256=bad' });
      await fetch(
        `${server.baseUrl}/webhooks/messenger?hub.mode=subscribe&hub.verify_token=${SECRETS.messengerVerifyToken}&hub.challenge=42`,
      );
      const telegram = fixtureWith('telegram', 'text');
      await post('/webhooks/telegram', telegram, {
        'x-telegram-bot-api-secret-token': SECRETS.telegramWebhookSecret,
      });
      await post('/webhooks/telegram', telegram, { 'x-telegram-bot-api-secret-token': 'wrong' });
      // A handoff posts to the officers' group through the bot token.
      await post('/api/chat', JSON.stringify({ userId: 'u-sec', text: 'cho tôi gặp cán bộ' }), {});
      // Failed and successful logins.
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      await fetch(`${server.baseUrl}/admin/login`, { method: 'POST', headers: form, body: 'password=wrong' });
      await fetch(`${server.baseUrl}/admin/login`, {
        method: 'POST',
        headers: form,
        body: `password=${encodeURIComponent(ADMIN_PASSWORD)}`,
        redirect: 'manual',
      });
      // Let the sends finish (an event: jest's timeout is the only clock).
      await fake.waitFor(() => fake.delivered().length >= 3);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(1000); // trace level really logged things
    for (const secret of secrets)
      expect({ secret, found: logs.includes(secret) }).toEqual({ secret, found: false });
  });
});
