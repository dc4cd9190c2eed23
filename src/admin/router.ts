/**
 * The officers' dashboard at /admin: login, overview with KPI tiles and charts, unanswered
 * questions, answers rated 👎, handoff requests, deletion by pseudonymous id, CSV exports
 * and the JSON the charts read. Chart.js is served from node_modules (no CDN).
 */
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { BASE_CSP_DIRECTIVES } from '../security';
import { withoutNul } from '../core/message';
import { REVIEW_MAX_AGE_DAYS, type Answer, type KnowledgeDirs } from '../knowledge/loader';
import { erasedRows, isPseudonym, type ErasureReport } from '../privacy/erase';
import {
  checkRange,
  periodRange,
  presetRange,
  PRESETS,
  ReportInputError,
  type DateRange,
  type Preset,
  type Reports,
  VN_OFFSET_MS,
} from '../store/reports';
import { PACKAGE_ROOT } from '../paths';
import { AdminAuth, failureDelay, MAX_FAILURES, readCookie, SESSION_COOKIE, SESSION_TTL_MS } from './auth';
import { HANDOFF_STATUSES, type Handoffs, type HandoffFilter, type HandoffStatus } from './handoffs';
import type { CitizenReplySender } from './officer-send';
import { BUILT_IN_ADMIN, OfficerInputError, type Officer, type Officers } from './officers';
import * as views from './views';
import { reportCsv, reportXlsx, unansweredCsvVi } from './exports';
import { gzipStatic } from './gzip-static';
import { addProcedureAlias, addTrainingPhrase, procedureChoices } from './training';
import type { ProcedureCatalogue } from '../procedures/catalogue';

const ASSETS_DIR = path.join(PACKAGE_ROOT, 'public', 'admin');
// chart.js's package exports hide dist/; serve the UMD build straight from node_modules.
const CHART_JS_DIR = path.join(PACKAGE_ROOT, 'node_modules', 'chart.js', 'dist');
const CHANNELS = new Set(Object.keys(views.CHANNEL_NAMES));
/** The .xlsx has a sheet per citizen channel (the terminal chat is a tool, not a channel). */
const CHANNEL_SHEETS = ['web', 'zalo', 'messenger', 'telegram'];

export interface AdminDeps {
  reports: Reports;
  handoffs: Handoffs;
  officers: Officers;
  /** Erases a citizen's rows wherever the store keeps them (src/privacy/erase.ts). */
  erase: (userKey: string) => Promise<ErasureReport>;
  /** Takes an officer's reply to the citizen's channel (src/admin/officer-send.ts). */
  sender: CitizenReplySender;
  /** Where the content and training phrases live (CONTENT_DIR, INTENTS_DIR). */
  contentDirs: KnowledgeDirs;
  /** The official procedure catalogue, for checking a new procedure alias (loaded on first use). */
  procedureCatalogue?: () => ProcedureCatalogue;
  /** The answers now served, for the list of answers to review. */
  answers: () => ReadonlyMap<string, Answer>;
  /** The title of an answer id, for people (ids stay internal). */
  titleOf: (answerId: string | null | undefined) => string;
  /** Undefined: the dashboard answers 503 and says to set ADMIN_PASSWORD. */
  password: string | undefined;
  /** Marks the cookie Secure when the public address is https. */
  secureCookie: boolean;
  now?: () => number;
}

interface Selection {
  range: DateRange;
  channel: string | null;
  form: views.RangeForm;
  query: string;
}

/**
 * Reads ?from=&to= or ?preset= (default: this quarter) and ?channel=. Typed dates win over a
 * preset: a form that carries both means the officer changed the dates.
 */
