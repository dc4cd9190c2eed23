/**
 * Privacy through a real platform channel (Telegram webhook → inbox → engine → log → fake
 * Telegram API): personal numbers never reach the database, and "xóa dữ liệu của tôi" or
 * the officer's erase leave no row holding the citizen's raw id or pseudonym.
 */
import request from 'supertest';
import { eraseCitizenInStore } from '../../src/privacy/erase';
import { pseudonymize } from '../../src/privacy/pseudonym';
import { useChannelApp, SECRETS as CHANNEL_SECRETS } from '../channels/helpers';
import {
  forbiddenIn,
  rawBytesContaining,
  storeCells,
  storeCellsContaining,
  tablesContaining,
  PERSONAL_MESSAGES,
  SECRETS,
} from './scan';
import { selectColumn, selectValue } from '../support/rows';

const ERASE_DONE = 'Đã xóa toàn bộ dữ liệu trao đổi của bạn.';

describe('personal data and erasure through the Telegram webhook', () => {
  let update = 0;
  const t = useChannelApp({ FEEDBACK_EVERY: '1', FLOOD_MAX_MESSAGES: '1000' });

  const person = (chat: string) => ({
    id: Number(chat),
    is_bot: false,
    first_name: 'An',
    language_code: 'vi',
  });

  async function post(body: object, wait = true) {
    const res = await request(t.app)
      .post('/webhooks/telegram')
      .set('content-type', 'application/json')
      .set('x-telegram-bot-api-secret-token', CHANNEL_SECRETS.telegramWebhookSecret)
      .send(JSON.stringify({ update_id: 800_000_000 + ++update, ...body }));
    expect(res.status).toBe(200);
    if (wait) await t.channels.delivery.idle();
  }

  const say = (chat: string, text: string, wait = true) =>
    post(
      {
        message: {
          message_id: update + 1,
          from: person(chat),
          chat: { id: Number(chat), first_name: 'An', type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text,
        },
      },
      wait,
    );

  const tap = (chat: string, data: string) =>
    post({
      callback_query: {
        id: `cb-${update + 1}`,
        from: person(chat),
        message: {
          message_id: 1,
          from: { id: 7000000001, is_bot: true, first_name: 'Trợ lý TTHC' },
          chat: { id: Number(chat), first_name: 'An', type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text: 'x',
        },
        chat_instance: '-7465203958174024815',
        data,
      },
    });

  /** Texts the fake Telegram received for one chat, in order. */
  const sentTo = (chat: string) =>
    t.fake
      .delivered('telegram')
      .map((r) => r.body as { chat_id: string; text: string; reply_markup?: unknown })
      .filter((b) => String(b.chat_id) === chat);

  it('never stores an ID number, a phone or an e-mail typed in a Telegram message', async () => {
    const chat = '5012345678';
    const leaks = async () =>
      (await storeCells(t)).flatMap((c) =>
        forbiddenIn(c.value).map((what) => `${c.where}: ${what} in ${c.value}`),
      );
    // While the platform is slow to take the reply, the event is open in the inbox: even
    // then it holds no personal number.
    t.fake.failNext('timeout');
    await say(chat, PERSONAL_MESSAGES[5], false);
    expect(await t.inbox()).toHaveLength(1);
    expect(['accepted', 'answered']).toContain((await t.inbox())[0].state);
    expect(await selectValue(t, 'SELECT text FROM channel_inbox')).toBe(
      'cccd [số giấy tờ], sđt [số điện thoại], mail [email], gặp cán bộ',
    );
    expect(await leaks()).toEqual([]);
    await t.channels.delivery.idle();
    for (const text of PERSONAL_MESSAGES.slice(0, 5)) await say(chat, text);
    // A crafted button payload carrying a phone number.
    await tap(chat, `x ${SECRETS.intlPhone}`);

    // Every message was answered and every event finished.
    expect((await t.inbox()).map((r) => r.state)).toEqual(Array(7).fill('delivered'));
    expect(sentTo(chat).length).toBeGreaterThanOrEqual(7);
    await t.reports.refresh();

    expect(await leaks()).toEqual([]);
    const texts = await selectColumn(t, "SELECT text FROM interactions WHERE channel = 'telegram'");
    expect(texts).toContain('số căn cước của tôi là [số giấy tờ] bị mất');
    expect(texts).toContain('gửi vào email [email] giúp tôi');
    // The SQLite file's bytes (with DATABASE_URL the file holds no turn, and stays so).
    expect(
      rawBytesContaining(t.db, t.config.DATABASE_PATH, [
        '001234567890',
        '123456789',
        '912 345 678',
        '912345678',
        'example.com',
      ]),
    ).toEqual([]);
  });

  it('"xóa dữ liệu của tôi" then "Có" leaves no row with the raw Telegram id or the pseudonym', async () => {
    const chat = '5012345679';
    const other = '5099999999';
    const key = pseudonymize(t.config.PSEUDONYM_SECRET, 'telegram', chat);
    // Traffic that touches every table: answers, a guide step, a 👍, a tracked link click,
    // a fallback (rolled up into the unanswered questions), a handoff.
    await say(chat, 'làm căn cước cần giấy tờ gì');
    await tap(chat, '#next');
    const feedback = JSON.stringify(sentTo(chat)).match(/#fb:up:[^"]+/);
    expect(feedback).not.toBeNull();
    await tap(chat, feedback![0]);
    const link = JSON.stringify(sentTo(chat)).match(/https?:\/\/[^"]+\/r\/([A-Za-z0-9_-]+)/);
    expect(link).not.toBeNull();
    expect((await request(t.app).get(`/r/${link![1]}`)).status).toBe(302);
    await say(chat, 'giá vàng hôm nay bao nhiêu');
    await say(chat, 'cho tôi gặp cán bộ');
    await t.handoffs.settled();
    await say(other, 'làm căn cước cần giấy tờ gì');
    await t.reports.refresh();

    const before = await tablesContaining(t, [chat, key]);
    for (const table of [
      'interactions',
      'citizens',
      'contacts',
      'sessions',
      'feedback',
      'links',
      'clicks',
      'handoffs',
      'daily_users',
      'channel_inbox',
      'channel_offers',
    ])
      expect(before).toContain(table);

    await say(chat, 'xóa dữ liệu của tôi');
    expect(sentTo(chat).at(-1)!.text).toContain('Bạn muốn xóa toàn bộ dữ liệu');
    await tap(chat, '#erase:yes');
    expect(sentTo(chat).at(-1)!.text).toContain(ERASE_DONE);

    expect(await storeCellsContaining(t, [chat, key])).toEqual([]);
    // The other citizen and the anonymous counts are untouched.
    const otherKey = pseudonymize(t.config.PSEUDONYM_SECRET, 'telegram', other);
    expect(await tablesContaining(t, [other, otherKey])).toEqual(
      expect.arrayContaining(['interactions', 'contacts', 'channel_inbox']),
    );
    expect(await selectValue(t, 'SELECT count(*) FROM daily_stats')).toBeGreaterThan(0);

    // Writing again starts afresh, with the privacy notice.
    await say(chat, 'làm căn cước cần giấy tờ gì');
    expect(sentTo(chat).at(-2)!.text + sentTo(chat).at(-1)!.text).toContain('Lưu ý về dữ liệu');
  });

  it("the officer's erase by pseudonymous id also clears the channel inbox and offered buttons", async () => {
    const chat = '5012345680';
    const key = pseudonymize(t.config.PSEUDONYM_SECRET, 'telegram', chat);
    await say(chat, 'làm căn cước cần giấy tờ gì');
    await tap(chat, 'dvc.about');
    expect(await selectValue(t, 'SELECT count(*) FROM channel_inbox WHERE user_id = ?', chat)).toBe(2);
    expect(await selectValue(t, 'SELECT count(*) FROM channel_offers WHERE user_id = ?', chat)).toBe(1);

    // What the admin's erase form calls (src/app.ts), on whichever engine holds the rows.
    const report = await eraseCitizenInStore(t.db, key);
    expect(report).toMatchObject({ channel_inbox: 2, channel_offers: 1, contacts: 1 });
    expect(await storeCellsContaining(t, [chat, key])).toEqual([]);
  });
});
