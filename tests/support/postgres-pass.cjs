/**
 * Suites the PostgreSQL pass of `npm test` leaves out (read by jest.config.js), each with why:
 * only those that open no store. A suite that fails on PostgreSQL is a failing test, not an
 * entry here (every suite that opens a store passes on both engines).
 * Paths are relative to the repository; a folder ends with '/'.
 */
module.exports = {
  /**
   * They never open a store: running them again with DATABASE_URL would test nothing new.
   * (Suites whose subject is SQLite itself do open one: they say so in the file with
   * `describeSqliteOnly(reason)` from tests/support/test-engine.ts.)
   */
  noStore: {
    'tests/nlu/': 'the classifier and its intent files: pure functions',
    'tests/knowledge/rules.test.ts': 'content rules: pure functions',
    'tests/knowledge/content-check.test.ts': 'npm run content:check over content files',
    'tests/procedures/assistant.test.ts': 'procedure ranking: pure functions',
    'tests/procedures/content.test.ts': 'procedure content files',
    'tests/procedures/eval.test.ts':
      'ranking quality over the evaluation sample (its app only carries turns)',
    'tests/procedures/eval-harness.test.ts': 'the evaluation script',
    'tests/procedures/eval-render.test.ts': 'the evaluation report',
    'tests/procedures/import.test.ts': 'catalogue import: files only',
    'tests/procedures/invented-numbers.test.ts': 'grounding check: pure functions',
    'tests/procedures/search-pruning.test.ts': 'the search index: pure functions',
    'tests/runtime/budget.test.ts': 'one turn step on a fake turn',
    'tests/runtime/flood.test.ts': 'one turn step on a fake turn',
    'tests/runtime/handoff.test.ts': 'one turn step on a fake turn',
    'tests/runtime/links.test.ts': 'one turn step on a fake turn',
    'tests/runtime/notice.test.ts': 'one turn step on a fake turn',
    'tests/runtime/erase.test.ts': 'one turn step on a fake turn, over an SQLite file of its own',
    'tests/runtime/feedback.test.ts': 'one turn step on a fake turn, over an SQLite file of its own',
    'tests/log/reports.test.ts':
      'the reports over an SQLite file it fills itself (on PostgreSQL: tests/store/shared-reports.test.ts)',
    'tests/flood.test.ts': 'the flood guard in memory',
    'tests/engine.test.ts': 'the dialogue engine over an in-memory session table',
    'tests/config.test.ts': 'parsing the environment',
    'tests/cli.test.ts': 'the terminal tools on content files',
    'tests/repo/': 'the repository itself: build, self-containment, Chromium lookup',
    'tests/channels/fake-platform.test.ts': 'the fake platform itself',
    'tests/channels/keep-alive-loop.test.ts': 'the load client of bench:load --instances',
    'tests/channels/http-client.test.ts': "the platforms' HTTP client against a local server",
    'tests/channels/burst-pacer.test.ts': "the burst pacer's reply floor: a pure function",
    'tests/channels/limits.test.ts': 'platform limits: pure functions',
    'tests/channels/parse-render.test.ts': 'webhook parsing and reply rendering: pure functions',
  },
};
