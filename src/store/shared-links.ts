/**
 * Tracked links in the shared store (`engine.ts`): a token minted by one instance is
 * followed (and its click counted) by whichever instance the citizen's browser reaches.
 * The rewriting of replies and the /r/ route are src/privacy/links.ts's.
 */
import type { Kysely } from 'kysely';
import type { Engine } from './engine';
import type { StoreSchema } from './shared-schema';

export interface TrackedLink {
  token: string;
  url: string;
  channel: string;
  userKey: string;
  answerId: string | null;
}

export class SharedLinks {
  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores minted links; `db`: the transaction the turn's rows commit in. */
  async add(links: readonly TrackedLink[], db: Kysely<StoreSchema> = this.engine.db): Promise<void> {
    if (links.length === 0) return;
    const ts = this.now();
    await db
      .insertInto('links')
      .values(
        links.map((l) => ({
          token: l.token,
          url: l.url,
          ts,
          channel: l.channel,
          user_key: l.userKey,
          answer_id: l.answerId,
        })),
      )
      .execute();
  }

  /** Counts a click on `token` and returns its address; undefined for an unknown token. */
  async follow(token: string): Promise<string | undefined> {
    const link = await this.engine.db
      .selectFrom('links')
      .select(['url', 'channel', 'user_key', 'answer_id'])
      .where('token', '=', token)
      .executeTakeFirst();
    if (!link) return undefined;
    await this.engine.db
      .insertInto('clicks')
      .values({ ts: this.now(), token, ...link })
      .execute();
    return link.url;
  }
}
