import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../support/browser';
import { buildTestApp, listenOnLoopback, tempDir } from '../support/app';

const PASSWORD = 'browser-test-password';
const SCRIPT_MESSAGE = '<script>document.body.dataset.pwned="1"</script> giá vàng hôm nay';

describe('officers’ dashboard in a real browser', () => {
  const { app, db, log, store } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
  let server: Server;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    // A few days of traffic on two channels, so every chart has something to draw.
    const day = 86_400_000;
    const topics = ['proc.id_card', 'dvc.submit', 'vneid.level2', 'proc.land', null];
    for (let i = 0; i < 60; i++) {
      const answer = topics[i % topics.length];
      const exchange = [
        {
          channel: i % 3 ? 'zalo' : 'web',
          userId: `u${i % 17}`,
          messageId: `m${i}`,
          text: answer ? 'câu hỏi' : 'giá vàng',
          // Both channels on each of the six days, Zalo about twice as busy.
          timestamp: Date.now() - (Math.floor(i / 3) % 6) * day,
        },
        {
          reply: { blocks: [{ type: 'text', text: 'x' }], quickReplies: [] },
          intent: answer,
          confidence: 0.9,
          answerId: answer,
          normalisedText: null,
          contentVersion: 'test',
          userKey: `key-${i % 17}-${i % 2}`,
          interactionId: null,
        },
        15 + (i % 7),
        'delivered',
      ] as const;
      // Into the log the reports read: the SQLite file's, or with DATABASE_URL PostgreSQL's.
      const id = store ? await store.interactions.record(...exchange) : log.record(...exchange);
      expect(id).not.toBeNull();
    }
    await request(app).post('/api/chat').send({ userId: 'xss', text: SCRIPT_MESSAGE });
    ({ server, baseUrl } = await listenOnLoopback(app));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    db.close();
  });

  async function logIn(page: Page) {
    await page.goto(`${baseUrl}/admin`);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${baseUrl}/admin`);
  }

  it('logs in and renders the charts (screenshot checked non-blank)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const external: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(baseUrl)) external.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await logIn(page);
    await page.locator('.tile', { hasText: 'Người dân tiếp cận' }).waitFor();
    await page.locator('#charts[data-rendered="true"]').waitFor();

    const file = path.join(tempDir('tthc-shot-'), 'charts.png');
    const png = await page.locator('#charts').screenshot({ path: file });
    expect(fs.statSync(file).size).toBeGreaterThan(5000);
    // Decode the screenshot in the page and look at its pixels: a blank or one-colour image fails.
    const stats = await page.evaluate(
      async (dataUrl) => {
        const img = new Image();
        img.src = dataUrl;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, img.width, img.height);
        const colours = new Set<number>();
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          // Saturated pixels: chart lines and bars, not the white/grey page.
          if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 60)
            coloured++;
        }
        return { colours: colours.size, coloured, width: img.width, height: img.height };
      },
      `data:image/png;base64,${png.toString('base64')}`,
    );
    expect(stats.width).toBeGreaterThan(300);
    expect(stats.colours).toBeGreaterThan(20);
    expect(stats.coloured).toBeGreaterThan(500);
    // Each of the three canvases has drawn something.
    const drawn = await page.evaluate(() =>
      ['chart-citizens', 'chart-topics', 'chart-fallback'].map((id) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        // Saturated, opaque pixels: lines and bars, not the grey axes and grid.
        let painted = 0;
        for (let i = 0; i < d.length; i += 4)
          if (d[i + 3] > 200 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60)
            painted++;
        return painted;
      }),
    );
    // More than the legend boxes alone (about 480 pixels each): lines and bars were drawn.
    const [citizens, topics, fallback] = drawn;
    expect(citizens).toBeGreaterThan(1500);
    expect(topics).toBeGreaterThan(5000);
    expect(fallback).toBeGreaterThan(550);
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  });

  it('shows a citizen message containing <script> as text', async () => {
    const page = await browser.newPage();
    await logIn(page);
    await page.goto(`${baseUrl}/admin/unanswered?preset=year`);
    const cell = page.locator('td.citizen', { hasText: '<script>' });
    await cell.waitFor();
    expect(await cell.textContent()).toBe(SCRIPT_MESSAGE);
    expect(await page.evaluate(() => document.body.dataset.pwned)).toBeUndefined();
    expect(await page.locator('main script').count()).toBe(0);
  });

  for (const viewport of [
    { width: 360, height: 740 },
    { width: 1280, height: 900 },
  ]) {
    it(`at ${viewport.width}×${viewport.height}: presets, typed dates, tooltips along the line, no future days, report page`, async () => {
      const shots = process.env.SCREENSHOT_DIR ?? tempDir('tthc-dash-shots-');
      const page = await browser.newPage({ viewport });
      await logIn(page);
      await page.locator('#charts[data-rendered="true"]').waitFor();
      // The charts show every series of the day under the pointer, and stop at today.
      const charts = await page.evaluate(() => {
        const Chart = (
          window as unknown as {
            Chart: {
              getChart(id: string): {
                options: { interaction: { mode: string; intersect: boolean } };
                data: { labels: string[] };
              };
            };
          }
        ).Chart;
        const line = Chart.getChart('chart-citizens');
        return { interaction: line.options.interaction, last: line.data.labels.at(-1) };
      });
      expect(charts.interaction).toMatchObject({ mode: 'index', intersect: false });
      const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
      expect(charts.last! <= today).toBe(true);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(shots, `dashboard-${viewport.width}.png`), fullPage: true });

      // One click for last month; then typed dates win over it.
      await page.click('nav.presets a:has-text("Tháng trước")');
      await page.locator('a.preset--on', { hasText: 'Tháng trước' }).waitFor();
      await page.fill('input[name=from]', '2020-01-01');
      await page.fill('input[name=to]', '2020-01-31');
      await page.click('form.range button[type=submit]');
      await page.waitForURL(/from=2020-01-01&to=2020-01-31/);
      expect(await page.textContent('main p.muted')).toContain('Từ 2020-01-01 đến 2020-01-31');
      // An empty period says so instead of drawing zeros.
      await page.locator('p.empty', { hasText: 'Chưa có dữ liệu' }).first().waitFor();
      expect(await page.textContent('.tiles')).toContain('chưa có dữ liệu');

      // The printable report opens on last quarter.
      await page.goto(`${baseUrl}/admin/report`);
      await page.locator('a.preset--on', { hasText: 'Quý trước' }).waitFor();
      const reportOverflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(reportOverflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(shots, `report-${viewport.width}.png`), fullPage: true });
      await page.close();
    });
  }
});
