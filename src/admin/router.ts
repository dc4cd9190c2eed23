/**
 * The officers' dashboard at /admin: login, overview with KPI tiles and charts, unanswered
 * questions, answers rated 👎, handoff requests, deletion by pseudonymous id, CSV exports
 * and the JSON the charts read. Chart.js is served from node_modules (no CDN).
 */
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { BASE_CSP_DIRECTIVES } from '../security';
import type { Db } from '../store/db';
import { eraseCitizen, erasedRows, isPseudonym } from '../privacy/erase';
import {
  checkRange,
  presetRange,
  PRESETS,
  reachCsv,
  ReportInputError,
  unansweredCsv,
  type DateRange,
  type Preset,
  type Reports,
} from '../store/reports';
import { PACKAGE_ROOT } from '../paths';
import { AdminAuth, readCookie, SESSION_COOKIE, SESSION_TTL_MS } from './auth';
import type { Handoffs } from './handoffs';
import * as views from './views';

const ASSETS_DIR = path.join(PACKAGE_ROOT, 'public', 'admin');
// chart.js's package exports hide dist/; serve the UMD build straight from node_modules.
const CHART_JS_DIR = path.join(PACKAGE_ROOT, 'node_modules', 'chart.js', 'dist');
const CHANNELS = new Set(Object.keys(views.CHANNEL_NAMES));

