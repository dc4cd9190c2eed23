/**
 * Officers' login: the password is hashed once at start (scrypt, random salt) and compared
 * in constant time; failed attempts are limited per address; a session is a random token
 * in an HttpOnly, SameSite=Strict cookie scoped to /admin, held in memory (a restart logs
 * officers out, which is acceptable for a small team).
 */
import crypto from 'node:crypto';

export const SESSION_COOKIE = 'tthc_admin';
/** Failed logins allowed per address within LOCKOUT_WINDOW_MS. */
export const MAX_FAILURES = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
export const SESSION_TTL_MS = 8 * 3_600_000;

export class AdminAuth {
  private readonly salt = crypto.randomBytes(16);
  private readonly hash: Buffer;
  private readonly failures = new Map<string, number[]>();
  private readonly sessions = new Map<string, number>();

  constructor(
    password: string,
    private readonly now: () => number = Date.now,
  ) {
    this.hash = crypto.scryptSync(password, this.salt, 32);
  }

  /** Milliseconds until `address` may try again; 0 when it may try now. */
  retryAfter(address: string): number {
    const recent = this.recentFailures(address);
    return recent.length < MAX_FAILURES ? 0 : recent[0] + LOCKOUT_WINDOW_MS - this.now();
  }

  /** Checks a password; returns a new session token, or null (and counts the failure). */
  login(address: string, password: string): string | null {
    const candidate = crypto.scryptSync(password, this.salt, 32);
    if (!crypto.timingSafeEqual(candidate, this.hash)) {
      this.failures.set(address, [...this.recentFailures(address), this.now()]);
      return null;
    }
    this.failures.delete(address);
    const token = crypto.randomBytes(32).toString('base64url');
    this.sessions.set(token, this.now() + SESSION_TTL_MS);
    return token;
  }

  isValid(token: string | undefined): boolean {
    if (!token) return false;
    const expires = this.sessions.get(token);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
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
