/**
 * Server-rendered pages of the officers' dashboard, in Vietnamese. Every value that can
 * hold citizen text goes through `esc`; scripts are files under /admin/assets (the CSP
 * forbids inline script).
 */
import { REDACTED } from '../store/redact';
import type { ReachReport, UnansweredGroup } from '../store/reports';
import type { ConversationLine, HandoffEventRow, HandoffRow, HandoffStatus } from './handoffs';
import type { ReplyWindow } from './officer-send';
import type { Officer } from './officers';

/**
 * What the officers are told was removed from citizens' text, read from the redaction
 * labels themselves (src/store/redact.ts) so it cannot fall behind what is redacted.
 */
const REDACTION_NOTE =
  `Trước khi lưu, thông tin cá nhân nhận ra được đã được thay bằng nhãn: ${Object.values(REDACTED).join(', ')}. ` +
  'Tên hoặc địa chỉ viết không kèm lời dẫn (như "tôi tên …", "số 15 đường …") có thể còn sót.';

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
  ['/admin/report', 'Báo cáo định kỳ'],
  ['/admin/unanswered', 'Câu hỏi chưa trả lời'],
  ['/admin/review', 'Cần rà soát'],
  ['/admin/feedback', 'Đánh giá 👎'],
  ['/admin/handoffs', 'Yêu cầu gặp cán bộ'],
  ['/admin/privacy', 'Xóa dữ liệu'],
  ['/admin/officers', 'Cán bộ'],
] as const;

/** Replaced per request (src/admin/router.ts) with the officer's name and the waiting count. */
export const HEADER_SLOT = '<!--officer-->';
export const COUNT_SLOT = '<!--waiting-->';

/** The header's officer name and the count of requests waiting (escaped here). */
export function headerParts(officer: Officer, waiting: number): { who: string; count: string } {
  return {
    who: `<span class="who">${esc(officer.name)}</span>`,
    count:
      waiting > 0 ? ` <span class="badge" aria-label="${waiting} yêu cầu đang chờ">${waiting}</span>` : '',
  };
}

