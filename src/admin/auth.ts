/**
 * Officers' login: the password is hashed once at start (scrypt, random salt) and compared
 * in constant time; a session is a random token in an HttpOnly, SameSite=Strict cookie
 * scoped to /admin, held in memory (a restart logs officers out, which is acceptable for a
 * small team).
 *
 * Failed attempts slow the guesser down instead of locking the address: behind a reverse
 * proxy every officer shares one address, and a lockout let one guesser lock them all out
 * (issue #13, finding 8). After MAX_FAILURES within FAILURE_WINDOW_MS, each further failure
 * from that address is answered only after a growing delay; a correct password is never
 * delayed or refused. Guessing stays bounded by the password's strength (production
 * requires a strong one, src/admin/password.ts) and scrypt's cost, which runs on the thread
 * pool (async), so guesses do not block the event loop either.
 */
import crypto from 'node:crypto';
import { BUILT_IN_ADMIN, type Officer } from './officers';
import { scrypt } from './password';

/** Checks an officer account's user name and password (src/admin/officers.ts), off the event loop. */
export type OfficerVerifier = (username: string, password: string) => Promise<Officer | null>;

export const SESSION_COOKIE = 'tthc_admin';
/** Failed logins per address within FAILURE_WINDOW_MS answered without delay. */
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** First delay after MAX_FAILURES; it doubles with each further failure, up to MAX_FAILURE_DELAY_MS. */
export const FIRST_FAILURE_DELAY_MS = 500;
export const MAX_FAILURE_DELAY_MS = 10_000;
export const SESSION_TTL_MS = 8 * 3_600_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AdminAuth {
  private readonly salt = crypto.randomBytes(16);
  private readonly hash: Buffer;
  private readonly failures = new Map<string, number[]>();
  private readonly sessions = new Map<string, { expires: number; officer: Officer }>();

  constructor(
    password: string,
    private readonly now: () => number = Date.now,
    private readonly verifyOfficer: OfficerVerifier = async () => null,
    /** Waits before a slowed-down failure is answered (tests pass one that records). */
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {
    this.hash = crypto.scryptSync(password, this.salt, 32);
  }

  /** True once `address` has failed more than MAX_FAILURES times within the window: its failures wait. */
  isSlowed(address: string): boolean {
    return this.recentFailures(address).length > MAX_FAILURES;
  }

  /**
   * Checks a password — ADMIN_PASSWORD when the user name is empty or "admin", otherwise the
   * officer account's — and returns a new session token, or null once the failure has been
   * counted and, past MAX_FAILURES, waited for.
   */
  async login(address: string, password: string, username = ''): Promise<string | null> {
    const name = username.trim().toLowerCase();
    let officer: Officer | null = null;
    if (name === '' || name === BUILT_IN_ADMIN.username) {
      const candidate = await scrypt(password, this.salt, 32);
      if (crypto.timingSafeEqual(candidate, this.hash)) officer = BUILT_IN_ADMIN;
    } else officer = await this.verifyOfficer(name, password);
    if (!officer) {
      const recent = [...this.recentFailures(address), this.now()];
      this.failures.set(address, recent);
      // Bounded memory under a flood of addresses: forget the oldest address first.
      if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
      await this.wait(failureDelay(recent.length));
      return null;
    }
    const token = crypto.randomBytes(32).toString('base64url');
    this.sessions.set(token, { expires: this.now() + SESSION_TTL_MS, officer });
    return token;
  }

  isValid(token: string | undefined): boolean {
    return this.officer(token) !== undefined;
  }

  /** The officer logged in with this token, if the session is still valid. */
  officer(token: string | undefined): Officer | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (session === undefined) return undefined;
    if (session.expires <= this.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return session.officer;
  }

  logout(token: string | undefined): void {
    if (token) this.sessions.delete(token);
  }

  private recentFailures(address: string): number[] {
    const since = this.now() - FAILURE_WINDOW_MS;
    const recent = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(address);
    else this.failures.set(address, recent);
    return recent;
  }
}

/** How long the `failures`-th failure within the window waits before it is answered. */
export function failureDelay(failures: number): number {
  if (failures <= MAX_FAILURES) return 0;
  return Math.min(FIRST_FAILURE_DELAY_MS * 2 ** (failures - MAX_FAILURES - 1), MAX_FAILURE_DELAY_MS);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
