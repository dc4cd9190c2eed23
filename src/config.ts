/**
 * The one place that reads the environment. Every variable is listed, with a comment,
 * in `.env.example`; modules receive the parsed `Config` and never touch `process.env`.
 */
import net from 'node:net';
import { z } from 'zod';
import { ConfigError } from './errors';

const port = z.coerce
  .number({ error: 'expected a whole number from 1 to 65535' })
  .int('expected a whole number from 1 to 65535')
  .min(1, 'expected a whole number from 1 to 65535')
  .max(65535, 'expected a whole number from 1 to 65535');

const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .positive(`expected ${what}`);

const optionalString = z.string().min(1).optional();

const baseUrl = z.url({ error: 'expected a full URL such as https://example.com (no trailing path needed)' });

const probability = z.coerce
  .number({ error: 'expected a number between 0 and 1' })
  .min(0, 'expected a number between 0 and 1')
  .max(1, 'expected a number between 0 and 1');

const TRUST_PROXY_HELP =
  'expected false, the number of proxies in front (e.g. 1), or their addresses or subnets separated by commas ' +
  '(e.g. loopback, 10.0.0.0/8)';
/** Express's "trust proxy": false, a hop count, or a list of proxy addresses/subnets. */
const trustProxy = z.string().transform((value, ctx): false | number | string => {
  const v = value.trim();
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
  const ok = v.split(',').every((item) => {
    const [address, bits, extra] = item.trim().split('/');
    if (extra !== undefined) return false;
    if (bits === undefined && named.has(address)) return true;
    const family = net.isIP(address);
    return (
      family !== 0 &&
      (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)))
    );
  });
  if (!ok) ctx.addIssue({ code: 'custom', message: TRUST_PROXY_HELP });
  return v;
});

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], {
    error: 'expected one of: development, production, test',
  }),
  PORT: port,
  /** Bind address; 0.0.0.0 serves every interface. */
  HOST: z.string().min(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'expected one of: fatal, error, warn, info, debug, trace, silent',
  }),
  DATABASE_PATH: z.string().min(1, 'expected a file path such as data/bot.sqlite'),
  /**
   * A PostgreSQL server shared by several instances (src/store/store.ts); unset: the SQLite
   * file at DATABASE_PATH holds everything, as always.
   */
  DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\/[^/]+/i,
      'expected a PostgreSQL URL such as postgres://bot:secret@db.internal:5432/tthc, or nothing for the SQLite file',
    )
    .optional(),
  /** Connections each instance opens to DATABASE_URL's server. */
  DATABASE_POOL_SIZE: positiveInt('a whole number of connections, e.g. 10'),
  /**
   * With DATABASE_URL: how long an instance holds a platform event it works on; a crashed
   * instance's events are taken over after it. Far above one reply's sends and the clock skew.
   */
  INBOX_LEASE_SECONDS: positiveInt('a whole number of seconds, e.g. 30'),
  CONTENT_DIR: z.string().min(1),
  INTENTS_DIR: z.string().min(1),
  /** Minutes of silence after which a citizen's dialogue state (guide step) is forgotten. */
  SESSION_TTL_MINUTES: positiveInt('a whole number of minutes, e.g. 30'),
  /** Below this classifier confidence the bot answers with its fallback. */
  NLU_THRESHOLD: probability,
  /** Longest accepted citizen message, in characters. */
  MAX_TEXT_LENGTH: positiveInt('a whole number of characters, e.g. 2000'),
  /** Key for the pseudonymous user ids in the log. Required in production. */
  PSEUDONYM_SECRET: z.string().min(16, 'expected a random string of at least 16 characters'),
  /** The address citizens reach this server at; links in answers go through {PUBLIC_BASE_URL}/r/<id>. */
  PUBLIC_BASE_URL: z.url({ error: 'expected a full URL such as https://bot.example.gov.vn' }),

  // Channels: each one starts only when its secrets are set.
  ZALO_APP_ID: optionalString,
  ZALO_APP_SECRET: optionalString,
  ZALO_OA_SECRET_KEY: optionalString,
  ZALO_ACCESS_TOKEN: optionalString,
  ZALO_REFRESH_TOKEN: optionalString,
  ZALO_API_BASE: baseUrl,
  ZALO_OAUTH_BASE: baseUrl,
  MESSENGER_APP_SECRET: optionalString,
  MESSENGER_VERIFY_TOKEN: optionalString,
  MESSENGER_PAGE_ACCESS_TOKEN: optionalString,
  MESSENGER_API_BASE: baseUrl,
  /** The payload the page's Get Started button sends (set by `npm run messenger:setup`): answered with the greeting. */
  MESSENGER_GET_STARTED_PAYLOAD: z.string().min(1).max(1000, 'expected at most 1000 characters'),
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1–256 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
  TELEGRAM_API_ROOT: baseUrl,
  /** webhook: Telegram posts to /webhooks/telegram; polling: the bot asks Telegram (pilot without HTTPS). */
  TELEGRAM_MODE: z.enum(['webhook', 'polling'], { error: 'expected webhook or polling' }),
  /** Tries per outgoing platform message before it is recorded as failed (transient errors only). */
  SEND_MAX_ATTEMPTS: positiveInt('a whole number of attempts, e.g. 8'),
  /** First retry delay in ms; each further retry doubles it (with jitter), up to SEND_RETRY_MAX_MS. */
  SEND_RETRY_BASE_MS: positiveInt('a whole number of milliseconds, e.g. 1000'),
  /** The longest wait between two tries of one send, in ms. */
  SEND_RETRY_MAX_MS: positiveInt('a whole number of milliseconds, e.g. 60000'),
  /** A platform API call taking longer than this (ms) counts as a transient failure. */
  SEND_TIMEOUT_MS: positiveInt('a whole number of milliseconds, e.g. 10000'),
  /** Platform events answered at the same time (one citizen's messages always in order). */
  CHANNEL_CONCURRENCY: positiveInt('a whole number, e.g. 4'),
  /**
   * on: `npm start` runs the turns in a worker thread, off the webhooks' acks (SQLite only).
   * Off by default: on a 2-core machine the worker competes with the acks for the cores and
   * SQLite's write lock, and bench:load measured it slower (README, Architecture).
   */
  ANSWER_WORKER: z.enum(['on', 'off'], { error: 'expected on or off' }),
  /** Platform events older than this are acknowledged but not answered (a late replay). */
  EVENT_MAX_AGE_SECONDS: positiveInt('a whole number of seconds, e.g. 86400 (one day)'),
  /** …and events dated further ahead than this (clock skew allowance). */
  EVENT_MAX_FUTURE_SECONDS: positiveInt('a whole number of seconds, e.g. 300'),

  // Flood control: per citizen, at most FLOOD_MAX_MESSAGES answered within FLOOD_WINDOW_SECONDS.
  FLOOD_MAX_MESSAGES: positiveInt('a whole number of messages, e.g. 10'),
  FLOOD_WINDOW_SECONDS: positiveInt('a whole number of seconds, e.g. 10'),

  // Limits that hold however many ids a sender makes up (per source address, see TRUST_PROXY).
  /** Web chat messages accepted per minute from one address. */
  CHAT_RATE_PER_ADDRESS: positiveInt('a whole number of messages per minute, e.g. 60'),
  /** Web chat messages accepted per minute from everyone together. */
  CHAT_RATE_TOTAL: positiveInt('a whole number of messages per minute, e.g. 1200'),
  /** Handoff requests posted to the officers' Telegram group per 10 minutes; the rest wait on the dashboard. */
  OFFICER_NOTIFY_MAX: positiveInt('a whole number of posts per 10 minutes, e.g. 10'),

  // Interaction log, privacy and the officers' dashboard.
  /** Days message text is kept; older text is deleted while the counts stay. */
  RETENTION_DAYS: positiveInt('a whole number of days, e.g. 180'),
  /**
   * The reverse proxies whose X-Forwarded-For is believed, so the login's failure count and
   * the rate limits see each client's address rather than the proxy's. Unset: none (the
   * header is ignored, so a client cannot forge its address).
   */
  TRUST_PROXY: trustProxy,
  /** Password of the officers' dashboard at /admin. Required in production. */
  ADMIN_PASSWORD: optionalString,
  /** Telegram chat id of the officers' group that receives handoff requests. */
  OFFICER_TELEGRAM_CHAT_ID: optionalString,
  /** Ask "Thông tin này có hữu ích không?" after every Nth answer; 0 never asks. */
  FEEDBACK_EVERY: z.coerce
    .number({ error: 'expected a whole number, 0 to never ask' })
    .int('expected a whole number, 0 to never ask')
    .min(0, 'expected a whole number, 0 to never ask'),
});