function selection(query: Request['query'], now: number): Selection {
  const q = query as Record<string, string | undefined>;
  let preset = typeof q.preset === 'string' ? q.preset : '';
  const channel = typeof q.channel === 'string' && q.channel !== '' ? q.channel : null;
  if (channel !== null && !CHANNELS.has(channel))
    throw new ReportInputError(`channel: expected one of ${[...CHANNELS].join(', ')} (got "${channel}")`);
  let range: DateRange;
  if (q.from || q.to) {
    range = checkRange(String(q.from ?? ''), String(q.to ?? ''));
    preset = '';
  } else if (preset) {
    if (!PRESETS.includes(preset as Preset))
      throw new ReportInputError(`preset: expected one of ${PRESETS.join(', ')} (got "${preset}")`);
    range = presetRange(preset as Preset, now);
  } else {
    preset = 'quarter';
    range = presetRange('quarter', now);
  }
  const params = new URLSearchParams({ from: range.from, to: range.to });
  if (channel) params.set('channel', channel);
  return { range, channel, form: { ...range, preset, channel }, query: params.toString() };
}

/** The one-click periods of the periodic report page. */
const PERIOD_PRESETS: [Preset, string][] = [
  ['last-month', 'Tháng trước'],
  ['last-quarter', 'Quý trước'],
  ['last-half-year', '6 tháng trước'],
  ['last-year', 'Năm trước'],
];

/** The period name ("2026-03", "2026-Q1", "2026-H1", "2026") of a preset's range. */
function periodOf(range: DateRange): string {
  const [year, month] = range.from.split('-');
  const months = Number(range.to.slice(5, 7)) - Number(month) + 1;
  if (months === 1) return `${year}-${month}`;
  if (months === 3) return `${year}-Q${Math.ceil(Number(month) / 3)}`;
  if (months === 6) return `${year}-H${Number(month) <= 6 ? 1 : 2}`;
  return year;
}

