import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config';
import { ConfigError } from '../errors';

/** Shortest ADMIN_PASSWORD production accepts. */
export const MIN_ADMIN_PASSWORD = 12;

/**
 * Words that make up most leaked passwords, folded and without digits or punctuation: a
 * password that is one of them plus digits and symbols ("Password123!") is guessed first.
 */
const COMMON_WORDS = new Set([
  'password',
  'passw',
  'pass',
  'matkhau',
  'admin',
  'administrator',
  'qwerty',
  'qwertyuiop',
  'abc',
  'abcdef',
  'abcd',
  'letmein',
  'welcome',
  'iloveyou',
  'anhyeuem',
  'emyeuanh',
  'login',
  'master',
  'secret',
  'changeme',
  'default',
  'root',
  'user',
  'test',
  'guest',
  'dragon',
  'monkey',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'trustno',
  'tthc',
  'trolytthc',
  'ubnd',
  'congan',
  'vietnam',
  'hanoi',
  'saigon',
  'zxcvbnm',
  'asdfgh',
  'asdfghjkl',
  'adminadmin',
  '',
]);

/**
 * Production's rule for ADMIN_PASSWORD: at least 12 characters, at least 5 different ones,
 * and not a common word dressed up with digits and symbols. The dashboard shows citizens'
 * messages and can erase their data, and the login is reachable from the internet.
 */
export function checkPasswordStrength(password: string): void {
  const letters = password
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  const problem =
    [...password].length < MIN_ADMIN_PASSWORD
      ? `it has ${[...password].length} characters`
      : new Set(password).size < 5
        ? 'it repeats too few different characters'
        : COMMON_WORDS.has(letters) || COMMON_WORDS.has(letters.replace(/(.+)\1+$/, '$1'))
          ? 'it is a common password with digits or symbols added'
          : null;
  if (problem)
    throw new ConfigError(
      `Weak ADMIN_PASSWORD: ${problem}; production needs at least ${MIN_ADMIN_PASSWORD} characters that are ` +
        "not a common password, because the officers' dashboard shows citizens' messages and can erase " +
        'data. Generate one with `openssl rand -base64 18` and set it in .env or the environment.',
      'ADMIN_PASSWORD',
    );
}

/**
 * The dashboard password: ADMIN_PASSWORD, required in production (and strong there). In
 * development and test a random one-time password is made and handed once to `print` (see
 * `oneTimePasswordPrinter`), so a first run works without a `.env` and no default password
 * ever exists.
 */
export function resolveAdminPassword(
  config: Pick<Config, 'ADMIN_PASSWORD' | 'NODE_ENV' | 'PUBLIC_BASE_URL'>,
  print: (line: string) => void = console.error,
): string {
  if (config.ADMIN_PASSWORD) {
    if (config.NODE_ENV === 'production') checkPasswordStrength(config.ADMIN_PASSWORD);
    return config.ADMIN_PASSWORD;
  }
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

/**
 * scrypt on libuv's thread pool: a login costs tens of milliseconds of hashing, which
 * `scryptSync` would spend blocking every citizen's request (and a guesser could repeat).
 */
export const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
) => Promise<Buffer>;

/** Compares in constant time, hashing off the event loop; false for a malformed stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== SCRYPT_KEYLEN) return false;
  const candidate = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length);
  return crypto.timingSafeEqual(candidate, expected);
}

export interface PrinterOptions {
  /** Where a person reads it: process.stderr, used only when it is a terminal. */
  terminal: { isTTY?: boolean; write(text: string): unknown };
  /** Where it goes when there is no terminal; created readable by this user only. */
  file: string;
  /** Told where the password went, never the password. */
  log: (message: string) => void;
}

/**
 * Prints the one-time password line to the terminal, never into the JSON log. Without a
 * terminal (a service or a container, where stderr IS the log) it is written to `file`
 * (mode 0600) and the log only names that file.
 */
export function oneTimePasswordPrinter(options: PrinterOptions): (line: string) => void {
  return (line) => {
    if (options.terminal.isTTY) {
      options.terminal.write(`${line}\n`);
      return;
    }
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    fs.writeFileSync(options.file, `${line}\n`, { mode: 0o600 });
    fs.chmodSync(options.file, 0o600); // an older file keeps its mode otherwise
    options.log(
      `Officers' dashboard: a one-time password for this run is in ${options.file} (readable by this user ` +
        'only); set ADMIN_PASSWORD to choose a lasting one',
    );
  };
}
