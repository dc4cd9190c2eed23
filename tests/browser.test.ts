import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { buildTestApp, listenOnLoopback } from './support/app';

describe('web chat in a real browser', () => {
  const { app, db } = buildTestApp();
  let server: Server;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    ({ server, baseUrl } = await listenOnLoopback(app));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    db.close();
  });

  it('answers a typed question and a tapped quick reply on a phone-sized screen', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(baseUrl)) external.push(r.url());
    });
    await page.goto(baseUrl);
    // The page greets on load.
    await page.locator('.msg--bot', { hasText: 'Xin chào' }).first().waitFor();

    // A topic with a step-by-step guide (procedure questions go to the catalogue instead).
    await page.fill('#input', 'vneid là gì');
    await page.click('button[type=submit]');
    await page
      .locator('.msg--bot', { hasText: /ứng dụng định danh/i })
      .first()
      .waitFor();

    const tap = page.locator('.quick button', { hasText: 'Xem từng bước' });
    await tap.click();
    await page.locator('.msg--bot', { hasText: /^Bước 1\/\d+/ }).waitFor();
    await page.locator('.msg--user', { hasText: 'Xem từng bước' }).waitFor();

    // Nothing overflows the phone screen horizontally.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(external).toEqual([]);
  });

  it('shows citizen text as text, never as HTML', async () => {
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await page.fill('#input', '<img src=x onerror="document.body.dataset.pwned=1">');
    await page.click('button[type=submit]');
    await page.locator('.msg--user', { hasText: '<img' }).waitFor();
    expect(await page.evaluate(() => document.body.dataset.pwned)).toBeUndefined();
  });

  it('embeds through widget.js on another page', async () => {
    const page = await browser.newPage();
    // A commune site on another origin (localhost vs 127.0.0.1) pastes the snippet.
    const communeSite = baseUrl.replace('127.0.0.1', 'localhost') + '/commune-site.html';
    await page.route(communeSite, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: `<html><body><h1>UBND</h1><script src="${baseUrl}/widget.js"></script></body></html>`,
      }),
    );
    await page.goto(communeSite);
    await page.getByRole('button', { name: 'Hỏi Trợ lý TTHC' }).click();
    const frame = page.frameLocator('iframe[title="Hỏi Trợ lý TTHC"]');
    await frame.locator('.msg--bot', { hasText: 'Xin chào' }).first().waitFor();
  });
});