export function page(title: string, body: string, current = ''): string {
  const nav = current
    ? `<nav>${NAV.map(
        ([href, label]) =>
          `<a href="${href}"${href === current ? ' aria-current="page"' : ''}>${esc(label)}${href === '/admin/handoffs' ? COUNT_SLOT : ''}</a>`,
      ).join(
        '',
      )}${HEADER_SLOT}<form method="post" action="/admin/logout"><button type="submit">Đăng xuất</button></form></nav>`
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
<label for="username">Tên đăng nhập <span class="muted">(để trống nếu dùng mật khẩu quản trị)</span></label>
<input id="username" name="username" autocomplete="username" autocapitalize="none">
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

export const PRESET_LABELS: [string, string][] = [
  ['month', 'Tháng này'],
  ['last-month', 'Tháng trước'],
  ['quarter', 'Quý này'],
  ['last-quarter', 'Quý trước'],
  ['half-year', '6 tháng này'],
  ['last-half-year', '6 tháng trước'],
  ['year', 'Năm nay'],
  ['last-year', 'Năm trước'],
];

/** One-click periods, then the typed range (which always wins: it has its own button). */
function rangeForm(action: string, r: RangeForm): string {
  const channels = ['', ...Object.keys(CHANNEL_NAMES)];
  const presetLink = ([value, label]: [string, string]) => {
    const q = new URLSearchParams({ preset: value });
    if (r.channel) q.set('channel', r.channel);
    return `<a href="${action}?${q.toString()}"${value === r.preset ? ' aria-current="true" class="preset preset--on"' : ' class="preset"'}>${esc(label)}</a>`;
  };
  return `<nav class="presets" aria-label="Kỳ báo cáo">${PRESET_LABELS.map(presetLink).join('')}</nav>
<form method="get" action="${action}" class="range">
<label>Từ ngày <input type="date" name="from" value="${esc(r.from)}" required></label>
<label>Đến ngày <input type="date" name="to" value="${esc(r.to)}" required></label>
<label>Kênh <select name="channel">${channels
    .map(
      (c) =>
        `<option value="${c}"${c === (r.channel ?? '') ? ' selected' : ''}>${c ? CHANNEL_NAMES[c] : 'Tất cả'}</option>`,
    )
    .join('')}</select></label>
<button type="submit">Xem</button></form>`;
}

const NO_DATA = 'chưa có dữ liệu';
const pct = (x: number | null) =>
  x === null ? NO_DATA : `${(Math.round(x * 1000) / 10).toLocaleString('vi-VN')}%`;

/** Topic names for the first part of an intent id ("proc.id_card" → "proc"). */
export const TOPIC_NAMES: Record<string, string> = {
  dvc: 'Dịch vụ công trực tuyến',
  vneid: 'VNeID',
  proc: 'Thủ tục',
  lienthong: 'Liên thông',
  dean06: 'Đề án 06',
  hotline: 'Đường dây nóng',
  office: 'Bộ phận một cửa',
  support: 'Tổ công nghệ số',
  feedback: 'Phản ánh, kiến nghị',
  greeting: 'Chào hỏi',
  thanks: 'Cảm ơn',
  help: 'Hướng dẫn',
  handoff: 'Gặp cán bộ',
};

/** A table of counts with names, or "chưa có dữ liệu". */
function countTable(caption: string, head: string, rows: { name: string; n: number }[]): string {
  return `<table class="counts"><caption>${esc(caption)}</caption><thead><tr><th>${esc(head)}</th><th>Số câu hỏi</th></tr></thead><tbody>${
    rows.map((r) => `<tr><td>${esc(r.name)}</td><td class="n">${num(r.n)}</td></tr>`).join('') ||
    `<tr><td colspan="2">${NO_DATA}</td></tr>`
  }</tbody></table>`;
}
const num = (n: number) => n.toLocaleString('vi-VN');

/** How each figure is counted, shown under the figures so the report can quote it. */
const HOW_COUNTED = `<details class="how" open><summary>Cách tính các số liệu</summary><ul>
<li><b>Người dân tiếp cận</b>: số mã ẩn danh đã <em>gửi ít nhất một tin nhắn hoặc bấm một nút</em> trong kỳ, đếm riêng trên từng kênh
(một người dùng cả Zalo và Messenger được đếm hai lần). Lượt mở trang web chat hay trang có nút trò chuyện mà không nhắn gì <em>không</em> được tính.</li>
<li><b>Người mới / quay lại</b>: người mới là người nhắn lần đầu trong kỳ này; người quay lại đã từng nhắn trước kỳ.</li>
<li><b>Cuộc trò chuyện</b>: chuỗi tin nhắn của một người, kết thúc sau 30 phút không nhắn.</li>
<li><b>Tin nhắn đến / đi</b>: tin nhắn và lượt bấm nút của người dân / tin trả lời của trợ lý và của cán bộ (tin của cán bộ được tính khi đã đến người dân).</li>
<li><b>Tỷ lệ chưa trả lời được</b>: phần câu hỏi trợ lý không nhận ra chủ đề, trên tổng số câu hỏi.</li>
<li><b>Mức hài lòng</b>: số 👍 trên tổng số 👍 và 👎.</li>
<li><b>Lượt mở liên kết</b>: lượt bấm vào liên kết trong câu trả lời.</li>
<li><b>Yêu cầu gặp cán bộ</b>: số lần người dân chọn "Gặp cán bộ" (mỗi người tối đa một yêu cầu đang mở); <b>đã được cán bộ trả lời</b>: yêu cầu có ít nhất một tin trả lời của cán bộ đã đến người dân.</li>
<li>Ngày tính theo giờ Việt Nam (UTC+7).</li></ul></details>`;

export function overviewPage(
  r: ReachReport,
  form: RangeForm,
  query: string,
  titleOf: (id: string) => string,
): string {
  const questions = r.answered + r.fallbacks;
  const tiles: [string, string][] = [
    ['Người dân tiếp cận', num(r.uniqueCitizens)],
    ['Người mới', num(r.newCitizens)],
    ['Người quay lại', num(r.returningCitizens)],
    ['Cuộc trò chuyện', num(r.conversations)],
    ['Tin nhắn đến / đi', `${num(r.messagesIn)} / ${num(r.messagesOut)}`],
    ['Tỷ lệ chưa trả lời được', pct(questions === 0 ? null : r.fallbackRate)],
    ['Mức hài lòng', pct(r.satisfactionRate)],
    ['Lượt mở liên kết', num(r.linkClicks)],
    ['Yêu cầu gặp cán bộ', num(r.handoffs)],
    ['Yêu cầu đã được cán bộ trả lời', num(r.handoffsAnswered)],
    ['Thời gian phản hồi (trung vị)', r.medianLatencyMs === null ? NO_DATA : `${num(r.medianLatencyMs)} ms`],
  ];
  const empty = r.messagesIn === 0;
  return page(
    'Tổng quan',
    `${rangeForm('/admin', form)}
<p class="muted">Từ ${esc(r.range.from)} đến ${esc(r.range.to)} · ${esc(r.channel ? CHANNEL_NAMES[r.channel] : 'tất cả các kênh')}.
Mỗi người dân được đếm theo mã ẩn danh riêng trên từng kênh.</p>
${empty ? `<p class="empty" role="status">Chưa có dữ liệu trong kỳ này: chưa có người dân nào nhắn tin.</p>` : ''}
<section class="tiles">${tiles
      .map(
        ([label, value]) =>
          `<div class="tile"><span>${esc(label)}</span><strong>${esc(value)}</strong></div>`,
      )
      .join('')}</section>
<section class="charts" id="charts" data-query="${esc(query)}">
<figure><figcaption>Người dân mỗi ngày theo kênh</figcaption><canvas id="chart-citizens" height="220"></canvas></figure>
<figure><figcaption>Câu hỏi được hỏi nhiều nhất</figcaption><canvas id="chart-topics" height="220"></canvas></figure>
<figure><figcaption>Tỷ lệ chưa trả lời được theo ngày</figcaption><canvas id="chart-fallback" height="220"></canvas></figure>
</section>
<section class="breakdowns">
${countTable(
  'Theo chủ đề',
  'Chủ đề',
  r.topics.map((t) => ({ name: TOPIC_NAMES[t.key] ?? t.key, n: t.n })),
)}
${countTable(
  'Theo câu trả lời, thủ tục',
  'Câu trả lời',
  r.intents.map((i) => ({ name: titleOf(i.key), n: i.n })),
)}
${countTable(
  'Thủ tục được hỏi nhiều nhất',
  'Thủ tục',
  r.procedures.map((p) => ({ name: `${titleOf(p.key)} (${p.key})`, n: p.n })),
)}
</section>
${HOW_COUNTED}
<p><a href="/admin/export/report.xlsx?${esc(query)}" download>Tải báo cáo (Excel .xlsx)</a> ·
<a href="/admin/export/report.csv?${esc(query)}" download>Tải báo cáo (CSV)</a> ·
<a href="/admin/export/unanswered.csv?${esc(query)}" download>Tải câu hỏi chưa trả lời (CSV)</a></p>
<script src="/admin/assets/chart.umd.min.js"></script><script src="/admin/assets/admin.js"></script>`,
    '/admin',
  );
}

/** Rows that get the "add as a training phrase" form (the most frequent first). */
const TRAIN_ROWS = 100;

export function unansweredPage(
  groups: UnansweredGroup[],
  form: RangeForm,
  query: string,
  topics: { id: string; title: string }[],
  procedures: { code: string; title: string }[],
  flash?: { ok: boolean; text: string },
): string {
  // A topic gets a training phrase; a procedure gets an alias (another name citizens use).
  const options =
    `<optgroup label="Chủ đề (câu hỏi mẫu)">${topics
      .map((t) => `<option value="intent:${esc(t.id)}">${esc(t.title)}</option>`)
      .join('')}</optgroup>` +
    (procedures.length > 0
      ? `<optgroup label="Thủ tục (tên gọi khác)">${procedures
          .map((p) => `<option value="proc:${esc(p.code)}">${esc(p.title)}</option>`)
          .join('')}</optgroup>`
      : '');
  const rows = groups
    .map((g, i) => {
      const train =
        i < TRAIN_ROWS
          ? `<form method="post" action="/admin/unanswered/train" class="train">
<input type="hidden" name="back" value="${esc(query)}">
<label class="visually-hidden" for="p-${i}">Câu hỏi mẫu</label><input id="p-${i}" name="phrase" value="${esc(g.example ?? g.normalised)}" maxlength="300" required>
<label class="visually-hidden" for="t-${i}">Chủ đề hoặc thủ tục</label><select id="t-${i}" name="target" required><option value="">— chọn chủ đề hoặc thủ tục —</option>${options}</select>
<button type="submit">Thêm làm câu hỏi mẫu</button></form>`
          : '';
      return `<tr><td class="n">${num(g.n)}</td><td>${esc(g.normalised)}</td><td class="citizen">${esc(g.example)}</td><td>${train}</td></tr>`;
    })
    .join('');
  return page(
    'Câu hỏi chưa trả lời',
    `${flash ? `<p class="${flash.ok ? 'ok' : 'error'}" role="status">${esc(flash.text)}</p>` : ''}${rangeForm('/admin/unanswered', form)}
<p class="muted">Gộp theo nội dung đã chuẩn hóa (không dấu). ${esc(REDACTION_NOTE)}
Chọn chủ đề (hoặc thủ tục) rồi bấm "Thêm làm câu hỏi mẫu": câu được ghi vào tệp <code>intents/&lt;chủ đề&gt;.yaml</code>
(hoặc vào <code>aliases</code> của <code>content/procedures/&lt;mã&gt;.md</code>) kèm tên bạn và ngày,
được kiểm tra như <code>npm run content:check</code>, và trợ lý học lại trong vài giây.
<a href="/admin/export/unanswered.csv?${esc(query)}" download>Tải CSV cho biên tập viên</a></p>
<table><thead><tr><th>Số lần</th><th>Câu hỏi (chuẩn hóa)</th><th>Ví dụ người dân gõ</th><th>Dạy trợ lý</th></tr></thead>
<tbody>${rows || '<tr><td colspan="4">Không có câu hỏi nào trong kỳ này.</td></tr>'}</tbody></table>`,
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

export function feedbackPage(
  byAnswer: DownRated[],
  items: DownRatedItem[],
  form: RangeForm,
  titleOf: (id: string) => string,
): string {
  const title = (id: string | null) => (id ? titleOf(id) : '(không rõ)');
  return page(
    'Câu trả lời bị đánh giá 👎',
    `${rangeForm('/admin/feedback', form)}
<h2>Theo câu trả lời</h2>
<table><thead><tr><th>Câu trả lời</th><th>Số lượt 👎</th></tr></thead><tbody>${
      byAnswer
        .map((a) => `<tr><td>${esc(title(a.answer_id))}</td><td class="n">${num(a.n)}</td></tr>`)
        .join('') || '<tr><td colspan="2">Chưa có đánh giá 👎 trong kỳ này.</td></tr>'
    }</tbody></table>
<h2>Gần đây</h2>
<table><thead><tr><th>Thời gian</th><th>Kênh</th><th>Câu trả lời</th><th>Người dân đã hỏi</th></tr></thead><tbody>${items
      .map(
        (i) =>
          `<tr><td>${esc(time(i.ts))}</td><td>${esc(CHANNEL_NAMES[i.channel] ?? i.channel)}</td><td>${esc(title(i.answer_id))}</td><td class="citizen">${esc(i.question ?? '(đã xóa theo thời hạn lưu)')}</td></tr>`,
      )
      .join('')}</tbody></table>`,
    '/admin/feedback',
  );
}

export const STATUS_LABELS: Record<HandoffStatus, string> = {
  new: 'Mới',
  assigned: 'Đang xử lý',
  answered: 'Đã trả lời',
  closed: 'Đã đóng',
};

const MESSAGE_STATUS: Record<string, string> = {
  pending: 'chờ người dân mở trang trò chuyện',
  delivered: 'đã gửi tới người dân',
  failed: 'chưa gửi được',
  outside_window: 'không gửi được (quá thời hạn nền tảng cho phép)',
};

export interface HandoffListForm {
  status: string;
  channel: string;
  assigned: string;
  page: number;
  pageSize: number;
}

function handoffFilterForm(f: HandoffListForm, officers: Officer[]): string {
  const opt = (value: string, label: string, current: string) =>
    `<option value="${esc(value)}"${value === current ? ' selected' : ''}>${esc(label)}</option>`;
  return `<form method="get" action="/admin/handoffs" class="range">
<label>Trạng thái <select name="status">${[
    ['open', 'Chưa đóng'],
    ...Object.entries(STATUS_LABELS),
    ['all', 'Tất cả'],
  ]
    .map(([v, l]) => opt(v, l, f.status))
    .join('')}</select></label>
<label>Kênh <select name="channel">${opt('', 'Tất cả', f.channel)}${Object.entries(CHANNEL_NAMES)
    .map(([v, l]) => opt(v, l, f.channel))
    .join('')}</select></label>
<label>Cán bộ <select name="assigned">${opt('', 'Tất cả', f.assigned)}${opt('me', 'Của tôi', f.assigned)}${opt(
    'none',
    'Chưa giao',
    f.assigned,
  )}${officers.map((o) => opt(String(o.id), o.name, f.assigned)).join('')}</select></label>
<button type="submit">Lọc</button></form>`;
}

export function handoffsPage(
  rows: HandoffRow[],
  total: number,
  f: HandoffListForm,
  officers: Officer[],
): string {
  const pages = Math.max(1, Math.ceil(total / f.pageSize));
  const link = (page: number) => {
    const q = new URLSearchParams({
      status: f.status,
      channel: f.channel,
      assigned: f.assigned,
      page: String(page),
    });
    return `/admin/handoffs?${q.toString()}`;
  };
  const excerpt = (h: HandoffRow) => {
    const messages: string[] = h.last_messages ? (JSON.parse(h.last_messages) as string[]) : [];
    const last = messages.at(-1) ?? '';
    return last.length > 120 ? `${last.slice(0, 120)}…` : last;
  };
  const body = rows
    .map(
      (h) => `<tr><td><a href="/admin/handoffs/${h.id}">#${h.id}</a></td><td>${esc(time(h.ts))}</td>
<td>${esc(CHANNEL_NAMES[h.channel] ?? h.channel)}</td><td><span class="status status--${esc(h.status)}">${esc(STATUS_LABELS[h.status] ?? h.status)}</span></td>
<td>${esc(h.assigned_name ?? '—')}</td><td class="citizen">${esc(excerpt(h)) || '<span class="muted">(không có nội dung)</span>'}</td>
<td><a href="/admin/handoffs/${h.id}">Mở</a></td></tr>`,
    )
    .join('');
  const nav =
    pages > 1
      ? `<nav class="pager" aria-label="Trang">${f.page > 1 ? `<a href="${esc(link(f.page - 1))}">← Trang trước</a>` : ''}
<span>Trang ${f.page}/${pages}</span>${f.page < pages ? `<a href="${esc(link(f.page + 1))}">Trang sau →</a>` : ''}</nav>`
      : '';
  return page(
    'Yêu cầu gặp cán bộ',
    `${handoffFilterForm(f, officers)}
<p class="muted">${num(total)} yêu cầu. Mở một yêu cầu để xem cuộc trò chuyện, trả lời người dân, giao việc hoặc ghi chú.</p>
<table class="handoffs"><thead><tr><th>Số</th><th>Thời gian</th><th>Kênh</th><th>Trạng thái</th><th>Cán bộ</th><th>Tin nhắn cuối</th><th></th></tr></thead>
<tbody>${body || '<tr><td colspan="7">Không có yêu cầu nào.</td></tr>'}</tbody></table>${nav}`,
    '/admin/handoffs',
  );
}

export interface HandoffView {
  handoff: HandoffRow;
  lines: ConversationLine[];
  events: HandoffEventRow[];
  window: ReplyWindow;
  officers: Officer[];
  me: Officer;
  titleOf: (answerId: string | null | undefined) => string;
  flash?: { ok: boolean; text: string };
}

const ACTIONS: Record<string, string> = {
  assign: 'giao cho',
  reply: 'trả lời người dân',
  note: 'sửa ghi chú',
  close: 'đóng yêu cầu',
  reopen: 'mở lại yêu cầu',
};

/** Guide and control buttons, as the citizen saw them. */
const TAPS: Record<string, string> = {
  '#next': 'Tiếp',
  '#all': 'Xem tất cả',
  '#unsupported': '(hình ảnh, nhãn dán hoặc tệp)',
};

export function handoffPage(v: HandoffView): string {
  const h = v.handoff;
  const line = (l: ConversationLine) => {
    if (l.who === 'citizen') {
      const said = l.payload
        ? `[bấm nút] ${TAPS[l.payload] ?? v.titleOf(l.payload)}`
        : (l.text ?? '(đã xóa theo thời hạn lưu)');
      return `<li class="line line--citizen"><span class="meta">Người dân · ${esc(time(l.ts))}</span><span class="citizen">${esc(said)}</span></li>`;
    }
    if (l.who === 'bot')
      return `<li class="line line--bot"><span class="meta">Trợ lý trả lời</span>${esc(l.answerId ? v.titleOf(l.answerId) : 'Chưa hiểu câu hỏi (câu trả lời mặc định)')}</li>`;
    return `<li class="line line--officer"><span class="meta">${esc(l.officer)} · ${esc(time(l.ts))} · ${esc(MESSAGE_STATUS[l.status ?? ''] ?? l.status)}</span>${esc(l.text ?? '')}</li>`;
  };
  const closed = h.status === 'closed';
  const officerOptions = [v.me, ...v.officers.filter((o) => o.id !== v.me.id)]
    .map((o) => `<option value="${o.id}"${o.id === h.assigned_to ? ' selected' : ''}>${esc(o.name)}</option>`)
    .join('');
  return page(
    `Yêu cầu #${h.id}`,
    `${v.flash ? `<p class="${v.flash.ok ? 'ok' : 'error'}" role="status">${esc(v.flash.text)}</p>` : ''}
<p><a href="/admin/handoffs">← Danh sách yêu cầu</a></p>
<p>${esc(CHANNEL_NAMES[h.channel] ?? h.channel)} · ${esc(time(h.ts))} · <span class="status status--${esc(h.status)}">${esc(STATUS_LABELS[h.status])}</span>
· Cán bộ: <b>${esc(h.assigned_name ?? 'chưa giao')}</b> · Mã người dân: <code>${esc(h.user_key)}</code></p>
<div class="inbox">
<section class="conversation" aria-label="Cuộc trò chuyện"><h2>Cuộc trò chuyện</h2>
<ol class="lines">${v.lines.map(line).join('') || '<li class="muted">(không có tin nhắn nào còn lưu)</li>'}</ol>
<h3>Trả lời người dân</h3>
<p class="${v.window.open ? 'muted' : 'error'}" id="window">${esc(v.window.explanation)}${
      v.window.until ? ` Hạn: ${esc(time(v.window.until))}.` : ''
    }</p>
<form method="post" action="/admin/handoffs/${h.id}/reply" class="reply">
<label for="reply-text" class="visually-hidden">Nội dung trả lời</label>
<textarea id="reply-text" name="text" rows="4" maxlength="2000" required${v.window.open ? '' : ' disabled'}
 placeholder="Viết câu trả lời cho người dân. Không hỏi mật khẩu, mã OTP."></textarea>
<button type="submit"${v.window.open ? '' : ' disabled'}>Gửi trả lời</button></form>
</section>
<aside class="actions" aria-label="Xử lý"><h2>Xử lý</h2>
<form method="post" action="/admin/handoffs/${h.id}/assign"><label>Giao cho <select name="officer">${officerOptions}</select></label>
<button type="submit">Giao</button></form>
${
  closed
    ? `<form method="post" action="/admin/handoffs/${h.id}/reopen"><button type="submit">Mở lại yêu cầu</button></form>`
    : `<form method="post" action="/admin/handoffs/${h.id}/close"><button type="submit">Đóng yêu cầu</button></form>`
}
<form method="post" action="/admin/handoffs/${h.id}/note"><label for="note">Ghi chú nội bộ (người dân không thấy)</label>
<textarea id="note" name="note" rows="3" maxlength="2000">${esc(h.note ?? '')}</textarea><button type="submit">Lưu ghi chú</button></form>
<h3>Lịch sử</h3><ul class="events">${
      v.events
        .map(
          (e) =>
            `<li>${esc(time(e.ts))} · <b>${esc(e.officer_name)}</b> ${esc(ACTIONS[e.action] ?? e.action)}${e.detail ? ` ${esc(e.detail)}` : ''}</li>`,
        )
        .join('') || '<li class="muted">Chưa có.</li>'
    }</ul></aside></div>`,
    '/admin/handoffs',
  );
}

export function officersPage(
  officers: Officer[],
  me: Officer,
  flash?: { ok: boolean; text: string },
): string {
  const rows = officers
    .map(
      (
        o,
      ) => `<tr><td>${esc(o.name)}</td><td><code>${esc(o.username)}</code></td><td>${o.role === 'admin' ? 'Quản trị' : 'Cán bộ'}</td>
<td>${
        me.role === 'admin'
          ? `<form method="post" action="/admin/officers/${o.id}/password" class="inline"><label class="visually-hidden" for="pw-${o.id}">Mật khẩu mới cho ${esc(o.name)}</label>
<input id="pw-${o.id}" name="password" type="password" autocomplete="new-password" minlength="10" required placeholder="Mật khẩu mới"><button type="submit">Đổi</button></form>`
          : ''
      }</td></tr>`,
    )
    .join('');
  const form =
    me.role === 'admin'
      ? `<h2>Thêm cán bộ</h2><form method="post" action="/admin/officers" class="login">
<label for="o-name">Họ tên</label><input id="o-name" name="name" required maxlength="60">
<label for="o-username">Tên đăng nhập</label><input id="o-username" name="username" required maxlength="32" autocapitalize="none">
<label for="o-password">Mật khẩu (ít nhất 10 ký tự)</label><input id="o-password" name="password" type="password" autocomplete="new-password" minlength="10" required>
<label for="o-role">Vai trò</label><select id="o-role" name="role"><option value="officer">Cán bộ</option><option value="admin">Quản trị (thêm được cán bộ)</option></select>
<button type="submit">Thêm</button></form>`
      : '<p class="muted">Chỉ quản trị viên thêm được cán bộ.</p>';
  return page(
    'Tài khoản cán bộ',
    `${flash ? `<p class="${flash.ok ? 'ok' : 'error'}" role="status">${esc(flash.text)}</p>` : ''}
<table><thead><tr><th>Họ tên</th><th>Tên đăng nhập</th><th>Vai trò</th><th>Mật khẩu</th></tr></thead>
<tbody>${rows || '<tr><td colspan="4">Chưa có tài khoản cán bộ nào. Quản trị viên đăng nhập bằng mật khẩu quản trị (để trống tên đăng nhập).</td></tr>'}</tbody></table>${form}`,
    '/admin/officers',
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

export interface PeriodicReport {
  period: string;
  label: string;
  total: ReachReport;
  perChannel: ReachReport[];
}

/** "2026-Q3" → "Quý III/2026" etc., for the report's title. */
export function periodLabel(period: string): string {
  let m: RegExpMatchArray | null;
  if ((m = period.match(/^(\d{4})-(\d{2})$/))) return `Tháng ${Number(m[2])}/${m[1]}`;
  if ((m = period.match(/^(\d{4})-Q([1-4])$/i)))
    return `Quý ${['I', 'II', 'III', 'IV'][Number(m[2]) - 1]}/${m[1]}`;
  if ((m = period.match(/^(\d{4})-H([12])$/i))) return `6 tháng ${m[2] === '1' ? 'đầu' : 'cuối'} năm ${m[1]}`;
  return `Năm ${period}`;
}

/**
 * The printable periodic report: the figures per channel and in total, what citizens asked
 * about (by title), what the bot could not answer, and how each figure is counted.
 */
export function periodicReportPage(
  r: PeriodicReport,
  quick: { period: string; label: string }[],
  titleOf: (id: string) => string,
): string {
  const columns = [...r.perChannel, r.total];
  const head = columns.map((c) => `<th>${esc(c.channel ? CHANNEL_NAMES[c.channel] : 'Tổng')}</th>`).join('');
  const row = (label: string, value: (c: ReachReport) => string) =>
    `<tr><th scope="row">${esc(label)}</th>${columns.map((c) => `<td class="n">${esc(value(c))}</td>`).join('')}</tr>`;
  const rate = (c: ReachReport) => pct(c.answered + c.fallbacks === 0 ? null : c.fallbackRate);
  const t = r.total;
  return page(
    `Báo cáo ${r.label}`,
    `<nav class="presets no-print" aria-label="Kỳ báo cáo">${quick
      .map(
        (q) =>
          `<a class="preset${q.period === r.period ? ' preset--on' : ''}" href="/admin/report?period=${esc(q.period)}">${esc(q.label)}</a>`,
      )
      .join('')}</nav>
<form method="get" action="/admin/report" class="range no-print"><label>Kỳ khác
<input name="period" value="${esc(r.period)}" pattern="[0-9]{4}(-(0[1-9]|1[0-2])|-[QqHh][1-4])?" title="2026-03 (tháng), 2026-Q1 (quý), 2026-H1 (6 tháng), 2026 (năm)" required></label>
<button type="submit">Xem</button> <span class="muted">Để in hoặc lưu PDF: Ctrl+P.</span>
<a href="/admin/export/report.xlsx?from=${esc(t.range.from)}&amp;to=${esc(t.range.to)}" download>Tải Excel (.xlsx)</a></form>
<p>Từ ngày ${esc(t.range.from)} đến ngày ${esc(t.range.to)}. Trợ lý TTHC trên các kênh Web, Zalo, Messenger, Telegram.</p>
${t.messagesIn === 0 ? `<p class="empty" role="status">Chưa có dữ liệu trong kỳ này.</p>` : ''}
<h2>1. Kết quả tiếp cận theo kênh</h2>
<div class="scroll"><table class="report"><thead><tr><th></th>${head}</tr></thead><tbody>
${row('Người dân tiếp cận', (c) => num(c.uniqueCitizens))}
${row('Trong đó người mới', (c) => num(c.newCitizens))}
${row('Cuộc trò chuyện', (c) => num(c.conversations))}
${row('Tin nhắn đến', (c) => num(c.messagesIn))}
${row('Tin nhắn đi', (c) => num(c.messagesOut))}
${row('Câu hỏi được trả lời', (c) => num(c.answered))}
${row('Tỷ lệ chưa trả lời được', rate)}
${row('Yêu cầu gặp cán bộ', (c) => num(c.handoffs))}
${row('Đã được cán bộ trả lời', (c) => num(c.handoffsAnswered))}
${row('Mức hài lòng (👍 / tổng đánh giá)', (c) => pct(c.satisfactionRate))}
${row('Lượt mở liên kết', (c) => num(c.linkClicks))}
</tbody></table></div>
<h2>2. Nội dung người dân hỏi nhiều nhất</h2>
${countTable(
  'Theo chủ đề',
  'Chủ đề',
  t.topics.map((x) => ({ name: TOPIC_NAMES[x.key] ?? x.key, n: x.n })),
)}
${countTable(
  'Theo câu trả lời, thủ tục (10 nhiều nhất)',
  'Câu trả lời',
  t.intents.slice(0, 10).map((i) => ({ name: titleOf(i.key), n: i.n })),
)}
${countTable(
  'Thủ tục được hỏi nhiều nhất (10 thủ tục)',
  'Thủ tục',
  t.procedures.slice(0, 10).map((p) => ({ name: `${titleOf(p.key)} (${p.key})`, n: p.n })),
)}
<h2>3. Câu hỏi trợ lý chưa trả lời được (10 nhóm nhiều nhất)</h2>
<table><thead><tr><th>Số lần</th><th>Ví dụ người dân gõ</th></tr></thead><tbody>${
      t.unanswered
        .slice(0, 10)
        .map(
          (g) =>
            `<tr><td class="n">${num(g.n)}</td><td class="citizen">${esc(g.example ?? g.normalised)}</td></tr>`,
        )
        .join('') || `<tr><td colspan="2">${NO_DATA}</td></tr>`
    }</tbody></table>
<h2>4. Cách tính</h2>${HOW_COUNTED}`,
    '/admin/report',
  );
}

export interface ReviewItem {
  intent: string;
  title: string;
  file: string;
  reviewed: string;
  needsReview: boolean;
  overdue: boolean;
}

/** Answers marked needs_review or whose review date is older than the limit. */
export function reviewPage(items: ReviewItem[], maxAgeDays: number): string {
  const rows = items
    .map(
      (i) => `<tr><td>${esc(i.title)}</td><td><code>${esc(i.file)}</code></td><td>${esc(i.reviewed)}</td>
<td>${[
        i.needsReview ? 'còn thông tin chưa kiểm tra (needs_review)' : '',
        i.overdue ? `quá ${maxAgeDays} ngày chưa rà soát` : '',
      ]
        .filter(Boolean)
        .join('; ')}</td></tr>`,
    )
    .join('');
  return page(
    'Câu trả lời cần rà soát',
    `<p class="muted">Các câu trả lời còn ghi <code>needs_review</code> hoặc đã quá ${maxAgeDays} ngày kể từ ngày rà soát (<code>reviewed</code>).
Biên tập viên sửa tệp, cập nhật ngày <code>reviewed</code>, rồi chạy <code>npm run content:check</code>.</p>
<table><thead><tr><th>Câu trả lời</th><th>Tệp</th><th>Rà soát lần cuối</th><th>Lý do</th></tr></thead>
<tbody>${rows || '<tr><td colspan="4">Không có câu trả lời nào cần rà soát.</td></tr>'}</tbody></table>`,
    '/admin/review',
  );
}
