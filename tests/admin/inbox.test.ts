/**
 * The officers' inbox over real HTTP: citizens ask for an officer on the web chat and on
 * Zalo, Messenger and Telegram (signed webhooks into the real app), an admin adds an
 * officer, the officer logs in with their own password, opens each request and replies;
 * the reply reaches the citizen (the web chat's poll, the fake platform APIs on 127.0.0.1),
 * the status and the officer's name are recorded, and the reports count the replies.
 */
import request from 'supertest';
import { fixtureWith, messengerSignature, SECRETS, useChannelApp, zaloSignature } from '../channels/helpers';
import { runStatement, selectRows, selectValue } from '../support/rows';

const ADMIN_PASSWORD = 'inbox-admin-password';
const ZALO_USER = '2468458835296117922';
const MESSENGER_USER = '6912345678901234';
const TELEGRAM_CHAT = '5012345678';
const DAY_MS = 86_400_000;

describe("officers' inbox", () => {
  let seq = 0;
  const t = useChannelApp({ ADMIN_PASSWORD });

  async function login(username: string, password: string): Promise<string> {
    const res = await request(t.app).post('/admin/login').type('form').send({ username, password });
    expect(res.status).toBe(303);
    return String(res.headers['set-cookie']).split(';')[0];
  }

  /** Each platform's text fixture with the citizen's words, and its signature header. */
  const WEBHOOKS = {
    zalo: (id: string, text: string) => {
      const body = fixtureWith('zalo', 'user_send_text', {
        a3f1c0d6e2b94a57b8e1: id,
        'làm căn cước cần giấy tờ gì': text,
      });
      return { body, header: ['x-zevent-signature', zaloSignature(body)] };
    },
    messenger: (id: string, text: string) => {
      const body = fixtureWith('messenger', 'text', {
        m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789: id,
        'xin chào': text,
      });
      return { body, header: ['x-hub-signature-256', messengerSignature(body)] };
    },
    telegram: (_id: string, text: string) => {
      const body = fixtureWith('telegram', 'text', {
        '912345001': String(912345001 + seq),
        'làm căn cước cần giấy tờ gì': text,
      });
      return { body, header: ['x-telegram-bot-api-secret-token', SECRETS.telegramWebhookSecret] };
    },
  };

  async function askOnPlatform(channel: keyof typeof WEBHOOKS, text: string) {
    const { body, header } = WEBHOOKS[channel](`m-${++seq}-${Date.now()}`, text);
    await request(t.app)
      .post(`/webhooks/${channel}`)
      .set('content-type', 'application/json')
      .set(header[0], header[1])
      .send(body)
      .expect(200);
    await t.channels.delivery.idle();
  }

  const openRequest = async (channel: string) =>
    (await t.handoffs.list('open')).find((h) => h.channel === channel)!;

  async function reply(cookie: string, id: number, text: string) {
    return request(t.app)
      .post(`/admin/handoffs/${id}/reply`)
      .set('cookie', cookie)
      .type('form')
      .send({ text });
  }

  it('an officer with their own account replies on the web chat and on every platform', async () => {
    // The citizens ask for an officer.
    const web = await request(t.app)
      .post('/api/chat')
      .send({ userId: 'web-citizen', text: 'tôi muốn gặp cán bộ' });
    expect(web.body.intent).toBe('handoff');
    expect(web.body.replies.map((b: { text?: string }) => b.text).join('\n')).toMatch(
      /Đã gửi yêu cầu của bạn/,
    );
    await askOnPlatform('zalo', 'cho tôi gặp cán bộ');
    await askOnPlatform('messenger', 'tôi muốn gặp cán bộ');
    await askOnPlatform('telegram', 'tôi muốn gặp cán bộ');
    expect((await t.handoffs.list('open')).map((h) => h.status)).toEqual(['new', 'new', 'new', 'new']);

    // The admin adds an officer; the officer logs in with their own password.
    const admin = await login('', ADMIN_PASSWORD);
    const added = await request(t.app)
      .post('/admin/officers')
      .set('cookie', admin)
      .type('form')
      .send({ name: 'Nguyễn Thị Lan', username: 'lan', password: 'mat-khau-cua-lan', role: 'officer' });
    expect(added.text).toContain('Đã thêm Nguyễn Thị Lan');
    const stored = await selectValue(t.db, "SELECT password_hash FROM officers WHERE username = 'lan'");
    expect(stored).toMatch(/^scrypt\$/);
    expect(stored).not.toContain('mat-khau-cua-lan');
    await request(t.app)
      .post('/admin/login')
      .type('form')
      .send({ username: 'lan', password: 'wrong-password' })
      .expect(401);
    const lan = await login('lan', 'mat-khau-cua-lan');

    // The header counts the waiting requests; the list shows them.
    const list = await request(t.app).get('/admin/handoffs').set('cookie', lan);
    expect(list.text).toContain('Nguyễn Thị Lan');
    expect(list.text).toMatch(/<span class="badge"[^>]*>4<\/span>/);

    const texts: Record<string, string> = {
      web: 'Chào bạn, phường sẽ gọi lại cho bạn trong hôm nay.',
      zalo: 'Chào bạn, hồ sơ của bạn cần thêm bản sao giấy khai sinh.',
      messenger: 'Chào bạn, bạn mang thẻ căn cước đến bộ phận một cửa nhé.',
      telegram: 'Chào bạn, cán bộ đã ghi nhận câu hỏi của bạn.',
    };
    for (const channel of ['web', 'zalo', 'messenger', 'telegram']) {
      const h = await openRequest(channel);
      const view = await request(t.app).get(`/admin/handoffs/${h.id}`).set('cookie', lan);
      expect(view.status).toBe(200);
      // The conversation view shows the citizen's message and the bot's answer by title.
      expect(view.text).toContain('gặp cán bộ');
      expect(view.text).toContain('Gặp cán bộ');
      const sent = await reply(lan, h.id, texts[channel]);
      expect(sent.status).toBe(200);
      const after = (await t.handoffs.get(h.id))!;
      expect(after.status).toBe('answered');
      expect(after.assigned_name).toBe('Nguyễn Thị Lan');
      expect((await t.handoffs.events(h.id)).map((e) => [e.officer_name, e.action])).toContainEqual([
        'Nguyễn Thị Lan',
        'reply',
      ]);
    }

    // Web chat: the page's poll shows the reply, once.
    const polled = await request(t.app).get('/api/chat/officer').query({ userId: 'web-citizen', after: 0 });
    expect(polled.body.messages).toEqual([
      { id: expect.any(Number), text: texts.web, officer: 'Nguyễn Thị Lan' },
    ]);
    const again = await request(t.app)
      .get('/api/chat/officer')
      .query({ userId: 'web-citizen', after: polled.body.messages[0].id });
    expect(again.body.messages).toEqual([]);
    // Another browser's id sees nothing.
    const other = await request(t.app).get('/api/chat/officer').query({ userId: 'someone-else', after: 0 });
    expect(other.body.messages).toEqual([]);

    // Platforms: each reply reached the fake API, addressed to the citizen's platform id.
    const zalo = t.fake.sendsTo('zalo', ZALO_USER).map((r) => JSON.stringify(r.body));
    expect(zalo.some((b) => b.includes(texts.zalo))).toBe(true);
    const messenger = t.fake
      .sendsTo('messenger', MESSENGER_USER)
      .find((r) => JSON.stringify(r.body).includes(texts.messenger))!;
    expect(messenger.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    // The bot's own answers stay standard responses.
    expect(t.fake.sendsTo('messenger', MESSENGER_USER)[0].body).toMatchObject({ messaging_type: 'RESPONSE' });
    const telegram = t.fake.sendsTo('telegram', TELEGRAM_CHAT).map((r) => JSON.stringify(r.body));
    expect(telegram.some((b) => b.includes(texts.telegram))).toBe(true);
    const statuses = await selectRows(t.db, 'SELECT channel, status FROM officer_messages ORDER BY id');
    expect(statuses).toEqual([
      { channel: 'web', status: 'delivered' },
      { channel: 'zalo', status: 'delivered' },
      { channel: 'messenger', status: 'delivered' },
      { channel: 'telegram', status: 'delivered' },
    ]);

    // Reports count the answered requests and the officers' messages.
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const report = await t.reports.reach({ from: today, to: today });
    expect(report.handoffsAnswered).toBe(4);
    expect(report.officerReplies).toBe(4);
    const overview = await request(t.app).get('/admin').set('cookie', lan);
    expect(overview.text).toContain('Yêu cầu đã được cán bộ trả lời');
  });

  it('tells the officer when a platform no longer accepts a reply, and sends nothing', async () => {
    await askOnPlatform('zalo', 'tôi muốn gặp cán bộ');
    const h = await openRequest('zalo');
    // The citizen's last message was 8 days ago.
    await runStatement(
      t.db,
      'UPDATE interactions SET ts = ts - ? WHERE user_key = ?',
      8 * DAY_MS,
      h.user_key,
    );
    const admin = await login('admin', ADMIN_PASSWORD);
    const view = await request(t.app).get(`/admin/handoffs/${h.id}`).set('cookie', admin);
    expect(view.text).toContain('Đã quá 7 ngày');
    const before = t.fake.sends('zalo').length;
    const res = await reply(admin, h.id, 'Chào bạn');
    expect(res.text).toContain('Không gửi được');
    expect(t.fake.sends('zalo').length).toBe(before);
    expect(await selectValue(t.db, 'SELECT status FROM officer_messages')).toBe('outside_window');
  });

  it("drops U+0000 from an officer's reply, note and name; a login name with one is a wrong name (PostgreSQL refuses it)", async () => {
    await request(t.app).post('/api/chat').send({ userId: 'nul-citizen', payload: 'handoff' }).expect(200);
    await t.handoffs.settled();
    const h = await openRequest('web');
    const admin = await login('', ADMIN_PASSWORD);

    const sent = await reply(admin, h.id, 'Chào\u0000 bạn, phường\u0000 đã nhận.');
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('Đã lưu');
    expect(await selectValue(t, 'SELECT text FROM officer_messages')).toBe('Chào bạn, phường đã nhận.');
    const polled = await request(t.app).get('/api/chat/officer').query({ userId: 'nul-citizen', after: 0 });
    expect(polled.body.messages.map((m: { text: string }) => m.text)).toEqual(['Chào bạn, phường đã nhận.']);
    // Nothing but NULs is an empty reply: refused, as an empty one is.
    expect((await reply(admin, h.id, '\u0000\u0000')).status).toBe(400);

    await request(t.app)
      .post(`/admin/handoffs/${h.id}/note`)
      .set('cookie', admin)
      .type('form')
      .send({ note: 'Gọi lại\u0000 chiều nay' })
      .expect(303);
    expect((await t.handoffs.get(h.id))!.note).toBe('Gọi lại chiều nay');

    const added = await request(t.app)
      .post('/admin/officers')
      .set('cookie', admin)
      .type('form')
      .send({ name: 'Lê Văn\u0000 Nam', username: 'nam', password: 'mat-khau-cua-nam', role: 'officer' });
    expect(added.status).toBe(200);
    expect(await selectValue(t, "SELECT name FROM officers WHERE username = 'nam'")).toBe('Lê Văn Nam');
    // A user name holding one names no account: refused as a wrong name, not a 500.
    await request(t.app)
      .post('/admin/login')
      .type('form')
      .send({ username: 'nam\u0000', password: 'mat-khau-cua-nam' })
      .expect(401);
    await login('nam', 'mat-khau-cua-nam');
  });

  it('assigns, notes, closes and reopens with who did it; filters and pages the list', async () => {
    for (let i = 0; i < 25; i++)
      await request(t.app)
        .post('/api/chat')
        .send({ userId: `citizen-${i}`, payload: 'handoff' });
    const admin = await login('', ADMIN_PASSWORD);
    await request(t.app)
      .post('/admin/officers')
      .set('cookie', admin)
      .type('form')
      .send({ name: 'Trần Văn Minh', username: 'minh', password: 'mat-khau-cua-minh', role: 'officer' });
    const minh = (await selectValue(t.db, "SELECT id FROM officers WHERE username = 'minh'")) as number;
    const [h] = await t.handoffs.list('open', 1);

    await request(t.app)
      .post(`/admin/handoffs/${h.id}/assign`)
      .set('cookie', admin)
      .type('form')
      .send({ officer: String(minh) })
      .expect(303);
    await request(t.app)
      .post(`/admin/handoffs/${h.id}/note`)
      .set('cookie', admin)
      .type('form')
      .send({ note: 'Đã gọi số 0912 345 678, chưa nghe máy' })
      .expect(303);
    await request(t.app).post(`/admin/handoffs/${h.id}/close`).set('cookie', admin).expect(303);
    expect(await t.handoffs.get(h.id)).toMatchObject({ status: 'closed', assigned_name: 'Trần Văn Minh' });
    expect((await t.handoffs.get(h.id))!.note).toBe('Đã gọi số [số điện thoại], chưa nghe máy');
    await request(t.app).post(`/admin/handoffs/${h.id}/reopen`).set('cookie', admin).expect(303);
    expect((await t.handoffs.get(h.id))!.status).toBe('assigned');
    expect((await t.handoffs.events(h.id)).map((e) => `${e.officer_name}:${e.action}`)).toEqual([
      'Quản trị viên:assign',
      'Quản trị viên:note',
      'Quản trị viên:close',
      'Quản trị viên:reopen',
    ]);

    // 25 open requests: 20 on page 1, 5 on page 2; filters by officer.
    const page1 = await request(t.app).get('/admin/handoffs').set('cookie', admin);
    expect(page1.text.match(/<tr><td><a href="\/admin\/handoffs\/\d+">/g)).toHaveLength(20);
    expect(page1.text).toContain('Trang 1/2');
    const page2 = await request(t.app).get('/admin/handoffs?status=open&page=2').set('cookie', admin);
    expect(page2.text.match(/<tr><td><a href="\/admin\/handoffs\/\d+">/g)).toHaveLength(5);
    const mine = await request(t.app).get(`/admin/handoffs?assigned=${minh}`).set('cookie', admin);
    expect(mine.text.match(/<tr><td><a href="\/admin\/handoffs\/\d+">/g)).toHaveLength(1);

    // Only an admin adds officers.
    const minhCookie = await login('minh', 'mat-khau-cua-minh');
    const refused = await request(t.app)
      .post('/admin/officers')
      .set('cookie', minhCookie)
      .type('form')
      .send({ name: 'X Y', username: 'xy', password: 'mat-khau-dai-du' });
    expect(refused.status).toBe(403);
  });
});
