import request from 'supertest';
import { resolveAdminPassword } from '../../src/admin/password';
import { MAX_FAILURES } from '../../src/admin/auth';
import { pseudonymize } from '../../src/privacy/pseudonym';
import { buildTestApp } from '../support/app';
import { selectValue } from '../support/rows';

const PASSWORD = 'correct horse battery staple';

async function login(app: Parameters<typeof request>[0]): Promise<string> {
  const res = await request(app).post('/admin/login').type('form').send({ password: PASSWORD });
  expect(res.status).toBe(303);
  const cookie = res.headers['set-cookie'][0] as string;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  expect(cookie).toMatch(/Path=\/admin/);
  return cookie.split(';')[0];
}

describe('/admin', () => {
  const { app, db, config, handoffs } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
  afterAll(() => db.close());

  it('sends a visitor without a session to the login page', async () => {
    expect((await request(app).get('/admin')).headers.location).toBe('/admin/login');
    expect((await request(app).get('/admin/api/overview')).status).toBe(401);
    expect((await request(app).get('/admin/export/report.csv')).status).toBe(401);
    const page = await request(app).get('/admin/login');
    expect(page.text).toContain('lang="vi"');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });

  it('rejects a wrong password, then slows further failures without refusing the right password', async () => {
    const { app: locked, db: lockedDb } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
    for (let i = 0; i < MAX_FAILURES; i++) {
      const res = await request(locked)
        .post('/admin/login')
        .type('form')
        .send({ password: `guess-${i}` });
      expect(res.status).toBe(401);
      expect(res.text).toContain('Mật khẩu không đúng');
    }
    // A further failure waits and says so; the right password still logs in (tests/hostile/admin.test.ts).
    const slowed = await request(locked).post('/admin/login').type('form').send({ password: 'guess' });
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(0);
    const ok = await request(locked).post('/admin/login').type('form').send({ password: PASSWORD });
    expect(ok.status).toBe(303);
    lockedDb.close();
  });

  it('shows the overview, JSON for the charts and CSV downloads once logged in', async () => {
    await request(app).post('/api/chat').send({ userId: 'c1', text: 'làm căn cước ở đâu' });
    await request(app).post('/api/chat').send({ userId: 'c2', text: 'giá vàng hôm nay' });
    const cookie = await login(app);
    const page = await request(app).get('/admin?preset=year').set('cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Người dân tiếp cận');
    expect(page.text).toContain('/admin/assets/chart.umd.min.js');
    expect(page.text).not.toMatch(/src="https?:\/\//);
    const chartJs = await request(app).get('/admin/assets/chart.umd.min.js');
    expect(chartJs.status).toBe(200);
    const api = await request(app).get('/admin/api/overview?preset=year').set('cookie', cookie);
    expect(api.body.report).toMatchObject({ uniqueCitizens: 2, messagesIn: 2, fallbacks: 1 });
    // Every day of the year so far, and none after today.
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    expect(api.body.daily.days[0]).toBe(`${today.slice(0, 4)}-01-01`);
    expect(api.body.daily.days.at(-1)).toBe(today);
    const csv = await request(app).get('/admin/export/unanswered.csv?preset=year').set('cookie', cookie);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment/);
    expect(csv.text).toContain('1,gia vang hom nay,giá vàng hôm nay');
    const report = await request(app).get('/admin/export/report.csv?preset=year').set('cookie', cookie);
    expect(report.text).toContain('Người dân tiếp cận,2');
  });

  it('answers a bad range with a clear 400', async () => {
    const cookie = await login(app);
    const res = await request(app)
      .get('/admin/api/overview?from=2026-02-30&to=2026-03-01')
      .set('cookie', cookie);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/--from: expected a date/);
  });

  it('lists open handoff requests and closes them', async () => {
    await request(app).post('/api/chat').send({ userId: 'h1', payload: 'handoff' });
    const cookie = await login(app);
    const [open] = await handoffs.list('open');
    const page = await request(app).get('/admin/handoffs').set('cookie', cookie);
    expect(page.text).toContain(`#${open.id}`);
    const view = await request(app).get(`/admin/handoffs/${open.id}`).set('cookie', cookie);
    expect(view.text).toContain(open.user_key);
    const done = await request(app).post(`/admin/handoffs/${open.id}/close`).set('cookie', cookie);
    expect(done.status).toBe(303);
    expect(await handoffs.list('open')).toEqual([]);
    expect((await request(app).post(`/admin/handoffs/999999/close`).set('cookie', cookie)).status).toBe(404);
  });

  it('refuses a form posted from another site', async () => {
    const cookie = await login(app);
    const res = await request(app)
      .post('/admin/privacy/erase')
      .set('cookie', cookie)
      .set('origin', 'https://evil.example')
      .type('form')
      .send({ userKey: 'a'.repeat(32) });
    expect(res.status).toBe(403);
  });

  it('erases one citizen by pseudonymous id', async () => {
    await request(app).post('/api/chat').send({ userId: 'gone', text: 'xin chào' });
    const userKey = pseudonymize(config.PSEUDONYM_SECRET, 'web', 'gone');
    const cookie = await login(app);
    const bad = await request(app)
      .post('/admin/privacy/erase')
      .set('cookie', cookie)
      .type('form')
      .send({ userKey: 'x' });
    expect(bad.status).toBe(400);
    const res = await request(app)
      .post('/admin/privacy/erase')
      .set('cookie', cookie)
      .type('form')
      .send({ userKey });
    expect(res.text).toMatch(/Đã xóa \d+ bản ghi/);
    expect(await selectValue(db, 'SELECT count(*) FROM interactions WHERE user_key = ?', userKey)).toBe(0);
  });

  it('logs out', async () => {
    const cookie = await login(app);
    await request(app).post('/admin/logout').set('cookie', cookie);
    expect((await request(app).get('/admin').set('cookie', cookie)).status).toBe(303);
  });
});

describe('ADMIN_PASSWORD', () => {
  it('is required in production', () => {
    expect(() =>
      resolveAdminPassword({
        NODE_ENV: 'production',
        ADMIN_PASSWORD: undefined,
        PUBLIC_BASE_URL: 'https://x.vn',
      }),
    ).toThrow(/Missing ADMIN_PASSWORD: production needs a password/);
  });

  it('is a printed one-time password in development', () => {
    const lines: string[] = [];
    const a = resolveAdminPassword(
      { NODE_ENV: 'development', ADMIN_PASSWORD: undefined, PUBLIC_BASE_URL: 'http://localhost:3000' },
      (l) => lines.push(l),
    );
    const b = resolveAdminPassword(
      { NODE_ENV: 'development', ADMIN_PASSWORD: undefined, PUBLIC_BASE_URL: 'http://localhost:3000' },
      () => undefined,
    );
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(16);
    expect(lines).toEqual([expect.stringContaining(`one-time password for this run: ${a}`)]);
  });

  it('switches the dashboard off (503) when an app is built without one', async () => {
    const { app, db } = buildTestApp();
    const res = await request(app).get('/admin');
    expect(res.status).toBe(503);
    expect(res.text).toContain('ADMIN_PASSWORD');
    db.close();
  });
});
