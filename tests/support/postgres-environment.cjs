/**
 * The test environment of the PostgreSQL pass (jest.config.js): jest's node environment, plus,
 * once a test file is done (after every afterAll of the file), closing the stores its apps
 * opened (a pool left open would outlive the cluster) and dropping the databases the file
 * created (tests/support/test-engine.ts lists both on the file's global).
 */
const { TestEnvironment } = require('jest-environment-node');
const pg = require('pg');

class PostgresPassEnvironment extends TestEnvironment {
  async teardown() {
    const global = this.global;
    const stores = global.tthcTestStores || [];
    const databases = global.tthcTestDatabases || [];
    for (const store of stores) await store.close().catch(() => undefined);
    const url = process.env.TEST_POSTGRES_URL;
    if (url && databases.length > 0) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // FORCE: a server process a test killed may not have closed its connections yet.
        for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
    await super.teardown();
  }
}

module.exports = PostgresPassEnvironment;
