import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import request from 'supertest';
import { pseudonymize } from '../../src/privacy/pseudonym';
import { purgeOldText } from '../../src/privacy/retention';
import { purgeOldTextShared } from '../../src/store/shared-erasure';
import { buildTestApp } from '../support/app';
import { selectColumn, selectRows, selectValue } from '../support/rows';

const chat = (app: express.Express, userId: string, body: { text?: string; payload?: string }) =>
  request(app)
    .post('/api/chat')
    .send({ userId, ...body });
const texts = (res: request.Response) =>
  (res.body.replies as { type: string; text?: string }[]).filter((b) => b.type === 'text').map((b) => b.text);

describe('first contact, feedback and links', () => {
  const { app, db, config } = buildTestApp({ FEEDBACK_EVERY: '1', RETENTION_DAYS: '90' });
  afterAll(() => db.close());

  it('prepends the privacy notice to the first reply only, with the retention period', async () => {
    const first = await chat(app, 'new-1', { text: 'xin chào' });
    expect(texts(first)[0]).toMatch(/Lưu ý về dữ liệu/);
    expect(texts(first)[0]).toContain('90 ngày');
    expect(texts(first)[0]).toContain('xóa dữ liệu của tôi');
    expect(texts(first)[1]).toMatch(/Xin chào/);
    const second = await chat(app, 'new-1', { text: 'xin chào' });
    expect(texts(second).join(' ')).not.toMatch(/Lưu ý về dữ liệu/);
  });

  it('asks for feedback after an answer and stores the rating against it', async () => {
    const answer = await chat(app, 'fb-1', { payload: 'proc.id_card' });
    expect(texts(answer).at(-1)).toBe('Thông tin này có hữu ích không?');
    const down = (answer.body.quickReplies as { label: string; payload: string }[]).find((q) =>
      q.label.includes('👎'),
    );
    // The buttons name the question they answer (its message id), never a row id.
    expect(down?.payload).toMatch(/^#fb:down:[0-9a-f-]{36}$/);
    const thanks = await chat(app, 'fb-1', { payload: down!.payload });
    expect(texts(thanks)[0]).toMatch(/Cảm ơn bạn đã góp ý/);
    const userKey = pseudonymize(config.PSEUDONYM_SECRET, 'web', 'fb-1');
    expect(
      await selectRows(
        db,
        'SELECT answer_id, rating, interaction_id FROM feedback WHERE user_key = ?',
        userKey,
      ),
    ).toEqual([
      {
        answer_id: 'proc.id_card',
        rating: -1,
        interaction_id: await selectValue(
          db,
          'SELECT id FROM interactions WHERE message_id = ?',
          down!.payload.slice('#fb:down:'.length),
        ),
      },
    ]);
    // Changing one's mind updates the rating instead of counting twice.
    await chat(app, 'fb-1', { payload: down!.payload.replace('down', 'up') });
    expect(await selectColumn(db, 'SELECT rating FROM feedback WHERE user_key = ?', userKey)).toEqual([1]);
    // The feedback tap is not a question: it is not a fallback.
    expect(await selectValue(db, "SELECT count(*) FROM interactions WHERE kind = 'feedback'")).toBe(2);
  });

  it('does not ask after greetings and does not let a citizen rate someone else’s answer', async () => {
    const hello = await chat(app, 'fb-2', { text: 'xin chào' });
    expect(texts(hello).join(' ')).not.toContain('hữu ích');
    const other = await selectValue(
      db,
      "SELECT id FROM interactions WHERE answer_id = 'proc.id_card' LIMIT 1",
    );
    await chat(app, 'fb-2', { payload: `#fb:down:${other}` });
    const key = pseudonymize(config.PSEUDONYM_SECRET, 'web', 'fb-2');
    // A greeting is nothing to rate: no feedback is counted at all (tests/hostile/feedback.test.ts).
    expect(await selectColumn(db, 'SELECT interaction_id FROM feedback WHERE user_key = ?', key)).toEqual([]);
  });

  it('rewrites links to /r/<id>, counts the click pseudonymously and redirects', async () => {
    const res = await chat(app, 'link-1', { payload: 'dvc.submit' });
    const link = (res.body.replies as { type: string; url?: string }[]).find((b) => b.type === 'link');
    expect(link?.url).toMatch(new RegExp(`^${config.PUBLIC_BASE_URL}/r/[A-Za-z0-9_-]{12}$`));
    const token = link!.url!.split('/r/')[1];
    const original = (await selectValue(db, 'SELECT url FROM links WHERE token = ?', token)) as string;
    expect(original).toMatch(/^https:\/\//);
    const redirect = await request(app).get(`/r/${token}`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe(original);
    expect(await selectRows(db, 'SELECT user_key, answer_id FROM clicks')).toEqual([
      { user_key: pseudonymize(config.PSEUDONYM_SECRET, 'web', 'link-1'), answer_id: 'dvc.submit' },
    ]);
    expect((await request(app).get('/r/doesnotexist1')).status).toBe(404);
    expect((await request(app).get('/r/..%2F..')).status).toBe(404);
  });
});

describe('"xóa dữ liệu của tôi"', () => {
  const { app, db, config } = buildTestApp();
  afterAll(() => db.close());
  const key = (id: string) => pseudonymize(config.PSEUDONYM_SECRET, 'web', id);
  const rows = async (userKey: string) => {
    let total = 0;
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
    ])
      total += (await selectValue<number>(db, `SELECT count(*) FROM ${table} WHERE user_key = ?`, userKey))!;
    return total;
  };

  async function fillHistory(id: string) {
    await chat(app, id, { text: 'giá vàng hôm nay' });
    const answer = await chat(app, id, { payload: 'dvc.submit' });
    const link = (answer.body.replies as { type: string; url?: string }[]).find((b) => b.type === 'link');
    if (link) await request(app).get(new URL(link.url!).pathname);
    await chat(app, id, { payload: '#fb:up' });
    await chat(app, id, { payload: 'handoff' });
  }

  it.each([
    'xóa dữ liệu của tôi',
    'xoa du lieu cua toi',
    'Tôi muốn XOÁ hết dữ liệu!',
    'xóa thông tin cá nhân của tôi',
  ])('asks to confirm "%s", then erases every row on "Có"', async (text) => {
    const id = `erase-${text}`;
    await fillHistory(id);
    expect(await rows(key(id))).toBeGreaterThan(8);
    const confirm = await chat(app, id, { text });
    expect(texts(confirm)[0]).toMatch(/Bạn muốn xóa toàn bộ dữ liệu/);
    expect(confirm.body.quickReplies.map((q: { label: string }) => q.label)).toEqual(['Có', 'Không']);
    const done = await chat(app, id, { payload: confirm.body.quickReplies[0].payload });
    expect(texts(done)[0]).toMatch(/Đã xóa toàn bộ dữ liệu/);
    expect(await rows(key(id))).toBe(0);
  });

  it('accepts a typed "có" and keeps everything on "không"', async () => {
    await fillHistory('keep');
    const before = await rows(key('keep'));
    await chat(app, 'keep', { text: 'xoá dữ liệu của tôi' });
    const cancelled = await chat(app, 'keep', { text: 'không' });
    expect(texts(cancelled)[0]).toMatch(/Đã hủy yêu cầu xóa/);
    expect(await rows(key('keep'))).toBeGreaterThan(before);
    // A different message lets the question lapse: no deletion on a later "có".
    await chat(app, 'keep', { text: 'xoa du lieu cua toi' });
    await chat(app, 'keep', { text: 'làm căn cước ở đâu' });
    await chat(app, 'keep', { text: 'có' });
    expect(await rows(key('keep'))).toBeGreaterThan(before);
    await chat(app, 'keep', { text: 'xóa dữ liệu của tôi' });
    await chat(app, 'keep', { text: 'có' });
    expect(await rows(key('keep'))).toBe(0);
  });

  it('does not mistake procedures for a deletion request', async () => {
    const res = await chat(app, 'proc', { text: 'thủ tục xóa đăng ký thường trú' });
    expect(texts(res).join(' ')).not.toMatch(/Bạn muốn xóa toàn bộ dữ liệu/);
  });
});

describe('retention', () => {
  const { app, db, handoffs, store } = buildTestApp();
  afterAll(() => db.close());
  /** What the retention job runs: on the file, and with DATABASE_URL on PostgreSQL too (summed). */
  const purge = async (now: number) => {
    const result = purgeOldText(db, 180, now);
    if (store?.kind === 'postgres')
      for (const [key, n] of Object.entries(await purgeOldTextShared(store.engine, 180, now)))
        result[key as keyof typeof result] += n;
    return result;
  };

  it('deletes old message text but keeps the rows and the counts', async () => {
    await chat(app, 'old', { text: 'giá vàng hôm nay' });
    await chat(app, 'old', { payload: 'handoff' });
    await handoffs.settled(); // the request is filed once its exchange is committed
    const count = await selectValue(db, 'SELECT count(*) FROM interactions');
    expect(await purge(Date.now())).toEqual({
      interactions: 0,
      handoffs: 0,
      unansweredGroups: 0,
      inboxEvents: 0,
    });
    const later = Date.now() + 181 * 86_400_000;
    expect((await purge(later)).interactions).toBe(count);
    expect(
      await selectValue(
        db,
        'SELECT count(*) FROM interactions WHERE text IS NOT NULL OR normalised IS NOT NULL',
      ),
    ).toBe(0);
    expect(await selectValue(db, 'SELECT count(*) FROM interactions')).toBe(count);
    expect(await selectColumn(db, 'SELECT last_messages FROM handoffs')).toEqual([null]);
  });
});

describe('handoff to the officers’ Telegram group', () => {
  let fake: Server;
  const sent: { path: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    const api = express();
    api.use(express.json());
    api.post('/:bot/:method', (req, res) => {
      sent.push({ path: `/${req.params.bot}/${req.params.method}`, body: req.body });
      res.json({ ok: true, result: { message_id: 1, date: 0, chat: { id: -100, type: 'group' } } });
    });
    fake = api.listen(0, '127.0.0.1');
    await new Promise((r) => fake.once('listening', r));
  });
  afterAll(() => fake.close());

  it('records the request with redacted recent messages and posts it to the group', async () => {
    const { app, db, handoffs } = buildTestApp({
      TELEGRAM_BOT_TOKEN: '123456:TEST-token',
      TELEGRAM_WEBHOOK_SECRET: 'test-webhook-secret',
      OFFICER_TELEGRAM_CHAT_ID: '-100123',
      TELEGRAM_API_ROOT: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
    });
    await chat(app, 'h-1', { text: 'tôi cần hỏi về đất, sđt 0912 345 678' });
    const res = await chat(app, 'h-1', { text: 'tôi muốn gặp cán bộ' });
    expect(res.body.intent).toBe('handoff');
    await handoffs.settled();
    const [row] = await handoffs.list('open');
    expect(row.channel).toBe('web');
    expect(JSON.parse(row.last_messages!)).toEqual([
      'tôi cần hỏi về đất, sđt [số điện thoại]',
      'tôi muốn gặp cán bộ',
    ]);
    expect(row.notified).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(sent[0].path).toBe('/bot123456:TEST-token/sendMessage');
    expect(sent[0].body.chat_id).toBe('-100123');
    expect(sent[0].body.text).toContain(`Yêu cầu gặp cán bộ #${row.id}`);
    expect(sent[0].body.text).toContain('[số điện thoại]');
    expect(sent[0].body.text).not.toContain('0912');
    // A second request while one is open does not create another.
    await chat(app, 'h-1', { payload: 'handoff' });
    await handoffs.settled();
    expect(await handoffs.list('open')).toHaveLength(1);
    expect(sent).toHaveLength(1);
    db.close();
  });
});
