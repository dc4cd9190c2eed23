/** Jest runs the TypeScript sources through ts-jest in transpile-only mode:
 * `npm run typecheck` already type-checks everything once, so jest stays fast.
 *
 * TEST_ENGINE=postgres (the second pass of `npm test`, tests/support/jest-passes.cjs) runs the
 * same suites with the bot on PostgreSQL: one throwaway cluster for the run, a database per app
 * (tests/support/test-engine.ts), minus the suites tests/support/postgres-pass.cjs lists. */
const path = require('node:path');

const postgresPass = process.env.TEST_ENGINE === 'postgres';

/** A path of postgres-pass.cjs as a testPathIgnorePatterns entry (a folder ends with '/'). */
function ignored(relative) {
  const escaped = path.join(__dirname, relative).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return relative.endsWith('/') ? `^${escaped}` : `^${escaped}$`;
}

function postgresOptions() {
  const { noStore } = require('./tests/support/postgres-pass.cjs');
  return {
    globalSetup: '<rootDir>/tests/support/postgres-global.ts',
    testEnvironment: '<rootDir>/tests/support/postgres-environment.cjs',
    globalTeardown: '<rootDir>/tests/support/postgres-global-teardown.ts',
    testPathIgnorePatterns: ['/node_modules/', ...Object.keys(noStore).map(ignored)],
  };
}

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: {
          isolatedModules: true,
          module: 'commonjs',
          moduleResolution: 'node10',
          ignoreDeprecations: '6.0',
        },
        diagnostics: false,
      },
    ],
  },
  // A hang guard, not a speed budget (benchmarks measure speed): the suite must also pass on
  // a 2-core machine while another CPU-heavy process runs, where one server start alone can
  // take 20 s.
  testTimeout: 120_000,
  ...(postgresPass && postgresOptions()),
};