export type Config = z.infer<typeof configSchema>;

const DEV_PSEUDONYM_SECRET = 'development-only-pseudonym-secret';

/** Defaults that make `npm start` work with no `.env` at all; absent keys are optional. */
const defaults: Partial<Record<keyof Config, string>> = {
  NODE_ENV: 'development',
  PORT: '3000',
  HOST: '0.0.0.0',
  LOG_LEVEL: 'info',
  DATABASE_PATH: 'data/bot.sqlite',
  DATABASE_POOL_SIZE: '10',
  INBOX_LEASE_SECONDS: '30',
  CONTENT_DIR: 'content',
  INTENTS_DIR: 'intents',
  SESSION_TTL_MINUTES: '30',
  NLU_THRESHOLD: '0.45',
  MAX_TEXT_LENGTH: '2000',
  PSEUDONYM_SECRET: DEV_PSEUDONYM_SECRET,
  ZALO_API_BASE: 'https://openapi.zalo.me',
  ZALO_OAUTH_BASE: 'https://oauth.zaloapp.com',
  MESSENGER_API_BASE: 'https://graph.facebook.com/v21.0',
  MESSENGER_GET_STARTED_PAYLOAD: 'GET_STARTED',
  TELEGRAM_API_ROOT: 'https://api.telegram.org',
  TELEGRAM_MODE: 'webhook',
  SEND_MAX_ATTEMPTS: '8',
  SEND_RETRY_BASE_MS: '1000',
  SEND_RETRY_MAX_MS: '60000',
  SEND_TIMEOUT_MS: '10000',
  CHANNEL_CONCURRENCY: '4',
  ANSWER_WORKER: 'off',
  EVENT_MAX_AGE_SECONDS: '86400',
  EVENT_MAX_FUTURE_SECONDS: '300',
  RETENTION_DAYS: '180',
  FLOOD_MAX_MESSAGES: '10',
  FLOOD_WINDOW_SECONDS: '10',
  FEEDBACK_EVERY: '1',
  TRUST_PROXY: 'false',
  CHAT_RATE_PER_ADDRESS: '60',
  CHAT_RATE_TOTAL: '1200',
  OFFICER_NOTIFY_MAX: '10',
};

