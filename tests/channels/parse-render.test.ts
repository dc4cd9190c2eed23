import fc from 'fast-check';
import { MessengerAdapter } from '../../src/channels/messenger/adapter';
import { quoteBigIntegers, parseJsonKeepingBigInts } from '../../src/channels/json';
import { splitText } from '../../src/channels/render';
import { TelegramAdapter } from '../../src/channels/telegram/adapter';
import { callbackData } from '../../src/channels/telegram/render';
import { ZaloAdapter } from '../../src/channels/zalo/adapter';
import { openDatabase } from '../../src/store/db';
import { silentLogger } from '../../src/logger';
import type { Reply } from '../../src/dialogue/types';
import { fixture, SECRETS } from './helpers';

const logger = silentLogger();
const messenger = new MessengerAdapter(
  {
    appSecret: 'x',
    pageAccessToken: 'y',
    apiBase: 'http://127.0.0.1:1',
    timeoutMs: 100,
    maxTextLength: 2000,
  },
  logger,
);
const telegram = new TelegramAdapter(
  {
    token: SECRETS.telegramToken,
    apiRoot: 'http://127.0.0.1:1',
    mode: 'webhook',
    timeoutMs: 100,
    maxTextLength: 2000,
  },
  logger,
);

describe('#parseJsonKeepingBigInts', () => {
  it('keeps every digit of a bare 19-digit id and leaves other numbers alone', () => {
    const parsed = parseJsonKeepingBigInts(
      '{"id": 2468458835296117922, "n": -12, "f": 1.5e3, "s": "9007199254740993"}',
    );
    expect(parsed).toEqual({ id: '2468458835296117922', n: -12, f: 1500, s: '9007199254740993' });
  });
  it('never touches digits inside strings, even with escaped quotes', () => {
    const text = '{"t": "say \\"12345678901234567\\" ok", "a": [12345678901234567]}';
    expect(parseJsonKeepingBigInts(text)).toEqual({
      t: 'say "12345678901234567" ok',
      a: ['12345678901234567'],
    });
  });
  it('is the identity on JSON without big integers', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        if (/\d{16,}/.test(text)) return;
        expect(quoteBigIntegers(text)).toBe(text);
      }),
    );
  });
});

