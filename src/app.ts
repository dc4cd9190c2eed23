/** Builds the Express app from injected parts; listening and shutdown live in main.ts. */
import path from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import helmet from 'helmet';
import { createChannels } from './channels';
import { localTurn, webChatRouter } from './channels/web';
import { webWelcomeRouter } from './channels/web-welcome';
import type { Config } from './config';
import { Handoffs, limitedNotifier, telegramNotifier } from './admin/handoffs';
import { adminRouter } from './admin/router';
import { adapterSender, type PlatformIdOf } from './admin/officer-send';
import { gzipStatic } from './admin/gzip-static';
import { Officers } from './admin/officers';
import { pseudonymize } from './privacy/pseudonym';
import { alsoEraseIn, eraseCitizenInStore, fileContacts } from './privacy/erase';
import { linkRouter } from './privacy/links';
import { startRetentionJob } from './privacy/retention';
import { buildRuntime } from './runtime';
import { Reports } from './store/reports';
import { BadRequestError } from './errors';
import type { KnowledgeService } from './knowledge/service';
import type { Logger } from './logger';
import { PACKAGE_ROOT } from './paths';
import { rateLimit, WindowLimiter } from './rate-limit';
import { BASE_CSP_DIRECTIVES } from './security';
import type { Db } from './store/db';
import { logRepositories, redactUrl, type Store } from './store/store';
import { openEngine } from './store/engine';
import { SharedStoreHealth, StoreHealth, type StoreStatus } from './store/health';
import {
  DEFAULT_CATALOGUE_DIR,
  loadCatalogue,
  readRecords,
  sharedCatalogue,
  type ProcedureCatalogue,
} from './procedures/catalogue';
import { formsDirOf } from './procedures/import';
import { displayTitle } from './procedures/render';
import { AnswerWorker } from './channels/answer-worker';
import { FORMS_ROUTE, formUrlFor, ProcedureService } from './procedures/service';

export interface AppDeps {
  config: Config;
  db: Db;
  /** The store chosen by DATABASE_URL (src/store/store.ts); its `db` is `db`. */
  store?: Store;
  knowledge: KnowledgeService;
  logger: Logger;
  /** The procedure assistant; default: the catalogue in data/procedures. */
  procedures?: ProcedureService;
  /**
   * Runs the turns (platforms and web chat) in the answer worker thread (ANSWER_WORKER, SQLite
   * only: `npm start`); `crashOn` is for tests. Without it every turn runs in this thread.
   */
  answerWorker?: { crashOn?: string };
}

const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'public');
/** Largest accepted request body; a larger one is answered 413. */
export const BODY_LIMIT = '100kb';
const SESSION_PURGE_INTERVAL_MS = 10 * 60_000;
/** What the web chat shows a citizen over the /api/chat rate limits. */
const CHAT_BUSY =
  'Hệ thống đang nhận quá nhiều tin nhắn. Bạn vui lòng chờ khoảng {seconds} giây rồi gửi lại nhé.';