/** The host part of a URL that reaches a server bound to `host` from this machine. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Parses the environment. Throws a `ConfigError` whose message is one line naming the
 * first bad variable, the expected form and what was given (never for secret-like names).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(configSchema.shape) as (keyof Config)[]) {
    const value = env[key];
    input[key] = value === undefined || value === '' ? defaults[key] : value;
  }
  // Unset, the public address is this server's own, so that links and the URLs printed at
  // start-up carry the port it really listens on.
  input.PUBLIC_BASE_URL ??= `http://${urlHost(input.HOST!)}:${input.PORT}`;
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue.path[0]);
    // DATABASE_URL may carry the database password: never echoed either.
    const secret = /SECRET|TOKEN|PASSWORD|KEY/.test(variable) || variable === 'DATABASE_URL';
    const given = secret ? '' : ` (got "${input[variable]}")`;
    throw new ConfigError(
      `Invalid ${variable}: ${issue.message}${given}. Fix it in .env or the environment.`,
      variable,
    );
  }
  const config = result.data;
  if (config.NODE_ENV === 'production' && config.PSEUDONYM_SECRET === DEV_PSEUDONYM_SECRET) {
    throw new ConfigError(
      'Missing PSEUDONYM_SECRET: production needs a random string of at least 16 characters (e.g. `openssl rand -hex 32`).',
      'PSEUDONYM_SECRET',
    );
  }
  return config;
}
