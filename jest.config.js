/** Jest runs the TypeScript sources through ts-jest in transpile-only mode:
 * `npm run typecheck` already type-checks everything once, so jest stays fast. */
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
};
