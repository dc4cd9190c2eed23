/**
 * Server-rendered pages of the officers' dashboard, in Vietnamese. Every value that can
 * hold citizen text goes through `esc`; scripts are files under /admin/assets (the CSP
 * forbids inline script).
 */
import type { ReachReport, UnansweredGroup } from '../store/reports';
import type { HandoffRow } from './handoffs';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escapes any value (null and undefined become ''). */
export function esc(value: unknown): string {
  return value === null || value === undefined ? '' : String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export const CHANNEL_NAMES: Record<string, string> = {
  web: 'Web',
  zalo: 'Zalo',
  messenger: 'Messenger',
  telegram: 'Telegram',
  cli: 'Terminal',
};

const NAV = [
  ['/admin', 'Tổng quan'],
  ['/admin/unanswered', 'Câu hỏi chưa trả lời'],
  ['/admin/feedback', 'Đánh giá 👎'],
  ['/admin/handoffs', 'Yêu cầu gặp cán bộ'],
  ['/admin/privacy', 'Xóa dữ liệu'],
] as const;

export function page(title: string, body: string, current = ''): string {
  const nav = current
    ? `<nav>${NAV.map(
        ([href, label]) =>
          `<a href="${href}"${href === current ? ' aria-current="page"' : ''}>${esc(label)}</a>`,
      ).join(
        '',
      )}<form method="post" action="/admin/logout"><button type="submit">Đăng xuất</button></form></nav>`
    : '';
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — Trợ lý TTHC</title><link rel="stylesheet" href="/admin/assets/admin.css"></head>
<body><header><strong>Trợ lý TTHC · Bảng điều khiển cán bộ</strong>${nav}</header>
<main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

export function loginPage(error?: string): string {
  return page(
    'Đăng nhập',
    `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/admin/login" class="login">
<label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Đăng nhập</button></form>`,
  );
}

export interface RangeForm {
  from: string;
  to: string;
  preset: string;
  channel: string | null;
}

function rangeForm(action: string, r: RangeForm): string {
  const presets: [string, string][] = [
    ['', 'Tùy chọn ngày'],
    ['month', 'Tháng này'],
    ['quarter', 'Quý này'],
    ['half-year', '6 tháng này'],
    ['year', 'Năm nay'],
  ];
  const channels = ['', ...Object.keys(CHANNEL_NAMES)];
  return `<form method="get" action="${action}" class="range">
<label>Kỳ báo cáo <select name="preset">${presets
    .map(([v, l]) => `<option value="${v}"${v === r.preset ? ' selected' : ''}>${l}</option>`)
    .join('')}</select></label>
<label>Từ ngày <input type="date" name="from" value="${esc(r.from)}"></label>
<label>Đến ngày <input type="date" name="to" value="${esc(r.to)}"></label>
<label>Kênh <select name="channel">${channels
    .map(
      (c) =>
        `<option value="${c}"${c === (r.channel ?? '') ? ' selected' : ''}>${c ? CHANNEL_NAMES[c] : 'Tất cả'}</option>`,
    )
    .join('')}</select></label>
<button type="submit">Xem</button></form>`;
}

const pct = (x: number | null) =>
  x === null ? '—' : `${(Math.round(x * 1000) / 10).toLocaleString('vi-VN')}%`;
const num = (n: number) => n.toLocaleString('vi-VN');

/** How each figure is counted, shown under the figures so the report can quote it. */
const HOW_COUNTED = `<details class="how" open><summary>Cách tính các số liệu</summary><ul>
<li><b>Người dân tiếp cận</b>: số mã ẩn danh đã <em>gửi ít nhất một tin nhắn hoặc bấm một nút</em> trong kỳ, đếm riêng trên từng kênh
(một người dùng cả Zalo và Messenger được đếm hai lần). Lượt mở trang web chat hay trang có nút trò chuyện mà không nhắn gì <em>không</em> được tính.</li>
<li><b>Người mới / quay lại</b>: người mới là người nhắn lần đầu trong kỳ này; người quay lại đã từng nhắn trước kỳ.</li>
<li><b>Cuộc trò chuyện</b>: chuỗi tin nhắn của một người, kết thúc sau 30 phút không nhắn.</li>
<li><b>Tin nhắn đến / đi</b>: tin nhắn và lượt bấm nút của người dân / tin trả lời của trợ lý và của cán bộ.</li>
<li><b>Tỷ lệ chưa trả lời được</b>: phần câu hỏi trợ lý không nhận ra chủ đề, trên tổng số câu hỏi.</li>
<li><b>Mức hài lòng</b>: số 👍 trên tổng số 👍 và 👎.</li>
<li><b>Lượt mở liên kết</b>: lượt bấm vào liên kết trong câu trả lời.</li>
<li><b>Yêu cầu gặp cán bộ</b>: số lần người dân chọn "Gặp cán bộ" (mỗi người tối đa một yêu cầu đang mở).</li>
<li>Ngày tính theo giờ Việt Nam (UTC+7).</li></ul></details>`;

export function overviewPage(r: ReachReport, form: RangeForm, query: string): string {
  const tiles: [string, string][] = [
    ['Người dân tiếp cận', num(r.uniqueCitizens)],
    ['Người mới', num(r.newCitizens)],
    ['Người quay lại', num(r.returningCitizens)],
    ['Cuộc trò chuyện', num(r.conversations)],
    ['Tin nhắn đến / đi', `${num(r.messagesIn)} / ${num(r.messagesOut)}`],
    ['Tỷ lệ chưa trả lời được', pct(r.fallbackRate)],
    ['Mức hài lòng', pct(r.satisfactionRate)],
    ['Lượt mở liên kết', num(r.linkClicks)],
    ['Yêu cầu gặp cán bộ', num(r.handoffs)],
    ['Thời gian phản hồi (trung vị)', r.medianLatencyMs === null ? '—' : `${num(r.medianLatencyMs)} ms`],
  ];
  return page(
    'Tổng quan',
    `${rangeForm('/admin', form)}
<p class="muted">Từ ${esc(r.range.from)} đến ${esc(r.range.to)} · ${esc(r.channel ? CHANNEL_NAMES[r.channel] : 'tất cả các kênh')}.
Mỗi người dân được đếm theo mã ẩn danh riêng trên từng kênh.</p>
<section class="tiles">${tiles
      .map(
        ([label, value]) =>
          `<div class="tile"><span>${esc(label)}</span><strong>${esc(value)}</strong></div>`,
      )
      .join('')}</section>
<section class="charts" id="charts" data-query="${esc(query)}">
<figure><figcaption>Người dân mỗi ngày theo kênh</figcaption><canvas id="chart-citizens" height="220"></canvas></figure>
<figure><figcaption>Chủ đề được hỏi nhiều nhất</figcaption><canvas id="chart-topics" height="220"></canvas></figure>
<figure><figcaption>Tỷ lệ chưa trả lời được theo ngày</figcaption><canvas id="chart-fallback" height="220"></canvas></figure>
</section>
${HOW_COUNTED}
<p><a href="/admin/export/report.csv?${esc(query)}" download>Tải báo cáo (CSV)</a> ·
<a href="/admin/export/unanswered.csv?${esc(query)}" download>Tải câu hỏi chưa trả lời (CSV)</a></p>
<script src="/admin/assets/chart.umd.min.js"></script><script src="/admin/assets/admin.js"></script>`,
    '/admin',
  );
}

export function unansweredPage(groups: UnansweredGroup[], form: RangeForm, query: string): string {
  const rows = groups
    .map(
      (g) =>
        `<tr><td class="n">${num(g.n)}</td><td>${esc(g.normalised)}</td><td class="citizen">${esc(g.example)}</td></tr>`,
    )
    .join('');
  return page(
    'Câu hỏi chưa trả lời',
    `${rangeForm('/admin/unanswered', form)}
<p class="muted">Gộp theo nội dung đã chuẩn hóa (không dấu). Số căn cước, số điện thoại, email đã được xóa trước khi lưu.
<a href="/admin/export/unanswered.csv?${esc(query)}" download>Tải CSV cho biên tập viên</a></p>
<table><thead><tr><th>Số lần</th><th>Câu hỏi (chuẩn hóa)</th><th>Ví dụ người dân gõ</th></tr></thead>
<tbody>${rows || '<tr><td colspan="3">Không có câu hỏi nào trong kỳ này.</td></tr>'}</tbody></table>`,
    '/admin/unanswered',
  );
}

export interface DownRated {
  answer_id: string | null;
  n: number;
}
export interface DownRatedItem {
  ts: number;
  channel: string;
  answer_id: string | null;
  question: string | null;
}

const time = (ts: number) =>
  new Date(ts).toLocaleString('vi-VN', {
    timeZone: 'Asia/Ho_Chi_Minh',
    dateStyle: 'short',
    timeStyle: 'short',
  });

export function feedbackPage(byAnswer: DownRated[], items: DownRatedItem[], form: RangeForm): string {
  return page(
    'Câu trả lời bị đánh giá 👎',
    `${rangeForm('/admin/feedback', form)}
<h2>Theo câu trả lời</h2>
<table><thead><tr><th>Câu trả lời (intent)</th><th>Số lượt 👎</th></tr></thead><tbody>${
      byAnswer
        .map((a) => `<tr><td>${esc(a.answer_id ?? '(không rõ)')}</td><td class="n">${num(a.n)}</td></tr>`)
        .join('') || '<tr><td colspan="2">Chưa có đánh giá 👎 trong kỳ này.</td></tr>'
    }</tbody></table>
<h2>Gần đây</h2>
<table><thead><tr><th>Thời gian</th><th>Kênh</th><th>Câu trả lời</th><th>Người dân đã hỏi</th></tr></thead><tbody>${items
      .map(
        (i) =>
          `<tr><td>${esc(time(i.ts))}</td><td>${esc(CHANNEL_NAMES[i.channel] ?? i.channel)}</td><td>${esc(i.answer_id)}</td><td class="citizen">${esc(i.question ?? '(đã xóa theo thời hạn lưu)')}</td></tr>`,
      )
      .join('')}</tbody></table>`,
    '/admin/feedback',
  );
}

export function handoffsPage(open: HandoffRow[], done: HandoffRow[]): string {
  const card = (h: HandoffRow) => {
    const messages: string[] = h.last_messages ? (JSON.parse(h.last_messages) as string[]) : [];
    return `<article class="handoff"><h3>#${h.id} · ${esc(CHANNEL_NAMES[h.channel] ?? h.channel)} · ${esc(time(h.ts))}</h3>
<p class="muted">Mã người dân: <code>${esc(h.user_key)}</code>${h.notified === 'failed' ? ' · <span class="error">chưa gửi được sang Telegram</span>' : ''}</p>
<ul class="citizen">${messages.map((m) => `<li>${esc(m)}</li>`).join('') || '<li>(không có nội dung)</li>'}</ul>
${
  h.status === 'open'
    ? `<form method="post" action="/admin/handoffs/${h.id}/done"><button type="submit">Đánh dấu đã xử lý</button></form>`
    : `<p class="muted">Đã xử lý ${esc(time(h.done_at ?? h.ts))}</p>`
}</article>`;
  };
  return page(
    'Yêu cầu gặp cán bộ',
    `<h2>Đang chờ (${open.length})</h2>${open.map(card).join('') || '<p>Không có yêu cầu nào đang chờ.</p>'}
<h2>Đã xử lý gần đây</h2>${done.map(card).join('') || '<p>Chưa có.</p>'}`,
    '/admin/handoffs',
  );
}

export function privacyPage(message?: { ok: boolean; text: string }): string {
  return page(
    'Xóa dữ liệu của một người dân',
    `${message ? `<p class="${message.ok ? 'ok' : 'error'}" role="status">${esc(message.text)}</p>` : ''}
<p>Khi người dân yêu cầu xóa dữ liệu qua cán bộ (thời hạn trả lời: 2 ngày làm việc), nhập mã ẩn danh của họ
(32 ký tự, xem trong yêu cầu gặp cán bộ). Mọi tin nhắn, đánh giá, lượt mở liên kết và yêu cầu của mã này bị xóa;
số liệu tổng hợp không gắn với người nào được giữ lại.</p>
<form method="post" action="/admin/privacy/erase" class="login">
<label for="userKey">Mã ẩn danh</label><input id="userKey" name="userKey" required pattern="[0-9a-f]{32}" autocomplete="off">
<button type="submit">Xóa toàn bộ dữ liệu</button></form>`,
    '/admin/privacy',
  );
}
