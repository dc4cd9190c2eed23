/**
 * Platform access tokens that the bot renews itself (Zalo). The pair is replaced in one
 * statement: Zalo refresh tokens are single use, so losing the new one after a refresh
 * would silence the OA until someone re-authorises it by hand.
 */
import crypto from 'node:crypto';
import type { Db } from './db';

export interface TokenPair {
  accessToken: string;
  refreshToken: string | null;
  /** Milliseconds since the epoch; null when unknown (a token pasted into the environment). */
  expiresAt: number | null;
}

interface Row {
  access_token: string;
  refresh_token: string | null;
  expires_at: number | null;
  seed: string;
}

/** What `seed` keeps of the environment's pair: enough to notice it changed, not the tokens. */
export function seedHash(pair: TokenPair): string {
  return crypto
    .createHash('sha256')
    .update(`${pair.accessToken}\n${pair.refreshToken ?? ''}`)
    .digest('hex');
}

export class TokenStore {
  private readonly getStmt;
  private readonly putStmt;
  private readonly saveStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.getStmt = db.prepare<[string], Row>(
      'SELECT access_token, refresh_token, expires_at, seed FROM channel_tokens WHERE channel = ?',
    );
    this.putStmt = db.prepare<[string, string, string | null, number | null, string, number]>(
      `INSERT INTO channel_tokens (channel, access_token, refresh_token, expires_at, seed, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel) DO UPDATE SET access_token = excluded.access_token,
         refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
         seed = excluded.seed, updated_at = excluded.updated_at`,
    );
    this.saveStmt = db.prepare<[string, string | null, number | null, number, string]>(
      `UPDATE channel_tokens SET access_token = ?, refresh_token = ?, expires_at = ?, updated_at = ?
       WHERE channel = ?`,
    );
  }

  get(channel: string): TokenPair | undefined {
    const row = this.getStmt.get(channel);
    return row
      ? { accessToken: row.access_token, refreshToken: row.refresh_token, expiresAt: row.expires_at }
      : undefined;
  }

  /**
   * Stores the pair from the environment the first time, and again whenever the operator
   * puts a different pair there (a manual re-authorisation); otherwise the stored, newer
   * pair wins. Only a hash of the environment's pair is kept to tell them apart.
   */
  seed(channel: string, pair: TokenPair): TokenPair {
    const seed = seedHash(pair);
    const row = this.getStmt.get(channel);
    if (!row || row.seed !== seed) {
      this.putStmt.run(channel, pair.accessToken, pair.refreshToken, pair.expiresAt, seed, this.now());
    }
    return this.get(channel)!;
  }

  /**
   * Refreshes the pair if `stale(stored)`: `renew` makes the new pair, stored in one UPDATE.
   * One process owns the file: its caller (ZaloTokens) runs one refresh at a time.
   */
  async refresh(
    channel: string,
    stale: (stored: TokenPair) => boolean,
    renew: (stored: TokenPair) => Promise<TokenPair>,
  ): Promise<TokenPair> {
    const stored = this.get(channel);
    if (!stored) throw new Error(`No stored ${channel} token to refresh: seed it first`);
    if (!stale(stored)) return stored;
    const fresh = await renew(stored);
    this.save(channel, fresh);
    return fresh;
  }

  /** Replaces the pair atomically (one UPDATE). */
  save(channel: string, pair: TokenPair): void {
    this.saveStmt.run(pair.accessToken, pair.refreshToken, pair.expiresAt, this.now(), channel);
  }
}
