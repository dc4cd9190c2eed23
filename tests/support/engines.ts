/**
 * The store's engines for a test file: `engineKinds()` lists the pass's engine in `npm test`
 * (TEST_ENGINE), else SQLite and, when PostgreSQL is installed, PostgreSQL; `openInstances` opens
 * a fresh, migrated database on one of them as seen by `count` instances. On PostgreSQL each
 * instance has its own connection pool, as separate processes would; on SQLite (one process
 * owns the file) the instances share the one connection.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrateEngine, openEngine, type Engine, type EngineKind } from '../../src/store/engine';
import { postgresAvailable, startPostgres, type PostgresCluster } from './postgres';
import { noteTestDatabase, passClusterUrl, uniqueDatabaseName } from './test-engine';

let cluster: Promise<PostgresCluster> | undefined;

/** The engines to run a store test on; a skipped PostgreSQL says why once, on stderr. */
export function engineKinds(): EngineKind[] {
  // `npm test` runs each engine in its own pass (tests/support/test-engine.ts).
  if (process.env.TEST_ENGINE === 'sqlite') return ['sqlite'];
  if (process.env.TEST_ENGINE === 'postgres') return ['postgres'];
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

/** A URL to a new, empty database on the PostgreSQL cluster (the pass's, else the file's, started on first use). */
export async function freshPostgresUrl(): Promise<string> {
  // In the PostgreSQL pass of `npm test`, the run's cluster; else one for this file.
  const passUrl = passClusterUrl();
  if (!passUrl) cluster ??= startPostgres();
  const url = passUrl ?? (await cluster!).url;
  const name = uniqueDatabaseName('t');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  noteTestDatabase(name);
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
