/**
 * The platform channels, registered in one place: each starts only when its secrets are
 * set; every one is served by the same webhook route and the same delivery queue
 * (ack → turn pipeline → send → log).
 */
import { Router } from 'express';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import type { Runtime } from '../runtime';
import type { Db } from '../store/db';
import { SharedStoreHealth, type StoreHealth } from '../store/health';
import type { Store } from '../store/store';
import { Delivery, type AnswerStep } from './delivery';
import { SharedDelivery } from './shared-delivery';
import { MessengerAdapter } from './messenger/adapter';
import { TelegramAdapter } from './telegram/adapter';
import type { ChannelAdapter, ChannelLimits, PlatformChannel } from './types';
import { webhookRoute } from './webhook';
import { ZaloAdapter } from './zalo/adapter';
import { MESSENGER_LIMITS } from './messenger/render';
import { TELEGRAM_LIMITS } from './telegram/render';
import { ZALO_LIMITS } from './zalo/render';

/** Every platform's limits, whether configured or not: content must fit all of them. */
export const PLATFORM_LIMITS: Readonly<Record<PlatformChannel, ChannelLimits>> = {
  zalo: ZALO_LIMITS,
  messenger: MESSENGER_LIMITS,
  telegram: TELEGRAM_LIMITS,
};

/** The smallest of every limit across the platforms: what content must fit everywhere. */
export function smallestLimits(): ChannelLimits {
  const all = Object.values(PLATFORM_LIMITS);
  return {
    textMax: Math.min(...all.map((l) => l.textMax)),
    buttonsMax: Math.min(...all.map((l) => l.buttonsMax)),
    labelMax: Math.min(...all.map((l) => l.labelMax)),
    payloadMaxBytes: Math.min(...all.map((l) => l.payloadMaxBytes)),
  };
}

export interface ChannelsDeps {
  config: Config;
  db: Db;
  logger: Logger;
  runtime: Pick<Runtime, 'prepare' | 'respond' | 'save' | 'markDelivery'>;
  /** The store DATABASE_URL chose: on PostgreSQL, events go through the shared inbox. */
  store?: Store;
  /** Told when the store fails to write and when it works again (read by /healthz). */
  storeHealth?: StoreHealth;
  /** The same for the PostgreSQL server, on which the shared queue parks its events. */
  sharedHealth?: SharedStoreHealth;
  /** Who runs the SQLite queue's answer step (the answer worker); default: this thread. */
  answers?: AnswerStep;
  now?: () => number;
}

export interface Channels {
  /** The webhook routes; mount before any body parser (signatures are over the raw bytes). */
  router: Router;
  /** The queue on the SQLite file, or on the shared inbox (several instances, PostgreSQL). */
  delivery: Delivery | SharedDelivery;
  adapters: ReadonlyMap<PlatformChannel, ChannelAdapter>;
  /** The channels that started, and why the others did not. */
  live: PlatformChannel[];
  notStarted: string[];
  /** Token keepers, long polling, and the events left unanswered by the last run. */
  start(): void;
  stop(): Promise<void>;
}

