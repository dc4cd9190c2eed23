import request from 'supertest';
import { useChannelApp, fixtureWith, SECRETS } from './helpers';
import { selectRow, selectRows } from '../support/rows';

const CHAT = '5012345678';

interface SentMessage {
  chat_id: string;
  text: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data?: string; url?: string }[][] };
}

describe('Telegram channel (webhook mode)', () => {
  let seq = 0;
  const t = useChannelApp();

  async function post(name: string, replace: Record<string, string> = {}, fresh = true) {
    // A fresh update and message id each time (messages dedupe on chat + message id).
    const ids: Record<string, string> = fresh
      ? { '"update_id": 9123450': `"update_id": ${++seq}0`, '"message_id": 1': `"message_id": ${seq}0` }
      : {};
    const body = fixtureWith('telegram', name, { ...ids, ...replace });
    const res = await request(t.app)
      .post('/webhooks/telegram')
      .set('content-type', 'application/json')
      .set('x-telegram-bot-api-secret-token', SECRETS.telegramWebhookSecret)
      .send(body);
    await t.channels.delivery.idle();
    return res;
  }

  it('keeps no raw chat id in the dedupe keys of private messages, and still dedupes a retry', async () => {
    for (let i = 0; i < 3; i++) await post('text', {}, false);
    expect(await t.inbox()).toHaveLength(1);
    const keys = await selectRows(t.db, 'SELECT event_id FROM channel_inbox');
    const logged = await selectRows(t.db, 'SELECT * FROM interactions');
    expect(logged).toHaveLength(1);
    // In a private chat the chat id is the user's Telegram id.
    expect(JSON.stringify(keys)).not.toContain(CHAT);
    expect(JSON.stringify(logged)).not.toContain(CHAT);
  });

  it('answers a text message with sendMessage and an inline keyboard within the limits', async () => {
    const res = await post('text');
    expect(res.status).toBe(200);
    const sent = t.fake.delivered('telegram');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent[0].path).toBe(`/bot${SECRETS.telegramToken}/sendMessage`);
    for (const r of sent) {
      const body = r.body as SentMessage;
      expect(body.chat_id).toBe(CHAT);
      expect(body.text.length).toBeLessThanOrEqual(4096);
    }
    const keyboard = (sent.at(-1)!.body as SentMessage).reply_markup!.inline_keyboard.flat();
    expect(keyboard.length).toBeGreaterThan(0);
    for (const button of keyboard)
      if (button.callback_data) expect(Buffer.byteLength(button.callback_data)).toBeLessThanOrEqual(64);
    expect(t.respond.mock.results[0].value.intent).toBe('proc.id_card');
    expect(t.fake.requests.some((r) => r.kind === 'getMe')).toBe(false);
  });

  it('acknowledges a 30-day-old and a future-dated update but neither answers nor logs them', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const [i, date] of [nowSeconds - 30 * 86_400, nowSeconds + 3_600].entries()) {
      const body = fixtureWith('telegram', 'text', {
        '"update_id": 9123450': `"update_id": 77${i}`,
        '"message_id": 1': `"message_id": 77${i}`,
      }).replace(/"date": \d+/, `"date": ${date}`);
      const res = await request(t.app)
        .post('/webhooks/telegram')
        .set('content-type', 'application/json')
        .set('x-telegram-bot-api-secret-token', SECRETS.telegramWebhookSecret)
        .send(body);
      expect(res.status).toBe(200);
    }
    await t.channels.delivery.idle();
    expect(await t.inbox()).toHaveLength(0);
    expect(t.respond).not.toHaveBeenCalled();
    expect(t.fake.requests).toHaveLength(0);
    expect(await selectRow(t.db, 'SELECT count(*) AS n FROM interactions')).toEqual({ n: 0 });
    // A current one is still answered.
    expect((await post('text')).status).toBe(200);
    expect(t.respond).toHaveBeenCalledTimes(1);
  });

  it('treats a button tap as a payload and stops its spinner with answerCallbackQuery', async () => {
    await post('callback_query');
    expect(t.respond.mock.calls[0][0]).toMatchObject({ payload: 'proc.id_card', text: undefined });
    const kinds = t.fake.requests.map((r) => r.kind);
    expect(kinds[0]).toBe('answerCallbackQuery');
    // The fake answers 404 to a method the Bot API does not have: this one was accepted.
    expect(t.fake.requests[0].outcome).toBe('ok');
    expect(t.fake.requests[0].body).toEqual({ callback_query_id: '4382bfdwdsb323b2d9' });
    expect(kinds).toContain('send');
  });

  it('greets on /start, reads a photo caption as the question and answers stickers, files and locations politely', async () => {
    for (const name of ['start', 'sticker', 'photo', 'document', 'location']) await post(name);
    expect(t.respond.mock.calls.map((c) => c[0].payload ?? c[0].text)).toEqual([
      'greeting',
      '#unsupported',
      'giấy tờ',
      '#unsupported',
      '#unsupported',
    ]);
  });

  it('ignores group chats (the officers group)', async () => {
    expect((await post('group_message')).status).toBe(200);
    expect(await t.inbox()).toHaveLength(0);
    expect(t.fake.requests).toHaveLength(0);
  });

  it('answers an edited message it never answered, and ignores the edit of one already answered', async () => {
    // The original (message 101) was answered: its edit is not a new question.
    await post('text', {}, false);
    await post('edited_message', {}, false);
    expect(t.respond).toHaveBeenCalledTimes(1);
    // An edit of a message the bot never got is answered as the question it now is.
    await post('edited_message', { '"message_id": 101': '"message_id": 9101' }, false);
    expect(t.respond).toHaveBeenCalledTimes(2);
    expect(t.respond.mock.calls[1][0]).toMatchObject({ text: 'làm căn cước' });
  });

  it('dedupes on update_id: the same update three times is answered and logged once', async () => {
    for (let i = 0; i < 3; i++) expect((await post('text', {}, false)).status).toBe(200);
    expect(t.respond).toHaveBeenCalledTimes(1);
    const parts = t.channels.adapters.get('telegram')!.render(t.respond.mock.results[0].value.reply).length;
    expect(t.fake.sends('telegram')).toHaveLength(parts);
  });

  it('waits retry_after on 429, retries a 5xx, then delivers once', async () => {
    t.fake.failNext('rate-limit', '5xx');
    const started = Date.now();
    await post('text');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const parts = t.channels.adapters.get('telegram')!.render(t.respond.mock.results[0].value.reply).length;
    expect(t.fake.delivered('telegram')).toHaveLength(parts);
    expect(t.fake.sends('telegram')).toHaveLength(parts + 2);
  });

  it('records "blocked by the user" as failed without retrying', async () => {
    t.fake.failNext('permanent');
    await post('text');
    expect(t.fake.sends('telegram')).toHaveLength(1);
    expect((await t.inbox())[0]).toMatchObject({ state: 'failed', error: expect.stringContaining('403') });
  });

  it.each([
    ['missing', undefined, 401],
    ['wrong', 'not-the-secret', 403],
  ])(
    'rejects a %s secret token, stores nothing and logs a warning without secrets',
    async (_w, token, status) => {
      const req = request(t.app).post('/webhooks/telegram').set('content-type', 'application/json');
      if (token) req.set('x-telegram-bot-api-secret-token', token);
      const res = await req.send(fixtureWith('telegram', 'text'));
      expect(res.status).toBe(status);
      await t.channels.delivery.idle();
      expect(await t.inbox()).toHaveLength(0);
      expect(t.fake.requests).toHaveLength(0);
      expect(t.logs()).toContain('webhook call rejected');
      for (const secret of Object.values(SECRETS)) expect(t.logs()).not.toContain(secret);
    },
  );
});
