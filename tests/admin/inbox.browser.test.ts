/**
 * The inbox end to end in real Chromium: a citizen on a 360×740 phone taps "Gặp cán bộ" in
 * the web chat and is told the request was sent; an officer logs in on a desktop (and on a
 * phone), opens the request, replies; the citizen's open chat shows the reply.
 * Screenshots go to $SCREENSHOT_DIR (default: a temp folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../support/browser';
import { buildTestApp, listenOnLoopback, tempDir } from '../support/app';

const ADMIN_PASSWORD = 'inbox-browser-password';
const SHOTS = process.env.SCREENSHOT_DIR ?? tempDir('tthc-inbox-shots-');

describe('officers’ inbox in a real browser', () => {
  const { app, db, handoffs } = buildTestApp({ ADMIN_PASSWORD });
  let server: Server;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ server, baseUrl } = await listenOnLoopback(app));
    browser = await launchChromium();
    // An officer account, added by the admin.
    const login = await request(app).post('/admin/login').type('form').send({ password: ADMIN_PASSWORD });
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    await request(app)
      .post('/admin/officers')
      .set('cookie', cookie)
      .type('form')
      .send({ name: 'Lê Thu Hà', username: 'ha', password: 'mat-khau-cua-ha', role: 'officer' })
      .expect(200);
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    db.close();
  });

  async function officerLogin(page: Page) {
    await page.goto(`${baseUrl}/admin/login`);
    await page.fill('#username', 'ha');
    await page.fill('#password', 'mat-khau-cua-ha');
    await page.click('button[type=submit]');
    await page.waitForURL(`${baseUrl}/admin`);
  }

  it('a citizen asks for an officer, the officer replies, the citizen sees it in the open chat', async () => {
    const citizen = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await citizen.goto(baseUrl);
    await citizen.locator('.quick button', { hasText: 'Gặp cán bộ' }).click();
    await citizen.locator('.msg--bot', { hasText: 'Đã gửi yêu cầu của bạn' }).waitFor();
    await citizen.screenshot({ path: path.join(SHOTS, 'citizen-handoff-sent.png') });
    expect(await handoffs.list('open')).toHaveLength(1);
    const [h] = await handoffs.list('open');

    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 360, height: 740 },
    ]) {
      const officer = await (await browser.newContext({ viewport })).newPage();
      await officerLogin(officer);
      // The header shows who is logged in and how many requests wait.
      await officer.locator('header .who', { hasText: 'Lê Thu Hà' }).waitFor();
      await officer.click('header a[href="/admin/handoffs"]');
      await officer.click(`a[href="/admin/handoffs/${h.id}"] >> nth=0`);
      await officer.locator('.line--citizen').first().waitFor();
      const overflow = await officer.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      if (viewport.width > 1000) {
        await officer.fill('#reply-text', 'Chào bạn, cán bộ phường đã nhận câu hỏi và sẽ gọi lại cho bạn.');
        await officer.click('form.reply button[type=submit]');
        await officer.locator('p.ok', { hasText: 'Người dân thấy câu trả lời' }).waitFor();
        await officer.locator('.line--officer').waitFor();
      }
      await officer.screenshot({
        path: path.join(SHOTS, `officer-handoff-${viewport.width}.png`),
        fullPage: true,
      });
      await officer.context().close();
    }
    expect(await handoffs.get(h.id)).toMatchObject({ status: 'answered', assigned_name: 'Lê Thu Hà' });

    // The citizen's page asks for officers' replies while it is open.
    const reply = citizen.locator('.msg--officer', { hasText: 'sẽ gọi lại cho bạn' });
    await reply.waitFor({ timeout: 20_000 });
    expect(await reply.textContent()).toContain('Cán bộ Lê Thu Hà trả lời');
    const box = await reply.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(740);
    await citizen.screenshot({ path: path.join(SHOTS, 'citizen-officer-reply.png') });
    // A reload keeps it, and shows it once.
    await citizen.reload();
    await reply.waitFor();
    expect(await citizen.locator('.msg--officer').count()).toBe(1);
    await citizen.context().close();
  });
});
