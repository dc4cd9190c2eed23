/**
 * The one place that reads the environment. Every variable is listed, with a comment,
 * in `.env.example`; modules receive the parsed `Config` and never touch `process.env`.
 */
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

const probability = z.coerce
  .number({ error: 'expected a number between 0 and 1' })
  .min(0, 'expected a number between 0 and 1')
  .max(1, 'expected a number between 0 and 1');

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
});

export type Config = z.infer<typeof configSchema>;

const DEV_PSEUDONYM_SECRET = 'development-only-pseudonym-secret';

/** Defaults that make `npm start` work with no `.env` at all. */
const defaults: Record<keyof Config, string> = {
  NODE_ENV: 'development',
  PORT: '3000',
  HOST: '0.0.0.0',
  LOG_LEVEL: 'info',
  DATABASE_PATH: 'data/bot.sqlite',
  CONTENT_DIR: 'content',
  INTENTS_DIR: 'intents',
  SESSION_TTL_MINUTES: '30',
  NLU_THRESHOLD: '0.5',
  MAX_TEXT_LENGTH: '2000',
  PSEUDONYM_SECRET: DEV_PSEUDONYM_SECRET,
};

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
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue.path[0]);
    const given = /SECRET|TOKEN|PASSWORD|KEY/.test(variable) ? '' : ` (got "${input[variable]}")`;
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