export function createApp(deps: AppDeps) {
  const { config, db, knowledge, logger } = deps;
  const turns = procedureTurns(deps, () => handoffs);
  const { procedures, worker } = turns;
  // One turn pipeline for every channel: the platforms, the web chat (and `npm run chat`).
  // The officers' inbox reads the runtime's log, so it is reached through a closure.
  const runtime = buildRuntime(config, {
    db,
    store: deps.store,
    brain: () => knowledge.current,
    logger,
    handoffs: {
      request: (userKey, channel, interactionId) => handoffs.request(userKey, channel, interactionId),
    },
    // With the answer worker, no turn runs in this thread: no assistant is built here.
    procedures: procedures && ((brain) => procedures.assistantFor(brain.knowledge)),
  });
  const { sessions, log } = runtime;
  const officers =
    config.OFFICER_TELEGRAM_CHAT_ID && config.TELEGRAM_BOT_TOKEN
      ? limitedNotifier(
          telegramNotifier(
            config.TELEGRAM_BOT_TOKEN,
            config.OFFICER_TELEGRAM_CHAT_ID,
            config.TELEGRAM_API_ROOT,
          ),
          new WindowLimiter({ limit: config.OFFICER_NOTIFY_MAX, windowMs: 10 * 60_000 }),
        )
      : null;
  // The officers' inbox and accounts: shared by every instance on PostgreSQL. The citizen's
  // exchanges are read from the log the runtime writes.
  const engine = deps.store?.engine ?? openEngine({ sqlite: db });
  const repositories = deps.store ?? logRepositories(engine);
  alsoEraseIn(db, engine, (err) => logger.error({ err }, 'could not erase a citizen on PostgreSQL'));
  // Reports read where the interaction log is written: the store in use.
  const reports = new Reports(engine);
  const handoffs = new Handoffs(
    repositories.handoffs,
    runtime.history,
    logger,
    officers,
    `${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/admin/handoffs`,
  );
  const retention = startRetentionJob(db, config.RETENTION_DAYS, logger, Date.now, engine);
  // Expired dialogue state is unreadable already; this only keeps the table small.
  // (A closed database — an app torn down in the same process, as in tests — is skipped.)
  setInterval(() => {
    runtime
      .purgeExpiredSessions()
      .catch((err: unknown) => logger.warn({ err }, 'expired sessions not purged'));
  }, SESSION_PURGE_INTERVAL_MS).unref();

  const app = express();
  app.disable('x-powered-by');
  // req.ip: the client's address behind the configured proxies (TRUST_PROXY), else the peer's.
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(publicSecurityHeaders());
  // Platform webhooks verify signatures over the raw bytes: mounted before the JSON parser.
  // Whether the store can write: a full disk still reads fine (issue #13, finding 3).
  const storeHealth = new StoreHealth(db);
  // With DATABASE_URL, the PostgreSQL server too: /healthz asks it, the shared queue parks on it.
  const sharedHealth =
    deps.store?.kind === 'postgres' && config.DATABASE_URL
      ? new SharedStoreHealth(deps.store.engine, redactUrl(config.DATABASE_URL))
      : undefined;
  const channels = createChannels({
    config,
    db,
    logger,
    runtime,
    storeHealth,
    sharedHealth,
    store: deps.store,
    answers: worker,
  });
  app.use(channels.router);
  app.use(express.json({ limit: BODY_LIMIT }));

  app.get('/healthz', (_req, res, next) => {
    // The shared server's trouble first: it stops every instance, the file only this one.
    const file = storeHealth.status();
    const shared = sharedHealth
      ? sharedHealth.status()
      : Promise.resolve<StoreStatus>({ ok: true, db: 'ok' });
    shared
      .then((server) => {
        const store = server.ok ? file : server;
        res
          .status(store.ok ? 200 : 503)
          .json({ contentVersion: knowledge.current.knowledge.version, ...store });
      })
      .catch(next);
  });
  app.use(
    webWelcomeRouter(
      () => knowledge.current,
      config.RETENTION_DAYS,
      async (userId, after) =>
        (await handoffs.webMessagesFor(pseudonymize(config.PSEUDONYM_SECRET, 'web', userId), after)).map(
          (m) => ({ id: m.id, text: m.text, officer: m.officer_name }),
        ),
    ),
  );
  // The official forms (tờ khai) a procedure answer links to, for citizens to download.
  app.use(
    FORMS_ROUTE,
    express.static(turns.formsDir, {
      index: false,
      dotfiles: 'ignore',
      maxAge: '1d',
      redirect: false,
    }),
  );
  // Only the message post: the page's welcome and officer-reply polls are not messages.
  app.post(
    '/api/chat',
    rateLimit(
      new WindowLimiter({ limit: config.CHAT_RATE_PER_ADDRESS, windowMs: 60_000 }),
      new WindowLimiter({ limit: config.CHAT_RATE_TOTAL, windowMs: 60_000 }),
      CHAT_BUSY,
    ),
  );
  app.use(
    webChatRouter(worker ? (message) => worker.chat(message) : localTurn(runtime), config.MAX_TEXT_LENGTH),
  );
  app.use(linkRouter(runtime.links));
  app.use(
    '/admin',
    adminRouter({
      reports,
      handoffs,
      officers: new Officers(repositories.officers),
      erase: (userKey) => eraseCitizenInStore(db, userKey),
      sender: adapterSender(platformIdOf(db, deps.store), channels.adapters, logger),
      answers: () => knowledge.current.knowledge.answers,
      contentDirs: { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
      procedureCatalogue: turns.catalogue,
      // A procedure answer is logged under its code: officers read its name.
      titleOf: (id) =>
        id ? (knowledge.current.knowledge.answers.get(id)?.title ?? turns.procedureTitle(id) ?? id) : '',
      password: config.ADMIN_PASSWORD,
      secureCookie: config.PUBLIC_BASE_URL.startsWith('https:'),
    }),
  );
  app.use(gzipStatic(PUBLIC_DIR, { maxAgeSeconds: 3600, index: 'index.html' }));
  app.use(express.static(PUBLIC_DIR, { index: 'index.html', maxAge: '1h' }));

  app.use(errorHandler(logger, storeHealth));
  return {
    app,
    runtime,
    procedures,
    answerWorker: worker,
    sessions,
    log,
    reports,
    handoffs,
    retention,
    channels,
    storeHealth,
    sharedHealth,
  };
}

/**
 * Who runs the turns and holds the procedure catalogue. In this thread: a ProcedureService
 * whose search index is built now, not on the first citizen's message (and after a reload,
 * the new snapshot's before it goes live: a broken content/procedures/*.md rejects the
 * reload). With the answer worker, the worker builds it and nothing here does: the admin
 * pages' catalogue is loaded on first use from the records the worker shares, and a reload
 * goes live here only once the worker serves the same version.
 */
function procedureTurns(deps: AppDeps, handoffs: () => Handoffs) {
  const { config, knowledge, logger } = deps;
  if (!deps.answerWorker || deps.store?.kind === 'postgres') {
    const procedures =
      deps.procedures ??
      new ProcedureService(sharedCatalogue(), {
        contentDir: config.CONTENT_DIR,
        logger,
        formUrl: formUrlFor(config.PUBLIC_BASE_URL),
      });
    procedures.assistantFor(knowledge.current.knowledge);
    knowledge.prepareWith(async (next) => procedures.prepare(next));
    return {
      procedures,
      worker: undefined,
      formsDir: procedures.catalogue.formsDir,
      catalogue: () => procedures.catalogue,
      procedureTitle: (id: string) =>
        procedures.catalogue.summary(id)
          ? procedures.assistantFor(knowledge.current.knowledge).ref(id).title
          : undefined,
    };
  }
  const records = readRecords();
  const worker = new AnswerWorker({
    config,
    logger,
    records,
    onHandoff: (h) => void handoffs().request(h.userKey, h.channel, h.interactionId),
    crashOn: deps.answerWorker.crashOn,
  });
  knowledge.prepareWith((next) => worker.reload(next.version));
  let catalogue: ProcedureCatalogue | undefined;
  const loaded = () => (catalogue ??= loadCatalogue(DEFAULT_CATALOGUE_DIR, records));
  return {
    procedures: undefined,
    worker,
    formsDir: formsDirOf(DEFAULT_CATALOGUE_DIR),
    catalogue: loaded,
    // The display title without the editors' override (that lives in the worker's assistant).
    procedureTitle: (id: string) => {
      const summary = loaded().summary(id);
      return summary ? displayTitle(summary) : undefined;
    },
  };
}

/**
 * Where an officer's reply finds the citizen's platform id: the store the log is written to
 * (on PostgreSQL, then this file for a citizen logged there before the log moved).
 */
function platformIdOf(db: Db, store: Store | undefined): PlatformIdOf {
  const inFile = (userKey: string) => fileContacts(db, userKey)[0]?.platform_user_id;
  if (store?.kind !== 'postgres') return async (userKey) => inFile(userKey);
  return async (userKey) => (await store.interactions.platformId(userKey)) ?? inFile(userKey);
}

/**
 * Security headers for the citizen pages and APIs. The chat page must stay embeddable in a
 * commune website's frame (widget.js) and widget.js loadable from other origins, so framing
 * and cross-origin reads are allowed here; /admin sets its own stricter policy.
 */
function publicSecurityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...BASE_CSP_DIRECTIVES, connectSrc: ["'self'"], frameAncestors: ['*'] },
    },
    frameguard: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
}

/** The one error middleware: 4xx with a clear message, 500 revealing nothing. */
function errorHandler(logger: Logger, storeHealth: StoreHealth): ErrorRequestHandler {
  return (err, req, res, _next) => {
    storeHealth.failed(err); // the web chat or the dashboard could not write: /healthz says so
    if (err instanceof BadRequestError) {
      res.status(err.status).json({ error: err.message });
      return;
    }
    // body-parser marks its own errors with a status and a type.
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'the request body is not valid JSON' });
      return;
    }
    if (err?.type === 'entity.too.large') {
      // The limit of the parser that refused it (the webhooks' is larger than the JSON API's).
      const limit = typeof err.limit === 'number' ? `${err.limit} bytes` : BODY_LIMIT;
      res.status(413).json({ error: `the request body is larger than ${limit}` });
      return;
    }
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      res.status(err.status).json({ error: 'bad request' });
      return;
    }
    logger.error({ err, method: req.method, url: req.path }, 'unhandled error');
    res.status(500).json({ error: 'internal error' });
  };
}
