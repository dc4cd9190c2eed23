/**
 * The platform channels, registered in one place: each starts only when its secrets are
 * set, and all share one pipeline (ack → engine → send → log).
 */
import { Router } from 'express';
import type { Config } from '../config';
import type { Responder } from '../dialogue/responder';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import { MessengerAdapter } from './messenger';
import { ChannelPipeline } from './pipeline';
import { TelegramAdapter } from './telegram';
import type { ChannelAdapter, PlatformChannel } from './types';
import { ZaloAdapter } from './zalo';

export interface ChannelsDeps {
  config: Config;
  db: Db;
  logger: Logger;
  responder: Responder;
  now?: () => number;
}

export interface Channels {
  /** The webhook routes; mount before any body parser (signatures are over the raw bytes). */
  router: Router;
  pipeline: ChannelPipeline;
  adapters: ReadonlyMap<PlatformChannel, ChannelAdapter>;
  /** The channels that started, and why the others did not. */
  live: PlatformChannel[];
  notStarted: string[];
  /** Token keepers, long polling, and the events left unanswered by the last run. */
  start(): void;
  stop(): Promise<void>;
}

export function createChannels(deps: ChannelsDeps): Channels {
  const { config, db, logger, responder, now } = deps;
  const adapters = new Map<PlatformChannel, ChannelAdapter>();
  const notStarted: string[] = [];
  const common = { timeoutMs: config.SEND_TIMEOUT_MS, maxTextLength: config.MAX_TEXT_LENGTH };

  if (config.ZALO_OA_SECRET_KEY && config.ZALO_ACCESS_TOKEN) {
    const zalo = new ZaloAdapter(
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
    );
    adapters.set('zalo', zalo);
    if (!config.ZALO_APP_ID || !config.ZALO_APP_SECRET || !config.ZALO_REFRESH_TOKEN)
      logger.warn(
        'Zalo starts without token refresh: set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_REFRESH_TOKEN, or the OA goes silent when the access token expires (~25 h)',
      );
  } else notStarted.push('zalo (needs ZALO_OA_SECRET_KEY and ZALO_ACCESS_TOKEN)');

  if (config.MESSENGER_APP_SECRET && config.MESSENGER_PAGE_ACCESS_TOKEN) {
    adapters.set(
      'messenger',
      new MessengerAdapter(
        {
          appSecret: config.MESSENGER_APP_SECRET,
          verifyToken: config.MESSENGER_VERIFY_TOKEN,
          pageAccessToken: config.MESSENGER_PAGE_ACCESS_TOKEN,
          apiBase: config.MESSENGER_API_BASE,
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
    adapters.set(
      'telegram',
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

  const pipeline = new ChannelPipeline(db, responder, adapters, logger, {
    maxAttempts: config.SEND_MAX_ATTEMPTS,
    retryBaseMs: config.SEND_RETRY_BASE_MS,
    concurrency: config.CHANNEL_CONCURRENCY,
    now,
  });
  const router = Router();
  for (const adapter of adapters.values()) adapter.mount(router, pipeline.accept);

  return {
    router,
    pipeline,
    adapters,
    live: [...adapters.keys()],
    notStarted,
    start() {
      for (const adapter of adapters.values()) adapter.start?.();
      pipeline.resume();
    },
    async stop() {
      await Promise.all([...adapters.values()].map((a) => a.stop?.()));
      await pipeline.stop();
    },
  };
}
