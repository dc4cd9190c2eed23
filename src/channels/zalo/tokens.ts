/**
 * The Zalo access token: read from SQLite, refreshed before expiry and on -216, one refresh
 * at a time (POST {ZALO_OAUTH_BASE}/v4/oa/access_token, header `secret_key`).
 */
import { ChannelError } from '../../errors';
import type { Logger } from '../../logger';
import type { TokenStore } from '../../store/tokens';
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
 * The Zalo access token: read from SQLite, refreshed before expiry and on -216, one refresh
 * at a time. Refresh tokens are single use — two concurrent refreshes would leave one side
 * holding a dead token — so every caller shares the one refresh in flight, and the new pair
 * replaces the old one in a single statement.
 */
export class ZaloTokens {
  private inflight?: Promise<string>;

  constructor(
    private readonly store: TokenStore,
    private readonly options: ZaloTokenOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    store.seed('zalo', {
      accessToken: options.accessToken,
      refreshToken: options.refreshToken ?? null,
      expiresAt: now() + ASSUMED_SEED_LIFETIME_MS,
    });
  }

  private get pair() {
    return this.store.get('zalo')!;
  }

  private get canRefresh(): boolean {
    return Boolean(this.options.appId && this.options.appSecret && this.pair.refreshToken);
  }

  async current(signal: AbortSignal): Promise<string> {
    await this.refreshIfDue(signal);
    return this.pair.accessToken;
  }

  async refreshIfDue(signal: AbortSignal): Promise<void> {
    const { accessToken, expiresAt } = this.pair;
    if (expiresAt !== null && expiresAt - this.now() < REFRESH_MARGIN_MS && this.canRefresh)
      await this.refresh(accessToken, signal);
  }

  /** Refreshes unless `stale` was already replaced; concurrent callers share one refresh. */
  refresh(stale: string, signal: AbortSignal): Promise<string> {
    if (this.pair.accessToken !== stale) return Promise.resolve(this.pair.accessToken);
    this.inflight ??= this.doRefresh(signal).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefresh(signal: AbortSignal): Promise<string> {
    const { appId, appSecret, oauthBase, timeoutMs } = this.options;
    const refreshToken = this.pair.refreshToken;
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
      this.store.save('zalo', {
        accessToken: body.access_token,
        refreshToken: body.refresh_token,
        expiresAt,
      });
      this.logger.info({ expiresAt }, 'Zalo access token refreshed');
      return body.access_token;
    }
    const code = isObject(body) ? (body.error as string | number | undefined) : undefined;
    this.logger.error(
      { code },
      'Zalo refused to refresh the access token: re-authorise the OA, then set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN',
    );
    throw new ChannelError('zalo', 'token refresh refused', false, code);
  }
}