export interface AdminDeps {
  db: Db;
  reports: Reports;
  handoffs: Handoffs;
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

/** Reads ?preset= or ?from=&to= (default: this quarter) and ?channel=. */
function selection(req: Request, now: number): Selection {
  const q = req.query as Record<string, string | undefined>;
  const preset = typeof q.preset === 'string' ? q.preset : '';
  const channel = typeof q.channel === 'string' && q.channel !== '' ? q.channel : null;
  if (channel !== null && !CHANNELS.has(channel))
    throw new ReportInputError(`channel: expected one of ${[...CHANNELS].join(', ')} (got "${channel}")`);
  let range: DateRange;
  if (preset) {
    if (!PRESETS.includes(preset as Preset))
      throw new ReportInputError(`preset: expected one of ${PRESETS.join(', ')} (got "${preset}")`);
    range = presetRange(preset as Preset, now);
  } else if (q.from || q.to) {
    range = checkRange(String(q.from ?? ''), String(q.to ?? ''));
  } else {
    range = presetRange('quarter', now);
  }
  const params = new URLSearchParams({ from: range.from, to: range.to });
  if (channel) params.set('channel', channel);
  return { range, channel, form: { ...range, preset, channel }, query: params.toString() };
}

export function adminRouter(deps: AdminDeps): Router {
  const { db, reports, handoffs } = deps;
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
  router.use('/assets', express.static(ASSETS_DIR, { maxAge: '1h', index: false }));
  router.use('/assets', express.static(CHART_JS_DIR, { maxAge: '1d', index: false }));

  if (!deps.password) {
    router.use((_req, res) => {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is off: set ADMIN_PASSWORD in .env or the environment and restart.');
    });
    return router;
  }
  const auth = new AdminAuth(deps.password, now);
  router.use(express.urlencoded({ extended: false, limit: '10kb' }));

  // Forms post only from this site: SameSite=Strict cookies, and a foreign Origin is refused.
  router.use((req, res, next) => {
    const origin = req.get('origin');
    if (req.method === 'POST' && origin && origin !== 'null' && new URL(origin).host !== req.get('host')) {
      res.status(403).type('text/plain').send('Cross-site form posts are not accepted.');
      return;
    }
    next();
  });

  router.get('/login', (_req, res) => {
    res.type('html').send(views.loginPage());
  });
  router.post('/login', (req, res) => {
    const address = req.ip ?? 'unknown';
    const wait = auth.retryAfter(address);
    if (wait > 0) {
      res
        .status(429)
        .set('Retry-After', String(Math.ceil(wait / 1000)))
        .type('html')
        .send(
          views.loginPage(
            `Sai mật khẩu quá nhiều lần. Vui lòng thử lại sau ${Math.ceil(wait / 60_000)} phút.`,
          ),
        );
      return;
    }
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const token = auth.login(address, password);
    if (!token) {
      res.status(401).type('html').send(views.loginPage('Mật khẩu không đúng.'));
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
    if (auth.isValid(readCookie(req.headers.cookie, SESSION_COOKIE))) return next();
    if (req.path.startsWith('/api/') || req.path.startsWith('/export/')) {
      res.status(401).json({ error: 'log in at /admin/login first' });
      return;
    }
    res.redirect(303, '/admin/login');
  });

  router.post('/logout', (req, res) => {
    auth.logout(readCookie(req.headers.cookie, SESSION_COOKIE));
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.redirect(303, '/admin/login');
  });

  router.get('/', (req, res) => {
    const s = selection(req, now());
    res.type('html').send(views.overviewPage(reports.reach(s.range, s.channel), s.form, s.query));
  });

  router.get('/api/overview', (req, res) => {
    const s = selection(req, now());
    const report = reports.reach(s.range, s.channel);
    res.json({ report, daily: reports.daily(s.range, s.channel) });
  });

  router.get('/unanswered', (req, res) => {
    const s = selection(req, now());
    res.type('html').send(views.unansweredPage(reports.unanswered(s.range, s.channel, 500), s.form, s.query));
  });

  router.get('/feedback', (req, res) => {
    const s = selection(req, now());
    const [start, end] = rangeMs(s.range);
    const ch = s.channel ? ' AND f.channel = @channel' : '';
    const params = { start, end, channel: s.channel };
    const byAnswer = db
      .prepare(
        `SELECT answer_id, count(*) AS n FROM feedback f WHERE rating = -1 AND ts >= @start AND ts < @end${ch}
         GROUP BY answer_id ORDER BY n DESC`,
      )
      .all(params) as views.DownRated[];
    // The question is the citizen message just before the rated answer was given.
    const items = db
      .prepare(
        `SELECT f.ts, f.channel, f.answer_id, i.text AS question FROM feedback f
         LEFT JOIN interactions i ON i.id = f.interaction_id
         WHERE f.rating = -1 AND f.ts >= @start AND f.ts < @end${ch} ORDER BY f.ts DESC LIMIT 200`,
      )
      .all(params) as views.DownRatedItem[];
    res.type('html').send(views.feedbackPage(byAnswer, items, s.form));
  });

  router.get('/handoffs', (_req, res) => {
    res.type('html').send(views.handoffsPage(handoffs.list('open'), handoffs.list('done', 50)));
  });
  router.post('/handoffs/:id/done', (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || !handoffs.markDone(id)) {
      res.status(404).type('text/plain; charset=utf-8').send(`No open handoff request #${req.params.id}.`);
      return;
    }
    res.redirect(303, '/admin/handoffs');
  });

  router.get('/privacy', (_req, res) => {
    res.type('html').send(views.privacyPage());
  });
  router.post('/privacy/erase', (req, res) => {
    const userKey = typeof req.body?.userKey === 'string' ? req.body.userKey.trim() : '';
    if (!isPseudonym(userKey)) {
      res
        .status(400)
        .type('html')
        .send(views.privacyPage({ ok: false, text: 'Mã ẩn danh phải gồm đúng 32 ký tự 0–9, a–f.' }));
      return;
    }
    const erased = erasedRows(eraseCitizen(db, userKey));
    res.type('html').send(
      views.privacyPage({
        ok: erased > 0,
        text:
          erased > 0
            ? `Đã xóa ${erased} bản ghi của mã ${userKey}.`
            : `Không có dữ liệu nào của mã ${userKey}.`,
      }),
    );
  });

  router.get('/export/report.csv', (req, res) => {
    const s = selection(req, now());
    sendCsv(res, `bao-cao-${s.range.from}_${s.range.to}.csv`, reachCsv(reports.reach(s.range, s.channel)));
  });
  router.get('/export/unanswered.csv', (req, res) => {
    const s = selection(req, now());
    sendCsv(
      res,
      `cau-hoi-chua-tra-loi-${s.range.from}_${s.range.to}.csv`,
      unansweredCsv(reports.unanswered(s.range, s.channel)),
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

function rangeMs(range: DateRange): [number, number] {
  const start = Date.parse(`${range.from}T00:00:00+07:00`);
  return [start, Date.parse(`${range.to}T00:00:00+07:00`) + 86_400_000];
}

function sendCsv(res: Response, filename: string, csv: string) {
  // A byte-order mark so Excel opens Vietnamese text as UTF-8.
  res
    .attachment(filename)
    .type('text/csv; charset=utf-8')
    .send('\ufeff' + csv);
}