/** Today as a Vietnam day (YYYY-MM-DD). */
export function vnToday(now: number): string {
  return new Date(now + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** The part of a range up to today: charts do not draw days that have not happened. */
function upToToday(range: DateRange, now: number): DateRange | null {
  const today = vnToday(now);
  if (range.from > today) return null;
  return { from: range.from, to: range.to > today ? today : range.to };
}

export function adminRouter(deps: AdminDeps): Router {
  const { reports, handoffs, officers } = deps;
  const now = deps.now ?? Date.now;
  const router = Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { ...BASE_CSP_DIRECTIVES, frameAncestors: ["'none'"] },
      },
    }),
  );
  router.use('/assets', gzipStatic(ASSETS_DIR, { maxAgeSeconds: 3600 }));
  router.use('/assets', express.static(ASSETS_DIR, { maxAge: '1h', index: false }));
  router.use('/assets', gzipStatic(CHART_JS_DIR, { maxAgeSeconds: 86_400 }));
  router.use('/assets', express.static(CHART_JS_DIR, { maxAge: '1d', index: false }));
  // Pages, JSON and CSV show citizens' messages: no browser or proxy may keep a copy.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  if (!deps.password) {
    router.use((_req, res) => {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is off: set ADMIN_PASSWORD in .env or the environment and restart.');
    });
    return router;
  }
  const auth = new AdminAuth(deps.password, now, (username, password) => officers.verify(username, password));
  router.use(express.urlencoded({ extended: false, limit: '10kb' }));

  // Forms post only from this site: SameSite=Strict cookies, and a foreign or malformed
  // Origin is refused (a malformed one used to throw in new URL() and answer 500).
  router.use((req, res, next) => {
    const origin = req.get('origin');
    if (req.method === 'POST' && origin && origin !== 'null' && originHost(origin) !== req.get('host')) {
      res.status(403).type('text/plain').send('Cross-site form posts are not accepted.');
      return;
    }
    next();
  });

  router.get('/login', async (_req, res) => {
    res.type('html').send(views.loginPage());
  });
  router.post('/login', async (req, res) => {
    // req.ip is the client's address when TRUST_PROXY names the proxy in front, else the peer's.
    const address = req.ip ?? 'unknown';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const username = typeof req.body?.username === 'string' ? req.body.username : '';
    const token = await auth.login(address, password, username);
    if (!token) {
      if (auth.isSlowed(address))
        res
          .status(429)
          .set('Retry-After', String(Math.ceil(failureDelay(MAX_FAILURES + 1) / 1000)))
          .type('html')
          .send(
            views.loginPage(
              'Mật khẩu không đúng, hoặc sai tên đăng nhập. Đã sai nhiều lần liên tiếp nên mỗi lần thử sai tiếp theo sẽ chậm hơn.',
            ),
          );
      else res.status(401).type('html').send(views.loginPage('Mật khẩu không đúng, hoặc sai tên đăng nhập.'));
      return;
    }
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.secureCookie,
      path: '/admin',
      maxAge: SESSION_TTL_MS,
    });
    res.redirect(303, '/admin');
  });

  router.use((req, res, next) => {
    const officer = auth.officer(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (officer) {
      res.locals.officer = officer;
      return next();
    }
    if (req.path.startsWith('/api/') || req.path.startsWith('/export/')) {
      res.status(401).json({ error: 'log in at /admin/login first' });
      return;
    }
    res.redirect(303, '/admin/login');
  });

  router.post('/logout', async (req, res) => {
    auth.logout(readCookie(req.headers.cookie, SESSION_COOKIE));
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.redirect(303, '/admin/login');
  });

  router.get('/', async (req, res) => {
    const s = selection(req.query, now());
    await html(
      res,
      views.overviewPage(await reports.reach(s.range, s.channel), s.form, s.query, deps.titleOf),
    );
  });

  router.get('/api/overview', async (req, res) => {
    const s = selection(req.query, now());
    const report = await reports.reach(s.range, s.channel);
    const past = upToToday(s.range, now());
    const daily = past ? await reports.daily(past, s.channel) : { days: [], citizens: {}, fallbackRate: [] };
    const titles = Object.fromEntries(report.intents.map((i) => [i.key, deps.titleOf(i.key)]));
    res.json({ report, daily, titles });
  });

  router.get('/report', async (req, res) => {
    const quick = PERIOD_PRESETS.map(([preset, label]) => ({
      period: periodOf(presetRange(preset, now())),
      label,
    }));
    const period =
      typeof req.query.period === 'string' && req.query.period ? req.query.period : quick[1].period;
    const range = periodRange(period);
    const total = await reports.reach(range, null, 10);
    const perChannel = await Promise.all(CHANNEL_SHEETS.map((ch) => reports.reach(range, ch, 0)));
    await html(
      res,
      views.periodicReportPage(
        { period, label: views.periodLabel(period), total, perChannel },
        quick,
        deps.titleOf,
      ),
    );
  });

  router.get('/review', async (_req, res) => {
    const today = vnToday(now());
    const items = [...deps.answers().values()]
      .map((a) => ({
        intent: a.intent,
        title: a.title,
        file: a.file,
        reviewed: a.reviewed,
        needsReview: a.needsReview,
        overdue: (Date.parse(today) - Date.parse(a.reviewed)) / 86_400_000 > REVIEW_MAX_AGE_DAYS,
      }))
      .filter((i) => i.needsReview || i.overdue)
      .sort((a, b) => a.reviewed.localeCompare(b.reviewed) || a.title.localeCompare(b.title, 'vi'));
    await html(res, views.reviewPage(items, REVIEW_MAX_AGE_DAYS));
  });

  const topics = () =>
    [...deps.answers().values()]
      .map((a) => ({ id: a.intent, title: a.title }))
      .sort((a, b) => a.title.localeCompare(b.title, 'vi'));
  const unanswered = async (
    query: Request['query'],
    res: Response,
    flash?: { ok: boolean; text: string },
  ) => {
    const s = selection(query, now());
    await html(
      res,
      views.unansweredPage(
        await reports.unanswered(s.range, s.channel, 500),
        s.form,
        s.query,
        topics(),
        deps.procedureCatalogue ? procedureChoices(deps.contentDirs.contentDir) : [],
        flash,
      ),
    );
  };
  router.get('/unanswered', (req, res) => unanswered(req.query, res));
  router.post('/unanswered/train', async (req, res) => {
    const field = (name: string) => (typeof req.body?.[name] === 'string' ? (req.body[name] as string) : '');
    const [kind, id] = field('target').split(/:(.*)/s);
    const input = { phrase: field('phrase'), editor: me(res).name, day: vnToday(now()) };
    const result =
      kind === 'proc' && deps.procedureCatalogue
        ? addProcedureAlias(deps.contentDirs.contentDir, deps.procedureCatalogue(), {
            ...input,
            code: id ?? '',
          })
        : addTrainingPhrase(deps.contentDirs, { ...input, intent: kind === 'intent' ? (id ?? '') : '' });
    // Back to the same period and channel.
    const back = Object.fromEntries(new URLSearchParams(field('back')));
    const title = kind === 'proc' ? `thủ tục ${id}` : `chủ đề "${deps.titleOf(id)}"`;
    if (!result.ok) res.status(400);
    unanswered(
      back,
      res,
      result.ok
        ? { ok: true, text: `Đã thêm vào ${title} (${result.file}).` }
        : { ok: false, text: result.message },
    );
  });

  router.get('/feedback', async (req, res) => {
    const s = selection(req.query, now());
    const { byAnswer, items } = await deps.reports.downRated(s.range, s.channel);
    await html(res, views.feedbackPage(byAnswer, items, s.form, deps.titleOf));
  });

  const me = (res: Response): Officer => res.locals.officer as Officer;
  /** Sends a dashboard page with the officer's name and the waiting count in its header. */
  const html = async (res: Response, body: string) => {
    const { who, count } = views.headerParts(me(res), await handoffs.waiting());
    res.type('html').send(body.replace(views.HEADER_SLOT, who).replace(views.COUNT_SLOT, count));
  };
  const allOfficers = async (): Promise<Officer[]> => [BUILT_IN_ADMIN, ...(await officers.list())];
  const officerById = async (value: unknown): Promise<Officer | undefined> =>
    typeof value === 'string' && /^\d+$/.test(value) ? officers.get(Number(value)) : undefined;
  /** The request named in the URL, or a 404 page. */
  const handoffOr404 = async (req: Request, res: Response) => {
    const id = Number(req.params.id);
    const h = Number.isInteger(id) ? await handoffs.get(id) : undefined;
    if (!h) res.status(404).type('text/plain; charset=utf-8').send(`Không có yêu cầu #${req.params.id}.`);
    return h;
  };

  router.get('/handoffs', async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const status = q.status && [...HANDOFF_STATUSES, 'open', 'all'].includes(q.status) ? q.status : 'open';
    const channel = q.channel && CHANNELS.has(q.channel) ? q.channel : '';
    const assignedParam = q.assigned ?? '';
    let assigned: HandoffFilter['assigned'] = null;
    if (assignedParam === 'me') assigned = me(res).id;
    else if (assignedParam === 'none') assigned = 'none';
    else if (/^\d+$/.test(assignedParam)) assigned = Number(assignedParam);
    const page = /^\d+$/.test(q.page ?? '') ? Math.max(1, Number(q.page)) : 1;
    const pageSize = 20;
    const { rows, total } = await handoffs.search({
      status: status as HandoffStatus | 'open' | 'all',
      channel: channel || null,
      assigned,
      page,
      pageSize,
    });
    await html(
      res,
      views.handoffsPage(
        rows,
        total,
        { status, channel, assigned: assignedParam, page, pageSize },
        await allOfficers(),
      ),
    );
  });

  const showHandoff = async (res: Response, id: number, flash?: { ok: boolean; text: string }) => {
    const h = (await handoffs.get(id))!;
    await html(
      res,
      views.handoffPage({
        handoff: h,
        lines: await handoffs.conversation(h),
        events: await handoffs.events(h.id),
        window: deps.sender.window(h, await handoffs.lastCitizenMessage(h.user_key), now()),
        officers: await allOfficers(),
        me: me(res),
        titleOf: deps.titleOf,
        flash,
      }),
    );
  };

  router.get('/handoffs/:id', async (req, res) => {
    const h = await handoffOr404(req, res);
    if (h) await showHandoff(res, h.id);
  });

  router.post('/handoffs/:id/reply', async (req, res) => {
    const h = await handoffOr404(req, res);
    if (!h) return;
    // Without U+0000, as a citizen's text: PostgreSQL's text columns refuse it (a 500).
    const text = typeof req.body?.text === 'string' ? withoutNul(req.body.text).trim() : '';
    if (text === '' || text.length > 2000) {
      res.status(400);
      await showHandoff(res, h.id, { ok: false, text: 'Nội dung trả lời phải có từ 1 đến 2.000 ký tự.' });
      return;
    }
    const last = await handoffs.lastCitizenMessage(h.user_key);
    const messageId = await handoffs.recordReply(h, text, me(res));
    const outcome = await deps.sender.send(h, text, last);
    await handoffs.markReply(messageId, outcome.status, outcome.detail);
    const flash = {
      delivered: { ok: true, text: 'Đã gửi câu trả lời tới người dân.' },
      pending: { ok: true, text: 'Đã lưu. Người dân thấy câu trả lời trong trang trò chuyện trên web.' },
      outside_window: {
        ok: false,
        text: `Không gửi được: ${outcome.detail ?? 'quá thời hạn nền tảng cho phép.'}`,
      },
      failed: {
        ok: false,
        text: 'Không gửi được câu trả lời do lỗi của nền tảng. Hãy thử lại sau hoặc liên hệ người dân theo cách khác.',
      },
    }[outcome.status];
    await showHandoff(res, h.id, flash);
  });

  router.post('/handoffs/:id/assign', async (req, res) => {
    const h = await handoffOr404(req, res);
    if (!h) return;
    const to = await officerById(req.body?.officer);
    if (!to) {
      res.status(400);
      await showHandoff(res, h.id, { ok: false, text: 'Chọn một cán bộ trong danh sách.' });
      return;
    }
    await handoffs.assign(h.id, to, me(res));
    res.redirect(303, `/admin/handoffs/${h.id}`);
  });
  router.post('/handoffs/:id/close', async (req, res) => {
    const h = await handoffOr404(req, res);
    if (!h) return;
    await handoffs.setStatus(h.id, 'closed', me(res));
    res.redirect(303, `/admin/handoffs/${h.id}`);
  });
  router.post('/handoffs/:id/reopen', async (req, res) => {
    const h = await handoffOr404(req, res);
    if (!h) return;
    await handoffs.setStatus(h.id, 'reopen', me(res));
    res.redirect(303, `/admin/handoffs/${h.id}`);
  });
  router.post('/handoffs/:id/note', async (req, res) => {
    const h = await handoffOr404(req, res);
    if (!h) return;
    const note = typeof req.body?.note === 'string' ? withoutNul(req.body.note).slice(0, 2000) : '';
    await handoffs.setNote(h.id, note, me(res));
    res.redirect(303, `/admin/handoffs/${h.id}`);
  });

  router.get('/officers', async (_req, res) => {
    await html(res, views.officersPage(await officers.list(), me(res)));
  });
  router.post('/officers', async (req, res) => {
    if (me(res).role !== 'admin') {
      res.status(403);
      await html(
        res,
        views.officersPage(await officers.list(), me(res), {
          ok: false,
          text: 'Chỉ quản trị viên thêm được cán bộ.',
        }),
      );
      return;
    }
    const field = (name: string) => (typeof req.body?.[name] === 'string' ? (req.body[name] as string) : '');
    try {
      const added = await officers.add(
        {
          username: field('username'),
          name: field('name'),
          password: field('password'),
          role: field('role') === 'admin' ? 'admin' : 'officer',
        },
        me(res),
      );
      await html(
        res,
        views.officersPage(await officers.list(), me(res), { ok: true, text: `Đã thêm ${added.name}.` }),
      );
    } catch (err) {
      if (!(err instanceof OfficerInputError)) throw err;
      res.status(400);
      await html(res, views.officersPage(await officers.list(), me(res), { ok: false, text: err.message }));
    }
  });
  router.post('/officers/:id/password', async (req, res) => {
    const id = Number(req.params.id);
    if (me(res).role !== 'admin' || !Number.isInteger(id)) {
      res.status(403).type('text/plain; charset=utf-8').send('Chỉ quản trị viên đổi được mật khẩu cán bộ.');
      return;
    }
    try {
      const ok = await officers.setPassword(
        id,
        typeof req.body?.password === 'string' ? req.body.password : '',
      );
      await html(
        res,
        views.officersPage(await officers.list(), me(res), {
          ok,
          text: ok ? 'Đã đổi mật khẩu.' : 'Không có tài khoản này.',
        }),
      );
    } catch (err) {
      if (!(err instanceof OfficerInputError)) throw err;
      res.status(400);
      await html(res, views.officersPage(await officers.list(), me(res), { ok: false, text: err.message }));
    }
  });

  router.get('/privacy', async (_req, res) => {
    await html(res, views.privacyPage());
  });
  router.post('/privacy/erase', async (req, res) => {
    const userKey = typeof req.body?.userKey === 'string' ? req.body.userKey.trim() : '';
    if (!isPseudonym(userKey)) {
      res.status(400);
      await html(res, views.privacyPage({ ok: false, text: 'Mã ẩn danh phải gồm đúng 32 ký tự 0–9, a–f.' }));
      return;
    }
    const erased = erasedRows(await deps.erase(userKey));
    await html(
      res,
      views.privacyPage({
        ok: erased > 0,
        text:
          erased > 0
            ? `Đã xóa ${erased} bản ghi của mã ${userKey}.`
            : `Không có dữ liệu nào của mã ${userKey}.`,
      }),
    );
  });

  router.get('/export/report.csv', async (req, res) => {
    const s = selection(req.query, now());
    sendCsv(
      res,
      `bao-cao-${s.range.from}_${s.range.to}.csv`,
      reportCsv(await reports.reach(s.range, s.channel), deps.titleOf),
    );
  });
  router.get('/export/report.xlsx', async (req, res) => {
    const s = selection(req.query, now());
    const perChannel = await Promise.all(CHANNEL_SHEETS.map((ch) => reports.reach(s.range, ch)));
    res
      .attachment(`bao-cao-${s.range.from}_${s.range.to}.xlsx`)
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(reportXlsx(await reports.reach(s.range, null), perChannel, deps.titleOf));
  });
  router.get('/export/unanswered.csv', async (req, res) => {
    const s = selection(req.query, now());
    sendCsv(
      res,
      `cau-hoi-chua-tra-loi-${s.range.from}_${s.range.to}.csv`,
      unansweredCsvVi(await reports.unanswered(s.range, s.channel)),
    );
  });

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof ReportInputError)) return next(err);
    if (req.path.startsWith('/api/') || req.path.startsWith('/export/'))
      res.status(400).json({ error: err.message });
    else
      res
        .status(400)
        .type('html')
        .send(views.page('Lỗi', `<p class="error">${views.esc(err.message)}</p>`, '/admin'));
  });
  return router;
}

/** The host of an Origin header, or null when it is not a valid URL with a host. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

function sendCsv(res: Response, filename: string, csv: string) {
  // A byte-order mark so Excel opens Vietnamese text as UTF-8.
  res
    .attachment(filename)
    .type('text/csv; charset=utf-8')
    .send('\ufeff' + csv);
}
