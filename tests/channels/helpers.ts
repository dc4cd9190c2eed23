/** Test helpers for the platform channels: env pointing at the fake API, fixtures, signatures. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { KnowledgeService } from '../../src/knowledge/service';
import { silentLogger } from '../../src/logger';
import { openDatabase } from '../../src/store/db';
import { tempDir } from '../support/app';
import { selectRows } from '../support/rows';
import { engineOverrides, openTestStore } from '../support/test-engine';
import { FAKE_MESSENGER_TOKEN, FAKE_TELEGRAM_TOKEN, FakePlatform } from '../support/fake-platform';

export const SECRETS = {
  zaloOaSecretKey: 'zalo-oa-secret-key-for-tests',
  zaloAppSecret: 'zalo-app-secret-for-tests',
  messengerAppSecret: 'messenger-app-secret-for-tests',
  messengerPageToken: FAKE_MESSENGER_TOKEN,
  messengerVerifyToken: 'verify-me-please',
  telegramToken: FAKE_TELEGRAM_TOKEN,
  telegramWebhookSecret: 'telegram_webhook_secret-for-tests',
};

/** The secrets tests/support/webhook-load.ts signs with, matching `channelEnv`. */
export const LOAD_SECRETS = {
  zaloAppId: '1234567890123456789',
  zaloOaSecretKey: SECRETS.zaloOaSecretKey,
  messengerAppSecret: SECRETS.messengerAppSecret,
  telegramWebhookSecret: SECRETS.telegramWebhookSecret,
};

/** Every channel configured against the fake platform, with fast retries. */
export function channelEnv(fake: FakePlatform, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ZALO_APP_ID: '1234567890123456789',
    ZALO_APP_SECRET: SECRETS.zaloAppSecret,
    ZALO_OA_SECRET_KEY: SECRETS.zaloOaSecretKey,
    ZALO_ACCESS_TOKEN: fake.zalo.accessToken,
    ZALO_REFRESH_TOKEN: fake.zalo.refreshToken,
    ZALO_API_BASE: fake.baseUrl,
    ZALO_OAUTH_BASE: fake.baseUrl,
    MESSENGER_APP_SECRET: SECRETS.messengerAppSecret,
    MESSENGER_VERIFY_TOKEN: SECRETS.messengerVerifyToken,
    MESSENGER_PAGE_ACCESS_TOKEN: SECRETS.messengerPageToken,
    MESSENGER_API_BASE: fake.baseUrl,
    TELEGRAM_BOT_TOKEN: SECRETS.telegramToken,
    TELEGRAM_WEBHOOK_SECRET: SECRETS.telegramWebhookSecret,
    TELEGRAM_API_ROOT: fake.baseUrl,
    SEND_RETRY_BASE_MS: '10',
    SEND_TIMEOUT_MS: '1000',
    FEEDBACK_EVERY: '0',
    ...extra,
  };
}

/** The real app on a temp SQLite file, logging (as JSON lines) into memory. */
export function buildChannelApp(env: Record<string, string>) {
  const databasePath = env.DATABASE_PATH ?? path.join(tempDir(), 'bot.sqlite');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: databasePath,
    ...(env.DATABASE_URL === undefined && engineOverrides(databasePath)),
    ...env,
  });
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const db = openDatabase(config.DATABASE_PATH);
  const knowledge = new KnowledgeService(
    { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
    { threshold: config.NLU_THRESHOLD },
    silentLogger(),
  );
  const store = openTestStore(config, db);
  const built = createApp({ config, db, store, knowledge, logger });
  // The shared inbox is worked once the instance starts (main.ts calls channels.start() after
  // listening; the SQLite delivery answers from the first event on). Only the delivery: the
  // adapters' pollers and token keepers stay off, as on SQLite.
  if (store) built.channels.delivery.resume();
  const respond = jest.spyOn(built.runtime, 'respond');
  const markDelivery = jest.spyOn(built.runtime, 'markDelivery');
  return {
    ...built,
    config,
    db,
    store,
    respond,
    markDelivery,
    logs: () => lines.join(''),
    /** The platform events, oldest first, from wherever the inbox lives (the file or PostgreSQL). */
    inbox: () =>
      selectRows<{
        channel: string;
        event_id: string;
        user_id: string;
        state: string;
        error: string | null;
        parts_sent: number;
      }>(
        { db, store },
        'SELECT channel, event_id, user_id, state, error, parts_sent FROM channel_inbox ORDER BY id',
      ),
    async close() {
      await built.channels.stop();
      // On PostgreSQL the store's pool is closed once the test file is done
      // (tests/support/postgres-environment.cjs): a Zalo token seed may still be on its way.
      db.close();
    },
  };
}

export type ChannelApp = ReturnType<typeof buildChannelApp>;

/** A test's app on the fake platform, as `useChannelApp` hands it over. */
export type ChannelTest = ChannelApp & { fake: FakePlatform };

/**
 * Before each test: a fresh fake platform and a fresh app on it (env `extra` on top of
 * `channelEnv`); after each: both closed. The object returned is filled anew before every
 * test, so a suite holds it once (`const t = useChannelApp()`) and reads `t.app`, `t.db`,
 * `t.fake` … inside its tests, never at collection time.
 */
export function useChannelApp(extra: Record<string, string> = {}): ChannelTest {
  const current = {} as ChannelTest;
  beforeEach(async () => {
    current.fake = await FakePlatform.start();
    Object.assign(current, buildChannelApp(channelEnv(current.fake, extra)));
  });
  afterEach(async () => {
    const opened: Partial<ChannelTest> = current;
    await opened.close?.();
    await opened.fake?.close();
    // Emptied, so that a test whose start failed never closes the previous test's parts again.
    for (const key of Object.keys(current)) delete (current as Record<string, unknown>)[key];
  });
  return current;
}

export function fixture(channel: 'zalo' | 'messenger' | 'telegram', name: string): string {
  return fs.readFileSync(path.join(__dirname, '..', 'fixtures', channel, `${name}.json`), 'utf8');
}

/**
 * A fixture with some values replaced (e.g. a fresh message id per test). Its timestamps
 * (all starting 171800000, seconds or milliseconds) are moved to now, since replies outside
 * the platform's messaging window are not sent.
 */
export function fixtureWith(
  channel: 'zalo' | 'messenger' | 'telegram',
  name: string,
  replace: Record<string, string> = {},
): string {
  let text = fixture(channel, name).split('171800000').join(String(Date.now()).slice(0, 9));
  for (const [from, to] of Object.entries(replace)) text = text.split(from).join(to);
  return text;
}

/** X-ZEvent-Signature as Zalo computes it: mac=sha256(app_id + body + timestamp + OA secret key). */
export function zaloSignature(body: string, key = SECRETS.zaloOaSecretKey): string {
  const appId = /"app_id"\s*:\s*"?(\d+)"?/.exec(body)?.[1] ?? '';
  const timestamp = /"timestamp"\s*:\s*"?(\d+)"?/.exec(body)?.[1] ?? '';
  return `mac=${crypto
    .createHash('sha256')
    .update(appId + body + timestamp + key)
    .digest('hex')}`;
}

export function messengerSignature(body: string, secret = SECRETS.messengerAppSecret): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}
