/**
 * The officers' dashboard under attack (issue #13): a password guesser must not lock the
 * officers out (finding 8), a malformed Origin is a 403 not a 500 (14), production refuses
 * a weak ADMIN_PASSWORD (16), pages with citizen text are not cached (20), and CSV cells
 * with ";" are quoted for Excel in vi-VN (13).
 */
import request from 'supertest';
import { AdminAuth, MAX_FAILURES } from '../../src/admin/auth';
import { BUILT_IN_ADMIN, Officers } from '../../src/admin/officers';
import { resolveAdminPassword } from '../../src/admin/password';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { openDatabase } from '../../src/store/db';
import { openEngine } from '../../src/store/engine';
import { OfficerStore } from '../../src/store/shared-officers';
import { csvField, toCsv } from '../../src/store/reports';
import { buildTestApp } from '../support/app';

const PASSWORD = 'correct-horse-battery-staple-42';
const form = (app: Parameters<typeof request>[0], password: string, from?: string) => {
  const req = request(app).post('/admin/login').type('form');
  if (from) req.set('x-forwarded-for', from);
  return req.send({ password });
};

describe('login failures slow the guesser down and never lock an officer out (finding 8)', () => {
  it('a correct password from the same address still logs in after many failures', async () => {
    const { app, db } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
    for (let i = 0; i < MAX_FAILURES; i++) expect((await form(app, `guess-${i}`)).status).toBe(401);
    const slowed = await form(app, 'guess-again');
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(0);
    expect(slowed.text).toContain('chậm');
    // Another officer behind the same proxy address, with the right password.
    const ok = await form(app, PASSWORD);
    expect(ok.status).toBe(303);
    expect(ok.headers['set-cookie']?.[0]).toMatch(/^tthc_admin=/);
    db.close();
  });

  it('waits longer after each further failure, up to a cap, and never before a success', async () => {
    let clock = 1_000_000;
    const waits: number[] = [];
    const auth = new AdminAuth(
      PASSWORD,
      () => clock,
      async () => null,
      async (ms) => {
        waits.push(ms);
      },
    );
    for (let i = 0; i < MAX_FAILURES + 8; i++) {
      expect(await auth.login('10.0.0.1', `guess-${i}`)).toBeNull();
      clock += 1000;
    }
    expect(waits.slice(0, MAX_FAILURES)).toEqual(Array(MAX_FAILURES).fill(0));
    const slowed = waits.slice(MAX_FAILURES);
    for (let i = 1; i < slowed.length; i++) expect(slowed[i]).toBeGreaterThanOrEqual(slowed[i - 1]);
    expect(slowed[0]).toBeGreaterThan(0);
    expect(Math.max(...slowed)).toBeLessThanOrEqual(10_000);
    waits.length = 0;
    expect(await auth.login('10.0.0.1', PASSWORD)).toEqual(expect.any(String));
    expect(waits).toEqual([]);
    // Another address has its own count.
    expect(await auth.login('10.0.0.2', 'guess')).toBeNull();
    expect(waits).toEqual([0]);
  });

  it('with TRUST_PROXY, counts failures per forwarded client address', async () => {
    const { app, db } = buildTestApp({ ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: 'loopback' });
    for (let i = 0; i < MAX_FAILURES; i++) await form(app, `guess-${i}`, '203.0.113.5');
    expect((await form(app, 'guess', '203.0.113.5')).status).toBe(429);
    expect((await form(app, 'guess', '198.51.100.7')).status).toBe(401);
    db.close();
  });

  it('without TRUST_PROXY, a forged X-Forwarded-For does not escape the count', async () => {
    const { app, db } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
    for (let i = 0; i < MAX_FAILURES; i++) await form(app, `guess-${i}`, `203.0.113.${i}`);
    expect((await form(app, 'guess', '198.51.100.7')).status).toBe(429);
    db.close();
  });

  it('TRUST_PROXY accepts hop counts, addresses and subnets, and names a bad value', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
    expect(() => loadConfig({ TRUST_PROXY: 'my-proxy' })).toThrow(/Invalid TRUST_PROXY: expected/);
  });

  it("hashes an officer's password off the event loop: other requests run while a login is checked", async () => {
    const db = openDatabase(':memory:');
    const officers = new Officers(new OfficerStore(openEngine({ sqlite: db })));
    await officers.add(
      { username: 'an.nguyen', name: 'Nguyễn An', password: 'officer-password-1', role: 'officer' },
      BUILT_IN_ADMIN,
    );
    const auth = new AdminAuth(PASSWORD, Date.now, (name, password) => officers.verify(name, password));
    for (const password of ['officer-password-1', 'a-wrong-guess-123']) {
      // scryptSync would hash inside the call and settle the login before the loop turns.
      const order: string[] = [];
      setImmediate(() => order.push('event loop'));
      await auth.login('10.0.0.9', password, 'an.nguyen').then(() => order.push('login'));
      expect(order).toEqual(['event loop', 'login']);
    }
    db.close();
  });
});

