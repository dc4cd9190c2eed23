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

const SCRYPT_KEYLEN = 32;
/** Shortest password an admin may give an officer account. */
export const MIN_OFFICER_PASSWORD = 10;

/**
 * An officer account's stored password: `scrypt$<salt>$<hash>` (base64url), the same scrypt
 * with a random salt as the dashboard's own password (src/admin/auth.ts).
 */
export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, SCRYPT_KEYLEN);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Compares in constant time; false for a malformed stored value. */
export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const candidate = crypto.scryptSync(password, Buffer.from(salt, 'base64url'), expected.length);
  return expected.length === SCRYPT_KEYLEN && crypto.timingSafeEqual(candidate, expected);
}
