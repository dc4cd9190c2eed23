/**
 * The fake platform refuses what the real APIs refuse; otherwise a test could pass against
 * a request the platform would reject (as one did: `answerCbQuery`, which is telegraf's
 * wrapper name and a 404 on api.telegram.org).
 */
import { FAKE_MESSENGER_TOKEN, FAKE_TELEGRAM_TOKEN, FakePlatform } from '../support/fake-platform';

describe('the fake platform', () => {
  let fake: FakePlatform;
  beforeAll(async () => {
    fake = await FakePlatform.start();
  });
  afterAll(() => fake.close());

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${fake.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const bot = (method: string) => `/bot${FAKE_TELEGRAM_TOKEN}/${method}`;

  describe('Telegram', () => {
    it('answers 404 to a method the Bot API does not have, such as answerCbQuery', async () => {
      expect(await post(bot('answerCbQuery'), { callback_query_id: '1' })).toEqual({
        status: 404,
        body: { ok: false, error_code: 404, description: 'Not Found' },
      });
      expect((await post(bot('answerCallbackQuery'), { callback_query_id: '1' })).status).toBe(200);
    });
    it('answers 401 to a wrong bot token', async () => {
      expect((await post('/bot123:wrong/sendMessage', { chat_id: 1, text: 'x' })).status).toBe(401);
    });
    it.each([
      [{ text: 'x' }, 'chat not found'],
      [{ chat_id: 1, text: '' }, 'message text is empty'],
      [{ chat_id: 1, text: 'a'.repeat(4097) }, 'message is too long'],
      [
        {
          chat_id: 1,
          text: 'x',
          reply_markup: { inline_keyboard: [[{ text: 'b', callback_data: 'é'.repeat(33) }]] },
        },
        'BUTTON_DATA_INVALID',
      ],
    ])('refuses sendMessage %j with 400', async (body, reason) => {
      expect(await post(bot('sendMessage'), body)).toMatchObject({
        status: 400,
        body: { ok: false, description: `Bad Request: ${reason}` },
      });
    });
  });

  describe('Zalo', () => {
    const token = { access_token: fake?.zalo.accessToken ?? 'zalo-access-0' };
    it('knows only the consultation and anonymous message paths', async () => {
      expect(
        (await post('/v3.0/oa/message', { recipient: { user_id: '1' }, message: { text: 'x' } }, token))
          .status,
      ).toBe(404);
    });
    it.each([
      ['/v3.0/oa/message/cs', { recipient: { user_id: '1' }, message: { text: 'x' } }, {}, -216],
      ['/v3.0/oa/message/cs', { recipient: { anonymous_id: '1' }, message: { text: 'x' } }, token, -201],
      [
        '/v3.0/oa/message/cs',
        { recipient: { user_id: '1' }, message: { text: 'a'.repeat(2001) } },
        token,
        -201,
      ],
      [
        '/v3.0/oa/message/cs',
        {
          recipient: { user_id: '1' },
          message: { text: 'x', attachment: { type: 'template', payload: { buttons: Array(6).fill({}) } } },
        },
        token,
        -201,
      ],
      ['/v2.0/oa/message', { recipient: { anonymous_id: '1' }, message: { text: 'x' } }, token, -201],
    ])('refuses %s %j', async (path, body, headers, error) => {
      expect((await post(path, body, headers)).body).toMatchObject({ error });
    });
    it('accepts an anonymous reply with its conversation id', async () => {
      const ok = await post(
        '/v2.0/oa/message',
        { recipient: { anonymous_id: 'a1', conversation_id: 'c1' }, message: { text: 'x' } },
        token,
      );
      expect(ok.body).toMatchObject({ error: 0 });
    });
  });

  describe('Messenger (Graph)', () => {
    const send = (body: unknown, token: string | null = FAKE_MESSENGER_TOKEN) =>
      post(`/me/messages${token ? `?access_token=${token}` : ''}`, body);
    it('refuses a call without the page token (190) and an unknown path (2500)', async () => {
      expect((await send({ recipient: { id: '1' }, message: { text: 'x' } }, null)).body).toMatchObject({
        error: { code: 190 },
      });
      expect((await post(`/me/mesages?access_token=${FAKE_MESSENGER_TOKEN}`, {})).body).toMatchObject({
        error: { code: 2500 },
      });
    });
    it.each([
      [{ recipient: { id: '1' }, message: { text: 'a'.repeat(2001) } }],
      [
        {
          recipient: { id: '1' },
          message: {
            text: 'x',
            quick_replies: Array(14).fill({ content_type: 'text', title: 't', payload: 'p' }),
          },
        },
      ],
      [
        {
          recipient: { id: '1' },
          message: {
            text: 'x',
            quick_replies: [{ content_type: 'text', title: 'a'.repeat(21), payload: 'p' }],
          },
        },
      ],
    ])('refuses an over-limit message with code 100', async (body) => {
      expect(await send(body)).toMatchObject({ status: 400, body: { error: { code: 100 } } });
    });
  });
});