describe('admin form posts with a malformed Origin (finding 14)', () => {
  const { app, db } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
  afterAll(() => db.close());

  it.each(['not a url', 'http://', '://x', 'http://[::1', 'javascript:alert(1)'])(
    'Origin %j is refused with 403, not a 500',
    async (origin) => {
      const res = await request(app)
        .post('/admin/login')
        .set('origin', origin)
        .type('form')
        .send({ password: PASSWORD });
      expect(res.status).toBe(403);
    },
  );

  it('a same-site Origin still logs in', async () => {
    const res = await request(app)
      .post('/admin/login')
      .set('host', 'bot.example.vn')
      .set('origin', 'https://bot.example.vn')
      .type('form')
      .send({ password: PASSWORD });
    expect(res.status).toBe(303);
  });
});

describe('admin pages are never cached (finding 20)', () => {
  const { app, db } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
  afterAll(() => db.close());

  it('sends Cache-Control: no-store on every page, JSON and CSV with citizen data', async () => {
    const login = await form(app, PASSWORD);
    const cookie = (login.headers['set-cookie'][0] as string).split(';')[0];
    for (const url of [
      '/admin',
      '/admin/unanswered',
      '/admin/feedback',
      '/admin/handoffs',
      '/admin/privacy',
      '/admin/api/overview',
      '/admin/export/report.csv',
      '/admin/export/unanswered.csv',
    ]) {
      const res = await request(app).get(url).set('cookie', cookie);
      expect({ url, status: res.status, cache: res.headers['cache-control'] }).toEqual({
        url,
        status: 200,
        cache: 'no-store',
      });
    }
    expect((await request(app).get('/admin/login')).headers['cache-control']).toBe('no-store');
  });
});

describe('production ADMIN_PASSWORD strength (finding 16)', () => {
  const production = (password: string) =>
    resolveAdminPassword({
      NODE_ENV: 'production',
      ADMIN_PASSWORD: password,
      PUBLIC_BASE_URL: 'https://x.vn',
    });

  it.each([
    'a',
    'short-pw',
    'password1234',
    'Password123!',
    '123456789012',
    'matkhau12345',
    'aaaaaaaaaaaaaaaa',
    'adminadmin2024',
  ])('refuses %j with a message that says why and what to do', (password) => {
    let error: unknown;
    try {
      production(password);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('ADMIN_PASSWORD');
    expect((error as Error).message).toMatch(/^Weak ADMIN_PASSWORD: .*at least 12 characters/);
    expect((error as Error).message).toMatch(/openssl rand/);
    expect((error as Error).message).not.toContain(password.length > 3 ? password : '\u0000');
  });

  it.each([PASSWORD, 'Xk3v-9qP2-Lm7w', 'bốn con voi đi qua cầu gỗ'])('accepts %j', (password) => {
    expect(production(password)).toBe(password);
  });

  it('leaves development and test free to use a short password', () => {
    expect(resolveAdminPassword({ NODE_ENV: 'test', ADMIN_PASSWORD: 'a', PUBLIC_BASE_URL: 'http://x' })).toBe(
      'a',
    );
  });
});

describe('CSV for Excel in vi-VN (finding 13)', () => {
  it('quotes a cell holding ";" (the list separator there)', () => {
    expect(csvField('làm căn cước; ở đâu')).toBe('"làm căn cước; ở đâu"');
    expect(toCsv(['a', 'b'], [['x;y', 1]])).toBe('a,b\r\n"x;y",1\r\n');
  });

  it('keeps the leading-formula guard, also behind a ";"', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvField('-1+2;=3')).toBe(`"'-1+2;=3"`);
    expect(csvField('plain')).toBe('plain');
  });
});
