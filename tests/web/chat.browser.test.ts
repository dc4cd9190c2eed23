/**
 * The web chat and the widget in real Chromium, as a citizen on a 360×740 phone and on a
 * desktop: honest reach (page views log nothing), each answer opening at its first line,
 * buttons never over the answer, waiting/queueing/failing, reload, and the widget under a
 * hostile host stylesheet. Screenshots go to $SCREENSHOT_DIR (default: a temp folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { buildTestApp, listenOnLoopback, tempDir } from '../support/app';
import { selectValue } from '../support/rows';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const SHOTS = process.env.SCREENSHOT_DIR ?? tempDir('tthc-web-shots-');
/** Ten answers plus screenshots on a busy 2-core machine: a safety net, not a speed budget. */
const CONVERSATION_TIMEOUT_MS = 180_000;

describe('web chat and widget in a real browser', () => {
  const { app, db, reports } = buildTestApp();
  let server: Server;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ({ server, baseUrl } = await listenOnLoopback(app));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    db.close();
  });

  const count = async (sql: string) => ((await selectValue(db, sql)) as number) ?? 0;
  const interactions = () => count('SELECT count(*) FROM interactions');

  async function phonePage(): Promise<Page> {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true });
    return context.newPage();
  }

  /** Sends text (or taps a button with that label) and waits until the reply is drawn. */
  async function say(page: Page, what: { text?: string; tap?: string }) {
    if (what.tap) {
      // The answers change with the content: tap the named button, or else the first one offered.
      const named = page.locator('.quick button', { hasText: what.tap });
      await ((await named.count()) > 0 ? named.first() : page.locator('.quick button').first()).click();
    } else {
      await page.fill('#input', what.text!);
      await page.click('#form button[type=submit]');
    }
    await page.waitForFunction(() => document.documentElement.dataset.pending === '0');
  }

  /** Boxes of the newest answer (bot messages after the last citizen message) and of buttons. */
  function layout(page: Page) {
    return page.evaluate(() => {
      const box = (el: Element) => {
        const r = el.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
      };
      const items = [...document.querySelectorAll('#log > li')];
      const lastUser = items.map((li) => li.classList.contains('msg--user')).lastIndexOf(true);
      const answer = items.slice(lastUser + 1).filter((li) => li.matches('.msg--bot, .msg--notice'));
      const first = answer[0];
      const lineHeight = first ? parseFloat(getComputedStyle(first).lineHeight) : 0;
      const log = box(document.getElementById('log')!);
      // What of an answer is visible: its box clipped to the scrolling conversation.
      const visible = (b: ReturnType<typeof box>) => ({
        ...b,
        top: Math.max(b.top, log.top),
        bottom: Math.min(b.bottom, log.bottom),
      });
      return {
        viewport: { width: innerWidth, height: innerHeight },
        log,
        firstLine: first ? { top: box(first).top, bottom: box(first).top + lineHeight + 10 } : null,
        answers: answer.map((el) => visible(box(el))).filter((b) => b.bottom > b.top),
        buttons: [...document.querySelectorAll('button')]
          .filter((b) => b.getClientRects().length > 0)
          .map((b) => ({ label: b.textContent, ...box(b) })),
      };
    });
  }

  const overlaps = (
    a: { top: number; bottom: number; left: number; right: number },
    b: { top: number; bottom: number; left: number; right: number },
  ) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

  it('five page views of the chat page and of a host page with the widget log nothing', async () => {
    const before = await interactions();
    const page = await phonePage();
    const chatRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/chat') && r.method() === 'POST') chatRequests.push(r.url());
    });
    for (let i = 0; i < 5; i++) {
      await page.goto(baseUrl);
      await page.locator('.msg--bot', { hasText: 'Xin chào' }).first().waitFor();
    }
    const host = baseUrl.replace('127.0.0.1', 'localhost') + '/host.html';
    await page.route(host, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: `<html><body><h1>UBND</h1><script src="${baseUrl}/widget.js"></script></body></html>`,
      }),
    );
    for (let i = 0; i < 5; i++) {
      await page.goto(host);
      await page.waitForLoadState('load');
      // The frame is not even created until the citizen opens the widget.
      expect(await page.locator('iframe').count()).toBe(0);
    }
    expect(chatRequests).toEqual([]);
    expect(await interactions()).toBe(before);
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const reach = await reports.reach({ from: today, to: today }, 'web');
    expect(JSON.stringify(reach)).not.toMatch(/"(citizens|conversations|messagesIn)":[1-9]/);

    // The first screen opens at the top: the greeting, the password/OTP warning, then the notice.
    await page.goto(baseUrl);
    await page.locator('.msg--notice').waitFor();
    const top = await page.evaluate(() => document.getElementById('log')!.scrollTop);
    expect(top).toBe(0);
    const otp = await page.locator('.msg--bot', { hasText: 'OTP' }).boundingBox();
    expect(otp!.y + otp!.height).toBeLessThanOrEqual(PHONE.height);
    await page.screenshot({ path: path.join(SHOTS, 'phone-01-first-screen.png') });

    // A tap is a message: now the citizen counts.
    await say(page, { tap: 'Thẻ căn cước' });
    expect(await interactions()).toBe(before + 1);
    await page.context().close();
  });

  it(
    'at 360×740, after every reply of a 10-turn conversation the answer starts in view and no button covers it',
    async () => {
      const page = await phonePage();
      await page.goto(baseUrl);
      await page.locator('.quick button').first().waitFor();
      const script: { text?: string; tap?: string }[] = [
        { text: 'làm thẻ căn cước cần giấy tờ gì' },
        { tap: 'Xem từng bước' },
        { tap: 'Tiếp' },
        { tap: 'Xem tất cả' },
        { text: 'đăng ký tạm trú online thế nào' },
        { text: 'ủy ban mấy giờ mở cửa' },
        { text: 'giá vàng hôm nay' },
        { text: 'kích hoạt định danh điện tử mức 2' },
        { text: 'nộp hồ sơ trên cổng dịch vụ công' },
        { text: 'cảm ơn' },
      ];
      for (const [i, turn] of script.entries()) {
        await say(page, turn);
        const l = await layout(page);
        expect(l.firstLine).not.toBeNull();
        // The first line of the newest answer is inside the conversation area and the screen.
        expect(l.firstLine!.top).toBeGreaterThanOrEqual(l.log.top - 1);
        expect(l.firstLine!.bottom).toBeLessThanOrEqual(Math.min(l.log.bottom, l.viewport.height) + 1);
        for (const b of l.buttons) for (const a of l.answers) expect(overlaps(b, a)).toBe(false);
        await page.screenshot({ path: path.join(SHOTS, `phone-turn-${String(i + 1).padStart(2, '0')}.png`) });
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);

      // The conversation survives a reload; "Bắt đầu lại" starts over with the greeting.
      const shown = await page.locator('#log > li').count();
      await page.reload();
      await page.locator('.msg--user', { hasText: 'cảm ơn' }).waitFor();
      expect(await page.locator('#log > li').count()).toBe(shown);
      await page.click('#restart');
      await page.locator('.msg--notice').waitFor();
      expect(await page.locator('.msg--user').count()).toBe(0);
      await page.context().close();
    },
    CONVERSATION_TIMEOUT_MS,
  );

  it('shows "đang trả lời…", queues messages in order, and on failure keeps them with "Gửi lại" and the hotline', async () => {
    const page = await phonePage();
    await page.goto(baseUrl);
    await page.locator('.quick button').first().waitFor();

    // A slow network: hold each reply until the test lets it through.
    const held: (() => void)[] = [];
    let arrived: () => void = () => undefined;
    const nextRequest = () => new Promise<void>((resolve) => (arrived = resolve));
    await page.route('**/api/chat', (route) => {
      held.push(() => void route.continue());
      arrived();
    });
    let request = nextRequest();
    await page.fill('#input', 'làm thẻ căn cước');
    await page.press('#input', 'Enter');
    await page.locator('.msg--typing', { hasText: 'đang trả lời…' }).waitFor();
    await request;
    await page.fill('#input', 'giờ làm việc của phường');
    await page.press('#input', 'Enter');
    await page.locator('.msg--user', { hasText: 'giờ làm việc' }).waitFor();
    // Only one request is in flight; the second waits its turn.
    expect(held.length).toBe(1);
    request = nextRequest();
    held.shift()!();
    await request;
    await page.waitForFunction(() => document.documentElement.dataset.pending === '1');
    expect(held.length).toBe(1);
    held.shift()!();
    await page.waitForFunction(() => document.documentElement.dataset.pending === '0');
    const order = await page.$$eval('#log > li.msg', (els) =>
      els.map((e) => e.className + ':' + e.textContent),
    );
    const firstQ = order.findIndex((t) => t.includes('msg--user') && t.includes('làm thẻ căn cước'));
    const secondQ = order.findIndex((t) => t.includes('msg--user') && t.includes('giờ làm việc'));
    expect(firstQ).toBeGreaterThan(-1);
    expect(secondQ).toBeGreaterThan(firstQ);
    // The first answer sits between the two questions.
    expect(order.slice(firstQ + 1, secondQ).some((t) => t.includes('msg--bot'))).toBe(true);
    await page.unroute('**/api/chat');

    // The server fails: the message stays, the page says so in Vietnamese and offers a retry.
    await page.route('**/api/chat', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"internal error"}' }),
    );
    await page.fill('#input', 'đăng ký khai sinh');
    await page.press('#input', 'Enter');
    const error = page.locator('.msg--error');
    await error.waitFor();
    const errorText = await error.textContent();
    expect(errorText).toContain('Trợ lý đang gặp sự cố');
    expect(errorText).toContain('đường dây nóng 1022');
    expect(errorText).not.toMatch(/internal|error|mạng của bạn/i);
    await expect(
      page.locator('.msg--user.msg--unsent', { hasText: 'đăng ký khai sinh' }).count(),
    ).resolves.toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'phone-error.png') });
    await page.unroute('**/api/chat');
    await page.click('.retry');
    await page.waitForFunction(() => document.documentElement.dataset.pending === '0');
    expect(await page.locator('.msg--unsent').count()).toBe(0);
    expect(await page.locator('.msg--error').count()).toBe(0);
    await page.context().close();
  });

  it('makes http(s) addresses in answers clickable and nothing else', async () => {
    const page = await phonePage();
    await page.goto(baseUrl);
    await page.locator('.quick button').first().waitFor();
    await page.route('**/api/chat', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          replies: [
            {
              type: 'text',
              text: 'Nộp tại https://dichvucong.gov.vn. Không bấm javascript:alert(1) <b>x</b>',
            },
            { type: 'link', label: 'Xấu', url: 'javascript:alert(1)' },
          ],
          quickReplies: [],
        }),
      }),
    );
    await say(page, { text: 'nộp ở đâu' });
    const hrefs = await page.$$eval('#log a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs).toEqual(['https://dichvucong.gov.vn/']);
    expect(await page.locator('#log b').count()).toBe(0);
    const rel = await page.getAttribute('#log a', 'rel');
    expect(rel).toContain('noopener');
    await page.context().close();
  });

  for (const viewport of [PHONE, DESKTOP]) {
    it(`widget at ${viewport.width}×${viewport.height}: hostile host CSS leaves the launcher alone; open, Esc, focus`, async () => {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const site = (css: string) =>
        `<html><head><style>${css}</style></head><body><h1>UBND phường</h1><p>Tin tức</p>` +
        `<script src="${baseUrl}/widget.js" data-title="Hỏi đáp TTHC" data-color="#0b5cad" ` +
        `data-greeting="Chào bạn, phường Ví Dụ hỗ trợ trực tuyến."></script></body></html>`;
      const plain = baseUrl.replace('127.0.0.1', 'localhost') + '/plain.html';
      const hostile = baseUrl.replace('127.0.0.1', 'localhost') + '/hostile.html';
      const hostileCss =
        'button{width:100%!important;height:90px;background:yellow;font-size:40px;padding:30px;display:block}' +
        '*{font-family:serif!important;letter-spacing:3px}div{position:static!important;transform:scale(.5)}' +
        'iframe{display:none!important}';
      await page.route(plain, (r) => r.fulfill({ contentType: 'text/html; charset=utf-8', body: site('') }));
      await page.route(hostile, (r) =>
        r.fulfill({ contentType: 'text/html; charset=utf-8', body: site(hostileCss) }),
      );

      const launcherBox = async () => {
        const launcher = page.getByRole('button', { name: 'Hỏi đáp TTHC' });
        await launcher.waitFor();
        return launcher.boundingBox();
      };
      await page.goto(plain);
      const clean = await launcherBox();
      await page.goto(hostile);
      const underHostile = await launcherBox();
      expect(underHostile).toEqual(clean);
      expect(clean!.width).toBeLessThan(viewport.width / 2);
      await page.screenshot({ path: path.join(SHOTS, `widget-${viewport.width}-hostile-closed.png`) });

      // Keyboard: focus the launcher, Enter opens, focus lands in the chat's input.
      await page.getByRole('button', { name: 'Hỏi đáp TTHC' }).focus();
      await page.keyboard.press('Enter');
      const frame = page.frameLocator('iframe[title="Hỏi đáp TTHC"]');
      await frame.locator('.msg--bot', { hasText: 'phường Ví Dụ hỗ trợ trực tuyến' }).waitFor();
      await frame.locator('.msg--bot', { hasText: 'Xin chào' }).first().waitFor();
      await frame.locator('#input:focus').waitFor();
      await page.screenshot({ path: path.join(SHOTS, `widget-${viewport.width}-open.png`) });
      // Esc inside the chat closes the panel and focus returns to the launcher.
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Hỏi đáp TTHC', expanded: false }).waitFor();
      expect(await page.getByRole('dialog').isVisible()).toBe(false);
      const focused = await page.evaluate(() => document.activeElement?.tagName);
      expect(focused).toBe('DIV'); // the widget's shadow host holds the focused launcher
      // The close button works too.
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Đóng cửa sổ trò chuyện' }).click();
      expect(await page.getByRole('dialog').isVisible()).toBe(false);
      await context.close();
    });
  }
});
