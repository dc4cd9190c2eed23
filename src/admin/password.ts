import crypto from 'node:crypto';
import type { Config } from '../config';
import { ConfigError } from '../errors';

/**
 * The dashboard password: ADMIN_PASSWORD, required in production. In development and test
 * a random one-time password is made and printed once to stderr (not to the JSON log), so a
 * first run works without a `.env` and no default password ever exists.
 */
export function resolveAdminPassword(
  config: Pick<Config, 'ADMIN_PASSWORD' | 'NODE_ENV' | 'PUBLIC_BASE_URL'>,
  print: (line: string) => void = console.error,
): string {
  if (config.ADMIN_PASSWORD) return config.ADMIN_PASSWORD;
  if (config.NODE_ENV === 'production')
    throw new ConfigError(
      "Missing ADMIN_PASSWORD: production needs a password for the officers' dashboard at /admin " +
        '(a long random one, e.g. `openssl rand -base64 18`). Set it in .env or the environment.',
      'ADMIN_PASSWORD',
    );
  const password = crypto.randomBytes(12).toString('base64url');
  print(
    `Officers' dashboard: ${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/admin — one-time password for this run: ` +
      `${password} (set ADMIN_PASSWORD to choose a lasting one)`,
  );
  return password;
}