describe('Zalo #parse', () => {
  const zalo = new ZaloAdapter(
    {
      oaSecretKey: 'k',
      accessToken: 'a',
      apiBase: 'http://127.0.0.1:1',
      oauthBase: 'http://127.0.0.1:1',
      timeoutMs: 100,
      maxTextLength: 2000,
    },
    openDatabase(':memory:'),
    logger,
  );
  const parse = (name: string) => zalo.parse(Buffer.from(fixture('zalo', name)));
  const media = ['image', 'gif', 'sticker', 'link', 'location', 'file', 'audio', 'video', 'business_card'];
  it.each([
    [
      'user_send_text',
      [{ userId: '2468458835296117922', text: 'làm căn cước cần giấy tờ gì', tapCandidate: true }],
    ],
    ['anonymous_send_text', [{ userId: '2c8d3b4e5f60718293a4', text: 'xin chào' }]],
    ...media.map((m): [string, object[]] => [
      `user_send_${m}`,
      [{ userId: '2468458835296117922', payload: '#unsupported' }],
    ]),
    [
      'follow',
      [
        {
          userId: '2468458835296117922',
          payload: 'greeting',
          eventId: 'follow:2468458835296117922:1718000000600',
        },
      ],
    ],
    ['user_click_chatnow', [{ userId: '2468458835296117922', payload: 'greeting' }]],
    [
      'user_send_text_string_ids',
      [{ userId: '2468458835296117922', eventId: '9f0a1b2c3d4e5f60718293a4b5c6d7e8', text: 'giờ làm việc' }],
    ],
    [
      'anonymous_send_text',
      [{ userId: '2c8d3b4e5f60718293a4', meta: { zaloConversationId: 'c0nv3rs4t10n' }, tapCandidate: true }],
    ],
    ['unfollow', []],
    ['user_submit_info', []],
    ['user_reacted_message', []],
    ['user_received_message', []],
    ['user_seen_message', []],
    ['oa_send_text', []],
  ])('%s', (name, expected) => {
    expect(parse(name)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });
});

describe('Messenger #parse', () => {
  const parse = (name: string) => messenger.parse(Buffer.from(fixture('messenger', name)));
  it.each([
    ['text', [{ text: 'xin chào' }]],
    ['quick_reply', [{ payload: 'proc.id_card' }]],
    ['postback_get_started', [{ payload: 'greeting', eventId: 'm_PostbackGetStarted012345' }]],
    [
      'postback_menu',
      [{ payload: 'dvc.about', eventId: expect.stringMatching(/^postback:6912345678901234:/) }],
    ],
    ['image', [{ payload: '#unsupported' }]],
    ['sticker', [{ payload: '#unsupported' }]],
    ['location', [{ payload: '#unsupported' }]],
    ['echo', []],
    ['delivery', []],
    ['read', []],
    ['standby', []],
    ['reaction', []],
    ['referral', []],
    ['optin', []],
    ['optin_user_ref', []],
    [
      'string_timestamp',
      [{ text: 'giờ làm việc', timestamp: 1718000001400, eventId: 'mid.1718000001400:41d102a3e1ae206a38' }],
    ],
    [
      'batched',
      [
        { userId: '6912345678901234', text: 'giờ làm việc' },
        { userId: '6987654321098765', text: 'xin chào' },
      ],
    ],
  ])('%s', (name, expected) => {
    expect(parse(name)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });
});

describe('Telegram #parse', () => {
  const parse = (name: string) => telegram.parse(Buffer.from(fixture('telegram', name)));
  it.each([
    [
      'text',
      [
        {
          userId: '5012345678',
          eventId: expect.stringMatching(/^msg:5012345678:/),
          text: 'làm căn cước cần giấy tờ gì',
        },
      ],
    ],
    ['start', [{ payload: 'greeting' }]],
    ['callback_query', [{ payload: 'proc.id_card', meta: { callbackQueryId: '4382bfdwdsb323b2d9' } }]],
    ['sticker', [{ payload: '#unsupported' }]],
    ['photo', [{ text: 'giấy tờ' }]],
    ['document', [{ payload: '#unsupported' }]],
    ['location', [{ payload: '#unsupported' }]],
    ['group_message', []],
    ['forwarded', [{ text: 'thủ tục đăng ký khai sinh' }]],
    ['reply', [{ text: 'giờ làm việc' }]],
    ['video_caption', [{ text: 'đăng ký thường trú' }]],
    [
      'inline_message_tap',
      [{ userId: '5012345678', payload: 'proc.id_card', meta: { callbackQueryId: '4382bfdwdsb323b2e0' } }],
    ],
    ['my_chat_member', []],
    ['channel_post', []],
    ['edited_message', [{ eventId: 'msg:5012345678:101', text: 'làm căn cước' }]],
  ])('%s', (name, expected) => {
    expect(parse(name)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });
});

describe('rendering limits', () => {
  const reply = (text: string, quick: number, label = 'Thủ tục hành chính công'): Reply => ({
    blocks: [
      { type: 'text', text },
      { type: 'link', label: 'Cổng DVC', url: 'https://dichvucong.gov.vn' },
    ],
    quickReplies: Array.from({ length: quick }, (_, i) => ({
      label: `${label} ${i}`,
      payload: `topic.t${i}`,
    })),
  });

  it('splits long answers at paragraph boundaries within the limit', () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Đoạn ${i}: ${'chữ '.repeat(30).trim()}.`);
    const parts = splitText(paragraphs.join('\n\n'), 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(2000);
      expect(p.startsWith('Đoạn')).toBe(true); // a part never starts mid-paragraph
    }
    expect(parts.join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('never ends a part with a heading whose text is in the next part', () => {
    // A guide's steps: "Bước i/n: title" then the step's text, as the engine writes them.
    const steps = Array.from(
      { length: 12 },
      (_, i) =>
        `Bước ${i + 1}/12: Nộp hồ sơ\n\n${'Mang giấy tờ đến bộ phận một cửa. '.repeat(8 + (i % 5)).trim()}`,
    );
    for (const max of [400, 700, 2000]) {
      const parts = splitText(steps.join('\n\n'), max);
      expect(parts.length).toBeGreaterThan(1);
      for (const p of parts) {
        expect(p.length).toBeLessThanOrEqual(max);
        expect(p.split('\n\n').at(-1)).not.toMatch(/^Bước \d+\/12: Nộp hồ sơ$/);
      }
    }
    // A list's lead-in stays with its list.
    const listed = splitText(
      `${'Câu mở đầu dài. '.repeat(20).trim()}\n\nHồ sơ gồm:\n\n- Tờ khai\n- Ảnh`,
      340,
    );
    expect(listed.at(-1)).toMatch(/^Hồ sơ gồm:/);
  });

  it('never exceeds the limit and never loses a word', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.integer({ min: 20, max: 500 }), (text, max) => {
        const parts = splitText(text, max);
        for (const p of parts) expect(p.length).toBeLessThanOrEqual(max);
        expect(parts.join(' ').split(/\s+/).join('')).toBe(text.split(/\s+/).join(''));
      }),
    );
  });

  it('Messenger: quick replies with titles of at most 20 characters, link as text', () => {
    const parts = messenger.render(reply('Trả lời', 13));
    const last = parts.at(-1) as { text: string; quick_replies: { title: string }[] };
    expect(last.quick_replies).toHaveLength(13);
    for (const q of last.quick_replies) expect(Array.from(q.title).length).toBeLessThanOrEqual(20);
    expect(last.text).toContain('https://dichvucong.gov.vn');
  });

  it('Telegram: 4,096-character messages, URL buttons, and callback data within 64 bytes that maps back', () => {
    const longPayload = `proc.${'rất_dài_'.repeat(10)}`;
    const r = reply('a'.repeat(5000), 3);
    r.quickReplies.push({ label: 'Dài', payload: longPayload });
    const parts = telegram.render(r);
    expect(parts.length).toBe(2);
    const markup = (
      parts[1] as { reply_markup: { inline_keyboard: { url?: string; callback_data?: string }[][] } }
    ).reply_markup.inline_keyboard.flat();
    expect(markup[0].url).toBe('https://dichvucong.gov.vn');
    for (const b of markup)
      if (b.callback_data) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
    const hashed = callbackData(longPayload);
    expect(hashed).not.toBe(longPayload);
    expect(telegram.resolveTap(hashed, ['topic.t0', longPayload])).toBe(longPayload);
    expect(telegram.resolveTap(hashed, ['topic.t0'])).toBeUndefined();
  });
});
