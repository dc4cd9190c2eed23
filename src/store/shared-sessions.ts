/**
 * Dialogue sessions (`sessions.ts`) and flood counters (`src/runtime/flood.ts`) kept in the
 * shared store, so that whichever instance answers a citizen's next message continues the
 * same conversation and counts the same burst.
 */
import type { Kysely } from 'kysely';
import { countArrival, type FloodVerdict } from '../core/flood-window';
import type { Engine } from './engine';
import { withSharedLock } from './engine';
import { emptySession, sessionStateSchema, type SessionState } from './sessions';
import type { StoreSchema } from './shared-schema';

/** As `SessionStore`, async: an entry older than its TTL reads as empty. */
export class SharedSessions {
  constructor(
    private readonly engine: Engine,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(userKey: string): Promise<SessionState> {
    const row = await this.engine.db
      .selectFrom('sessions')
      .select('state')
      .where('user_key', '=', userKey)
      .where('expires_at', '>', this.now())
      .executeTakeFirst();
    if (!row) return emptySession();
    const parsed = sessionStateSchema.safeParse(JSON.parse(row.state));
    return parsed.success ? parsed.data : emptySession();
  }

  /** `db`: the transaction the turn's other rows commit in. */
  async set(userKey: string, state: SessionState, db: Kysely<StoreSchema> = this.engine.db): Promise<void> {
    const values = { user_key: userKey, state: JSON.stringify(state), expires_at: this.now() + this.ttlMs };
    await db
      .insertInto('sessions')
      .values(values)
      .onConflict((oc) =>
        oc.column('user_key').doUpdateSet({ state: values.state, expires_at: values.expires_at }),
      )
      .execute();
  }

  /** Deletes expired entries; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await this.engine.db
      .deleteFrom('sessions')
      .where('expires_at', '<=', this.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** As `FloodGuard`, with the window of each citizen in the shared store. */
export class SharedFlood {
  constructor(
    private readonly engine: Engine,
    private readonly options: { limit: number; windowMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one message of `userKey`; two instances counting at once are serialised per citizen. */
  async check(userKey: string): Promise<FloodVerdict> {
    return withSharedLock(this.engine, `flood:${userKey}`, async (trx) => {
      const row = await trx
        .selectFrom('flood_counters')
        .select(['times', 'warned'])
        .where('user_key', '=', userKey)
        .executeTakeFirst();
      const entry = row
        ? { times: JSON.parse(row.times) as number[], warned: row.warned === 1 }
        : { times: [], warned: false };
      const now = this.now();
      const verdict = countArrival(entry, now, this.options);
      const values = { times: JSON.stringify(entry.times), warned: entry.warned ? 1 : 0, updated_at: now };
      await trx
        .insertInto('flood_counters')
        .values({ user_key: userKey, ...values })
        .onConflict((oc) => oc.column('user_key').doUpdateSet(values))
        .execute();
      return verdict;
    });
  }

  /** Forgets citizens quiet for longer than the window; returns how many. */
  async purgeIdle(): Promise<number> {
    const result = await this.engine.db
      .deleteFrom('flood_counters')
      .where('updated_at', '<=', this.now() - this.options.windowMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
