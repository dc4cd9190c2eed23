/**
 * The jest part of `npm test`: the suites on SQLite, then with the bot on PostgreSQL
 * (TEST_ENGINE=postgres, see jest.config.js), then one summary of both passes.
 *
 *   tsx tests/support/jest-passes.ts [sqlite|postgres|both] [jest arguments…]
 *
 * (`npm run test:sqlite -- tests/api.test.ts`, `npm run test:postgres -- tests/channels`.)
 * Without the PostgreSQL server binaries the second pass is skipped with one line saying how to
 * install them, unless REQUIRE_POSTGRES=1 (set by .ci/run): then it fails.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { POSTGRES_HINT, findPostgresBin } from './postgres';
import postgresPass from './postgres-pass.cjs';

type Pass = 'sqlite' | 'postgres';
const NAMES: Record<Pass, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

const [first, ...rest] = process.argv.slice(2);
const chosen = first === 'sqlite' || first === 'postgres' || first === 'both' ? first : undefined;
const jestArgs = chosen ? rest : process.argv.slice(2);
const passes: Pass[] = chosen === 'sqlite' || chosen === 'postgres' ? [chosen] : ['sqlite', 'postgres'];

const jestBin = require.resolve('jest/bin/jest');
const summary: string[] = [];
let failed = false;

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

for (const pass of passes) {
  const name = `jest on ${NAMES[pass]}`;
  if (pass === 'postgres' && !findPostgresBin()) {
    if (process.env.REQUIRE_POSTGRES === '1') {
      summary.push(`${name}: FAILED, REQUIRE_POSTGRES=1 but ${POSTGRES_HINT}`);
      failed = true;
    } else summary.push(`${name}: skipped. ${POSTGRES_HINT}`);
    continue;
  }
  console.log(`\n===== ${name} (TEST_ENGINE=${pass}) =====\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [jestBin, ...jestArgs], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: 'inherit',
    env: { ...process.env, TEST_ENGINE: pass },
  });
  const ok = result.status === 0;
  failed ||= !ok;
  summary.push(
    `${name}: ${ok ? 'passed' : `FAILED (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`} ` +
      `in ${minutes(Date.now() - started)}`,
  );
}

console.log(`\n===== npm test: jest passes =====\n${summary.join('\n')}`);
if (passes.includes('postgres')) {
  console.log(
    `Left out of the PostgreSQL pass (tests/support/postgres-pass.cjs): ${Object.keys(postgresPass.noStore).length} ` +
      `entries that open no store`,
  );
}
process.exit(failed ? 1 : 0);
