/**
 * `npm run procedures:eval -- [--verbose] FILE.jsonl [FILE2.jsonl …]`: plays conversation files
 * (tests/fixtures/procedures/*.jsonl) through the real app — POST /api/chat on a loopback port,
 * a fresh citizen per conversation, a throw-away database, one warm-up message — and prints
 * top-1, top-5, clarification, refusal, facet coverage, invented numbers and latency per turn.
 */
import { loadCatalogue } from '../src/procedures/catalogue';
import {
  evaluateConversations,
  formatProcedureEvaluation,
  httpChatDriver,
  readConversations,
  repoNumberSources,
  type Conversation,
} from '../src/procedures/evaluate';
import { buildTestApp, listenOnLoopback } from '../tests/support/app';
import { runCli } from './cli-support';

void runCli(async () => {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const files = args.filter((a) => a !== '--verbose');
  if (files.length === 0) {
    console.error(
      'usage: npm run procedures:eval -- [--verbose] FILE.jsonl [FILE2.jsonl …] (lines of {"turns", "behavior", "codes", "facets"})',
    );
    process.exit(2);
  }
  const suites: [string, Conversation[]][] = [];
  for (const file of files) {
    try {
      suites.push([file, readConversations(file)]);
    } catch (err) {
      console.error((err as Error).message);
      process.exit(1);
    }
  }

  // The app the tests build: bundled content, a throw-away database, the flood and rate
  // limits raised, since one address plays every conversation back to back.
  const { app, config, db } = buildTestApp();
  const { server, baseUrl } = await listenOnLoopback(app);
  const chat = httpChatDriver(baseUrl);
  // One message before timing: what the first request builds lazily is start-up cost
  // (npm run bench:start), not the latency of a turn.
  await chat('procedures-eval-warm-up', 'thủ tục đăng ký khai sinh');
  const sources = repoNumberSources({
    catalogue: loadCatalogue(),
    contentDir: config.CONTENT_DIR,
    retentionDays: config.RETENTION_DAYS,
  });

  try {
    for (const [file, conversations] of suites) {
      const evaluation = await evaluateConversations(conversations, chat, sources);
      console.log(`== ${file}`);
      console.log(formatProcedureEvaluation(evaluation, verbose));
      console.log('');
    }
  } finally {
    server.close();
    server.closeAllConnections();
    db.close();
  }
  process.exit(0);
});
