/**
 * Officers' login: the password is hashed once at start (scrypt, random salt) and compared
 * in constant time; failed attempts are limited per address; a session is a random token
 * in an HttpOnly, SameSite=Strict cookie scoped to /admin, held in memory (a restart logs
 * officers out, which is acceptable for a small team).
 */
import crypto from 'node:crypto';
import { BUILT_IN_ADMIN, type Officer } from './officers';

/** Checks an officer account's user name and password (src/admin/officers.ts). */
export type OfficerVerifier = (username: string, password: string) => Officer | null;

export const SESSION_COOKIE = 'tthc_admin';
/** Failed logins allowed per address within LOCKOUT_WINDOW_MS. */
export const MAX_FAILURES = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
export const SESSION_TTL_MS = 8 * 3_600_000;

export class AdminAuth {
  private readonly salt = crypto.randomBytes(16);
  private readonly hash: Buffer;
  private readonly failures = new Map<string, number[]>();
  private readonly sessions = new Map<string, { expires: number; officer: Officer }>();

  constructor(
    password: string,
    private readonly now: () => number = Date.now,
    private readonly verifyOfficer: OfficerVerifier = () => null,
  ) {
    this.hash = crypto.scryptSync(password, this.salt, 32);
  }

  /** Milliseconds until `address` may try again; 0 when it may try now. */
  retryAfter(address: string): number {
    const recent = this.recentFailures(address);
    return recent.length < MAX_FAILURES ? 0 : recent[0] + LOCKOUT_WINDOW_MS - this.now();
  }

  /**
   * Checks a password — ADMIN_PASSWORD when the user name is empty or "admin", otherwise the
   * officer account's — and returns a new session token, or null (and counts the failure).
   */
  login(address: string, password: string, username = ''): string | null {
    const name = username.trim().toLowerCase();
    let officer: Officer | null = null;
    if (name === '' || name === BUILT_IN_ADMIN.username) {
      const candidate = crypto.scryptSync(password, this.salt, 32);
      if (crypto.timingSafeEqual(candidate, this.hash)) officer = BUILT_IN_ADMIN;
    } else officer = this.verifyOfficer(name, password);
    if (!officer) {
      this.failures.set(address, [...this.recentFailures(address), this.now()]);
      return null;
    }
    this.failures.delete(address);
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
    const since = this.now() - LOCKOUT_WINDOW_MS;
    const recent = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(address);
    else this.failures.set(address, recent);
    return recent;
  }
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
