/**
 * jest's globalSetup and globalTeardown for the PostgreSQL pass (TEST_ENGINE=postgres, see
 * jest.config.js): one throwaway cluster for the whole run, and in it a template database with
 * the store's schema migrated once; tests/support/test-engine.ts clones it for every app.
 * tests/support/postgres-global-teardown.ts stops it. The cluster's URL reaches the workers through the environment (they start after this).
 */
import { sql } from 'kysely';
import { migrateEngine, openEngine } from '../../src/store/engine';
import { startPostgres, type PostgresCluster } from './postgres';
import { CLUSTER_URL_VARIABLE, TEMPLATE_DATABASE } from './test-engine';

const holder = globalThis as { tthcPostgresCluster?: PostgresCluster };

/** jest's globalSetup (the default export). */
export default async function setup(): Promise<void> {
  const started = Date.now();
  const cluster = await startPostgres();
  holder.tthcPostgresCluster = cluster;
  const admin = openEngine({ url: cluster.url, poolSize: 1 });
  try {
    await sql.raw(`CREATE DATABASE ${TEMPLATE_DATABASE}`).execute(admin.db);
  } finally {
    await admin.close();
  }
  const template = openEngine({
    url: cluster.url.replace(/\/postgres$/, `/${TEMPLATE_DATABASE}`),
    poolSize: 1,
  });
  try {
    await migrateEngine(template);
  } finally {
    await template.close();
  }
  process.env[CLUSTER_URL_VARIABLE] = cluster.url;
  process.stderr.write(
    `\nPostgreSQL pass: throwaway cluster on ${cluster.url}, template migrated in ${Date.now() - started} ms\n`,
  );
}

export async function teardown(): Promise<void> {
  const cluster = holder.tthcPostgresCluster;
  holder.tthcPostgresCluster = undefined;
  delete process.env[CLUSTER_URL_VARIABLE];
  await cluster?.stop();
}
