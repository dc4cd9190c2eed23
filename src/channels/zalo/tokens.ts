/**
 * The Zalo access token: kept in the store, refreshed before expiry and on -216, one refresh
 * at a time (POST {ZALO_OAUTH_BASE}/v4/oa/access_token, header `secret_key`).
 */
import { ChannelError } from '../../errors';
import type { Logger } from '../../logger';
import type { TokenPair } from '../../store/tokens';
import { postForm } from '../http';
import { isObject } from '../json';

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 30 * 60_000;
/** A token pasted into the environment has an unknown age: assume it was just issued (~25 h). */
const ASSUMED_SEED_LIFETIME_MS = 24 * 3600_000;

export interface ZaloTokenOptions {
  appId?: string;
  appSecret?: string;
  accessToken: string;
  refreshToken?: string;
  oauthBase: string;
  timeoutMs: number;
}

/**
 * Where the token pair is kept: the SQLite file (`TokenStore`), or the shared store
 * (`SharedTokens`, several instances: its `refresh` holds a lock every instance shares).
 */
export interface TokenKeeping {
  /** Stores the environment's pair unless the stored one is newer; returns the pair to use. */
  seed(channel: string, pair: TokenPair): TokenPair | Promise<TokenPair>;
  /**
   * Runs `renew` and stores its pair only if `stale(stored)` still holds for the stored pair;
   * returns the pair stored afterwards (this refresh's, or the one another made meanwhile).
   */
  refresh(
    channel: string,
    stale: (stored: TokenPair) => boolean,
    renew: (stored: TokenPair) => Promise<TokenPair>,
  ): Promise<TokenPair>;
}

/**
 * The Zalo access token: refreshed before expiry and on -216, one refresh at a time.
 * Refresh tokens are single use — two concurrent refreshes would leave one side holding a
 * dead token — so every caller in this process shares the one refresh in flight, and with
 * several instances the store's lock lets one of them refresh: the others find the new pair
 * stored (also when Zalo refuses the old token they still held).
 */
export class ZaloTokens {
  private inflight?: Promise<string>;
  /** The pair in use: the stored one as last read or refreshed here. */
  private pair: TokenPair;
  /** The environment's pair stored (or the stored one read); undefined: to try again. */
  private seeded?: Promise<void>;

  constructor(
    private readonly store: TokenKeeping,
    private readonly options: ZaloTokenOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.pair = {
      accessToken: options.accessToken,
      refreshToken: options.refreshToken ?? null,
      expiresAt: now() + ASSUMED_SEED_LIFETIME_MS,
    };
    this.seeded = this.seed();
  }

  /**
   * Stores the environment's pair, or reads the one another instance refreshed. On a shared
   * store this runs in the background: a failure (the database unreachable, or closed at a
   * stop) is logged and tried again before the next send, never left as an unhandled
   * rejection that would end the process.
   */
  private seed(): Promise<void> {
    const seeded = this.store.seed('zalo', this.pair);
    if (!(seeded instanceof Promise)) {
      this.pair = seeded;
      return Promise.resolve();
    }
    return seeded.then(
      (pair) => void (this.pair = pair),
      (err: unknown) => {
        this.seeded = undefined;
        this.logger.error(
          { err: { message: (err as Error).message } },
          'could not store the Zalo token; using the configured one, trying again before the next send',
        );
      },
    );
  }

  private get canRefresh(): boolean {
    return Boolean(this.options.appId && this.options.appSecret && this.pair.refreshToken);
  }

  private due(pair: TokenPair): boolean {
    return pair.expiresAt !== null && pair.expiresAt - this.now() < REFRESH_MARGIN_MS;
  }

  async current(signal: AbortSignal): Promise<string> {
    await this.refreshIfDue(signal);
    return this.pair.accessToken;
  }

  async refreshIfDue(signal: AbortSignal): Promise<void> {
    await (this.seeded ??= this.seed());
    if (this.due(this.pair) && this.canRefresh) await this.refresh(this.pair.accessToken, signal);
  }

  /** Refreshes unless `stale` was already replaced; concurrent callers share one refresh. */
  refresh(stale: string, signal: AbortSignal): Promise<string> {
    if (this.pair.accessToken !== stale) return Promise.resolve(this.pair.accessToken);
    this.inflight ??= this.store
      .refresh(
        'zalo',
        // Still the token found stale (or due) here: nobody refreshed it meanwhile.
        (stored) => stored.accessToken === stale,
        (stored) => this.doRefresh(stored, signal),
      )
      .then((pair) => {
        this.pair = pair;
        return pair.accessToken;
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefresh(stored: TokenPair, signal: AbortSignal): Promise<TokenPair> {
    const { appId, appSecret, oauthBase, timeoutMs } = this.options;
    const refreshToken = stored.refreshToken;
    if (!appId || !appSecret || !refreshToken) {
      this.logger.error(
        'Zalo refused the access token and it cannot be refreshed: set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_REFRESH_TOKEN, or a new ZALO_ACCESS_TOKEN',
      );
      throw new ChannelError('zalo', 'access token refused and no refresh possible', false);
    }
    const res = await postForm(
      'zalo',
      `${oauthBase}/v4/oa/access_token`,
      { refresh_token: refreshToken, app_id: appId, grant_type: 'refresh_token' },
      { headers: { secret_key: appSecret }, signal, timeoutMs },
    );
    if (res.status >= 500 || res.status === 429)
      throw new ChannelError('zalo', `token refresh: HTTP ${res.status}`, true, res.status);
    const body = res.body;
    if (isObject(body) && typeof body.access_token === 'string' && typeof body.refresh_token === 'string') {
      const expiresIn = Number(body.expires_in);
      const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? this.now() + expiresIn * 1000 : null;
      this.logger.info({ expiresAt }, 'Zalo access token refreshed');
      return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt };
    }
    const code = isObject(body) ? (body.error as string | number | undefined) : undefined;
    this.logger.error(
      { code },
      'Zalo refused to refresh the access token: re-authorise the OA, then set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN',
    );
    throw new ChannelError('zalo', 'token refresh refused', false, code);
  }
}
