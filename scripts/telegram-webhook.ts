/**
 * `npm run telegram:webhook`: registers {PUBLIC_BASE_URL}/webhooks/telegram with Telegram's
 * setWebhook, with TELEGRAM_WEBHOOK_SECRET as the secret token Telegram sends back in
 * X-Telegram-Bot-Api-Secret-Token. `--delete` removes the webhook (e.g. before polling).
 */
import { Telegraf } from 'telegraf';
import { TELEGRAM_WEBHOOK_PATH } from '../src/channels/telegram/adapter';
import { ConfigError } from '../src/errors';
import { cliConfig, runCli } from './cli-support';

void runCli(async () => {
  const config = cliConfig();
  if (!config.TELEGRAM_BOT_TOKEN)
    throw new ConfigError(
      'Missing TELEGRAM_BOT_TOKEN: set the token from @BotFather in .env.',
      'TELEGRAM_BOT_TOKEN',
    );
  const bot = new Telegraf(config.TELEGRAM_BOT_TOKEN, { telegram: { apiRoot: config.TELEGRAM_API_ROOT } });
  if (process.argv.includes('--delete')) {
    await bot.telegram.deleteWebhook();
    console.log('Telegram webhook deleted.');
    return;
  }
  if (!config.TELEGRAM_WEBHOOK_SECRET)
    throw new ConfigError(
      'Missing TELEGRAM_WEBHOOK_SECRET: set 1–256 characters of A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 32`).',
      'TELEGRAM_WEBHOOK_SECRET',
    );
  if (!config.PUBLIC_BASE_URL.startsWith('https://'))
    throw new ConfigError(
      `Invalid PUBLIC_BASE_URL: Telegram only posts to https addresses (got "${config.PUBLIC_BASE_URL}"). Use TELEGRAM_MODE=polling without one.`,
      'PUBLIC_BASE_URL',
    );
  const url = `${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}${TELEGRAM_WEBHOOK_PATH}`;
  await bot.telegram.setWebhook(url, {
    secret_token: config.TELEGRAM_WEBHOOK_SECRET,
    allowed_updates: ['message', 'callback_query'],
  });
  console.log(`Telegram webhook set to ${url}`);
});