/** The adapters whose secrets are set, and why the others are not. */
export function configuredAdapters(
  config: Config,
  db: Db,
  logger: Logger,
  now?: () => number,
  /** The store DATABASE_URL chose: with PostgreSQL, the Zalo token is shared by the instances. */
  store?: Store,
): { adapters: ChannelAdapter[]; notStarted: string[] } {
  const adapters: ChannelAdapter[] = [];
  const notStarted: string[] = [];
  const common = { timeoutMs: config.SEND_TIMEOUT_MS, maxTextLength: config.MAX_TEXT_LENGTH };

  if (config.ZALO_OA_SECRET_KEY && config.ZALO_ACCESS_TOKEN) {
    adapters.push(
      new ZaloAdapter(
        {
          appId: config.ZALO_APP_ID,
          appSecret: config.ZALO_APP_SECRET,
          oaSecretKey: config.ZALO_OA_SECRET_KEY,
          accessToken: config.ZALO_ACCESS_TOKEN,
          refreshToken: config.ZALO_REFRESH_TOKEN,
          apiBase: config.ZALO_API_BASE,
          oauthBase: config.ZALO_OAUTH_BASE,
          ...common,
        },
        db,
        logger,
        now,
        store?.kind === 'postgres' ? store.tokens : undefined,
      ),
    );
    if (!config.ZALO_APP_ID || !config.ZALO_APP_SECRET || !config.ZALO_REFRESH_TOKEN)
      logger.warn(
        'Zalo starts without token refresh: set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_REFRESH_TOKEN, or the OA goes silent when the access token expires (~25 h)',
      );
  } else notStarted.push('zalo (needs ZALO_OA_SECRET_KEY and ZALO_ACCESS_TOKEN)');

  if (config.MESSENGER_APP_SECRET && config.MESSENGER_PAGE_ACCESS_TOKEN) {
    adapters.push(
      new MessengerAdapter(
        {
          appSecret: config.MESSENGER_APP_SECRET,
          verifyToken: config.MESSENGER_VERIFY_TOKEN,
          pageAccessToken: config.MESSENGER_PAGE_ACCESS_TOKEN,
          apiBase: config.MESSENGER_API_BASE,
          getStartedPayload: config.MESSENGER_GET_STARTED_PAYLOAD,
          ...common,
        },
        logger,
        now,
      ),
    );
    if (!config.MESSENGER_VERIFY_TOKEN)
      logger.warn('MESSENGER_VERIFY_TOKEN is not set: Meta cannot verify the webhook URL');
  } else notStarted.push('messenger (needs MESSENGER_APP_SECRET and MESSENGER_PAGE_ACCESS_TOKEN)');

  if (config.TELEGRAM_BOT_TOKEN) {
    if (config.TELEGRAM_MODE === 'webhook' && !config.TELEGRAM_WEBHOOK_SECRET)
      throw new ConfigError(
        'Missing TELEGRAM_WEBHOOK_SECRET: Telegram webhook mode needs 1–256 characters of A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 32`), registered with `npm run telegram:webhook`; or set TELEGRAM_MODE=polling.',
        'TELEGRAM_WEBHOOK_SECRET',
      );
    adapters.push(
      new TelegramAdapter(
        {
          token: config.TELEGRAM_BOT_TOKEN,
          webhookSecret: config.TELEGRAM_WEBHOOK_SECRET,
          apiRoot: config.TELEGRAM_API_ROOT,
          mode: config.TELEGRAM_MODE,
          ...common,
        },
        logger,
        now,
      ),
    );
  } else notStarted.push('telegram (needs TELEGRAM_BOT_TOKEN)');
  return { adapters, notStarted };
}

export function createChannels(deps: ChannelsDeps): Channels {
  const { config, db, logger, runtime, now, storeHealth, sharedHealth, store } = deps;
  const configured = configuredAdapters(config, db, logger, now, store);
  const adapters = new Map<PlatformChannel, ChannelAdapter>(configured.adapters.map((a) => [a.name, a]));
  const options = {
    maxAttempts: config.SEND_MAX_ATTEMPTS,
    retryBaseMs: config.SEND_RETRY_BASE_MS,
    retryMaxMs: config.SEND_RETRY_MAX_MS,
    concurrency: config.CHANNEL_CONCURRENCY,
    eventKeySecret: config.PSEUDONYM_SECRET,
    eventMaxAgeSeconds: config.EVENT_MAX_AGE_SECONDS,
    eventMaxFutureSeconds: config.EVENT_MAX_FUTURE_SECONDS,
    storeHealth,
    answers: deps.answers,
    now,
  };
  const delivery =
    store?.kind === 'postgres'
      ? new SharedDelivery(
          store.inbox,
          runtime,
          adapters,
          logger,
          { ...options, leaseMs: config.INBOX_LEASE_SECONDS * 1000 },
          sharedHealth ?? new SharedStoreHealth(store.engine, 'DATABASE_URL'),
        )
      : new Delivery(db, runtime, adapters, logger, options);
  const router = Router();
  for (const adapter of adapters.values()) router.use(webhookRoute(adapter, delivery.accept, logger));

  return {
    router,
    delivery,
    adapters,
    live: [...adapters.keys()],
    notStarted: configured.notStarted,
    start() {
      for (const adapter of adapters.values()) adapter.start?.(delivery.accept);
      delivery.resume();
    },
    async stop() {
      await Promise.all([...adapters.values()].map((a) => a.stop?.()));
      await delivery.stop();
    },
  };
}
