/**
 * The store's engines for a test file: `engineKinds()` lists SQLite and, when PostgreSQL is
 * installed (always in CI, see tests/support/postgres.ts), PostgreSQL; `openInstances` opens
 * a fresh, migrated database on one of them as seen by `count` instances. On PostgreSQL each
 * instance has its own connection pool, as separate processes would; on SQLite (one process
 * owns the file) the instances share the one connection.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrateEngine, openEngine, type Engine, type EngineKind } from '../../src/store/engine';
import { postgresAvailable, startPostgres, type PostgresCluster } from './postgres';

let cluster: Promise<PostgresCluster> | undefined;
let databases = 0;

/** The engines to run a store test on; a skipped PostgreSQL says why once, on stderr. */
export function engineKinds(): EngineKind[] {
  if (postgresAvailable()) {
    afterAll(stopPostgres);
    return ['sqlite', 'postgres'];
  }
  process.stderr.write(
    'Store tests run on SQLite only: PostgreSQL is not installed (see tests/support/postgres.ts).\n',
  );
  return ['sqlite'];
}

/** Stops the file's PostgreSQL cluster, if one was started; call it in `afterAll`. */
export async function stopPostgres(): Promise<void> {
  const started = cluster;
  cluster = undefined;
  if (started) await (await started).stop();
}

/** A URL to a new, empty database on the file's PostgreSQL cluster (started on first use). */
export async function freshPostgresUrl(): Promise<string> {
  cluster ??= startPostgres();
  const { url } = await cluster;
  const name = `t${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return url.replace(/\/postgres$/, `/${name}`);
}

export interface Instances {
  engines: Engine[];
  close(): Promise<void>;
}

export async function openInstances(kind: EngineKind, count = 1, migrate = true): Promise<Instances> {
  let engines: Engine[];
  if (kind === 'sqlite') {
    const one = openEngine({ sqlite: new Database(':memory:') });
    engines = Array.from({ length: count }, () => one);
  } else {
    const url = await freshPostgresUrl();
    engines = Array.from({ length: count }, () => openEngine({ url, poolSize: 4 }));
  }
  if (migrate) for (const engine of new Set(engines)) await migrateEngine(engine);
  return {
    engines,
    close: async () => {
      for (const engine of new Set(engines)) await engine.close();
    },
  };
}
