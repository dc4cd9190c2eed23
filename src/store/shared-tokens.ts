/**
 * Platform tokens (`tokens.ts`) for several instances sharing one database: a Zalo refresh
 * token is single use, so exactly one instance may spend it. `refresh` takes a lock shared by
 * every instance (a PostgreSQL advisory lock), reads the stored pair again, and refreshes only
 * when it is still stale; an instance that waited behind the one that refreshed finds the new
 * pair and uses it.
 */
import type { Selectable } from 'kysely';
import type { Engine } from './engine';
import { withSharedLock } from './engine';
import type { ChannelTokensTable } from './shared-schema';
import { seedHash, type TokenPair } from './tokens';

const PAIR_COLUMNS = ['access_token', 'refresh_token', 'expires_at'] as const;

function pairOf(row: Pick<Selectable<ChannelTokensTable>, (typeof PAIR_COLUMNS)[number]>): TokenPair {
  return { accessToken: row.access_token, refreshToken: row.refresh_token, expiresAt: row.expires_at };
}

export class SharedTokens {
  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {}

  async get(channel: string): Promise<TokenPair | undefined> {
    const row = await this.engine.db
      .selectFrom('channel_tokens')
      .select(PAIR_COLUMNS)
      .where('channel', '=', channel)
      .executeTakeFirst();
    return row && pairOf(row);
  }

  /** As `TokenStore.seed`: the environment's pair is stored when new or changed by the operator. */
  async seed(channel: string, pair: TokenPair): Promise<TokenPair> {
    const seed = seedHash(pair);
    await this.engine.db
      .insertInto('channel_tokens')
      .values({
        channel,
        access_token: pair.accessToken,
        refresh_token: pair.refreshToken,
        expires_at: pair.expiresAt,
        seed,
        updated_at: this.now(),
      })
      .onConflict((oc) =>
        oc
          .column('channel')
          .doUpdateSet((eb) => ({
            access_token: eb.ref('excluded.access_token'),
            refresh_token: eb.ref('excluded.refresh_token'),
            expires_at: eb.ref('excluded.expires_at'),
            seed: eb.ref('excluded.seed'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where('channel_tokens.seed', '<>', seed),
      )
      .execute();
    return (await this.get(channel))!;
  }

  /**
   * Refreshes the stored pair once across every instance: under the lock, `stale(stored)`
   * decides again, and only then is `renew(stored)` called and its pair saved. Returns the
   * pair stored when the lock is released (this instance's refresh or another's).
   */
  async refresh(
    channel: string,
    stale: (stored: TokenPair) => boolean,
    renew: (stored: TokenPair) => Promise<TokenPair>,
  ): Promise<TokenPair> {
    return withSharedLock(this.engine, `token-refresh:${channel}`, async (trx) => {
      const row = await trx
        .selectFrom('channel_tokens')
        .select(PAIR_COLUMNS)
        .where('channel', '=', channel)
        .executeTakeFirstOrThrow(() => new Error(`No stored ${channel} token to refresh: seed it first`));
      const stored = pairOf(row);
      if (!stale(stored)) return stored;
      const fresh = await renew(stored);
      await trx
        .updateTable('channel_tokens')
        .set({
          access_token: fresh.accessToken,
          refresh_token: fresh.refreshToken,
          expires_at: fresh.expiresAt,
          updated_at: this.now(),
        })
        .where('channel', '=', channel)
        .execute();
      return fresh;
    });
  }
}
