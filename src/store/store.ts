/**
 * The store the bot runs on, chosen once at start-up (issue #17):
 *
 * - no DATABASE_URL: the SQLite file at DATABASE_PATH holds every table, as always;
 * - DATABASE_URL=postgres://…: every table lives on that server (migrated on start, under an
 *   advisory lock); the SQLite file only keeps what was written there before.
 *
 * `Store` is the one place that lists the repositories: add a ported table's here, built on
 * `engine`, so that every caller gets it from the same object whichever engine is in use.
 */
import type { Config } from '../config';
import { StoreError } from '../errors';
import { openDatabase, type Db } from './db';
import { migrateEngine, openEngine, type Engine, type EngineKind } from './engine';
import type { Logger } from '../logger';
import { ContentVersions } from './shared-content';
import { HandoffStore } from './shared-handoffs';
import { SharedFeedback } from './shared-feedback';
import { SharedInbox } from './shared-inbox';
import { SharedInteractions } from './shared-interactions';
import { SharedLinks } from './shared-links';
import { OfficerStore } from './shared-officers';
import { SharedFlood, SharedSessions } from './shared-sessions';
import { SharedTokens } from './shared-tokens';

/**
 * The repositories of the tables ported after the inbox: the officers' inbox and accounts,
 * and the turn's own rows (the interaction log with citizens and contacts, ratings, tracked
 * links), which the runtime writes here on PostgreSQL (src/runtime/shared-state.ts).
 */
export interface LogRepositories {
  readonly handoffs: HandoffStore;
  readonly officers: OfficerStore;
  readonly interactions: SharedInteractions;
  readonly feedback: SharedFeedback;
  readonly links: SharedLinks;
}

/**
 * Builds them on `engine` (also for an app given only an SQLite file, as in tests).
 * `logger`: where a failed delivery-status update is reported.
 */
export function logRepositories(
  engine: Engine,
  now: () => number = Date.now,
  logger?: Logger,
): LogRepositories {
  return {
    handoffs: new HandoffStore(engine, now),
    officers: new OfficerStore(engine, now),
    interactions: new SharedInteractions(engine, logger, now),
    feedback: new SharedFeedback(engine, now),
    links: new SharedLinks(engine, now),
  };
}

export interface Store extends LogRepositories {
  readonly kind: EngineKind;
  /**
   * The SQLite file at DATABASE_PATH. On SQLite it holds every table. With DATABASE_URL it
   * keeps only what was written there before the turn's rows moved to PostgreSQL (read by
   * erasure, so a citizen's older rows go too).
   */
  readonly db: Db;
  /** Where the shared tables live: the PostgreSQL server, or the same SQLite file. */
  readonly engine: Engine;
  readonly inbox: SharedInbox;
  readonly sessions: SharedSessions;
  readonly flood: SharedFlood;
  readonly tokens: SharedTokens;
  /** The editors' content as it went live on one instance, for the others (knowledge/sync.ts). */
  readonly content: ContentVersions;
  close(): Promise<void>;
}

export type StoreConfig = Pick<
  Config,
  | 'DATABASE_PATH'
  | 'DATABASE_URL'
  | 'DATABASE_POOL_SIZE'
  | 'SESSION_TTL_MINUTES'
  | 'FLOOD_MAX_MESSAGES'
  | 'FLOOD_WINDOW_SECONDS'
>;

/**
 * Opens the store `config` names and brings its schema up to date. `db`: an SQLite database
 * already open (tests), instead of opening DATABASE_PATH.
 */
export async function openStore(
  config: StoreConfig,
  options: { db?: Db; now?: () => number; logger?: Logger } = {},
): Promise<Store> {
  const db = options.db ?? openDatabase(config.DATABASE_PATH);
  const shared = config.DATABASE_URL !== undefined;
  // On SQLite the file's own migrations (migrations.ts) built the shared tables; the engine's
  // run creates only its bookkeeping (its lock row serialises `withSharedLock`).
  const engine = shared
    ? openEngine({ url: config.DATABASE_URL!, poolSize: config.DATABASE_POOL_SIZE })
    : openEngine({ sqlite: db });
  try {
    await migrateEngine(engine, shared ? undefined : []);
  } catch (err) {
    await engine.close().catch(() => undefined);
    if (!shared) throw err;
    db.close();
    const where = redactUrl(config.DATABASE_URL!);
    throw new StoreError(
      where,
      `Cannot use the PostgreSQL database at ${where}: ${errorText(err)}. Check DATABASE_URL (host, port, ` +
        'user, password, database name) and that the server accepts connections from this machine.',
      { cause: err },
    );
  }
  return storeOver(config, db, engine, options.now, options.logger);
}

/**
 * The store's repositories over an engine already migrated (`openStore` migrates first; the
 * tests build apps synchronously on a database cloned from a migrated template). `close()`
 * closes the engine and, on PostgreSQL, the SQLite file too.
 */
export function storeOver(
  config: StoreConfig,
  db: Db,
  engine: Engine,
  now: () => number = Date.now,
  logger?: Logger,
): Store {
  const shared = engine.kind === 'postgres';
  return {
    kind: engine.kind,
    db,
    engine,
    inbox: new SharedInbox(engine, now),
    sessions: new SharedSessions(engine, config.SESSION_TTL_MINUTES * 60_000, now),
    flood: new SharedFlood(
      engine,
      { limit: config.FLOOD_MAX_MESSAGES, windowMs: config.FLOOD_WINDOW_SECONDS * 1000 },
      now,
    ),
    tokens: new SharedTokens(engine, now),
    content: new ContentVersions(engine, now),
    ...logRepositories(engine, now, logger),
    async close() {
      // Closing the SQLite engine closes the file it was given.
      await engine.close();
      if (shared && db.open) db.close();
    },
  };
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@');
}

/** The innermost reason (the migrator wraps the driver's error; a refused connection is an AggregateError). */
function errorText(err: unknown): string {
  let inner = err as { cause?: unknown; errors?: unknown[]; message?: string; code?: string } | undefined;
  while (inner?.cause !== undefined || inner?.errors?.length)
    inner = (inner.cause ?? inner.errors![0]) as typeof inner;
  return inner?.message || inner?.code || String(inner);
}
