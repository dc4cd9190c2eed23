/**
 * `npm run procedures:eval -- [--verbose] FILE.jsonl [FILE2.jsonl …]`: plays conversation files
 * (tests/fixtures/procedures/*.jsonl) through the real app — POST /api/chat on a loopback port,
 * a fresh citizen per conversation, a throw-away database, one warm-up message — and prints
 * top-1, top-5, clarification, refusal, facet coverage, invented numbers and latency per turn.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { KnowledgeService } from '../src/knowledge/service';
import { silentLogger } from '../src/logger';
import { loadCatalogue } from '../src/procedures/catalogue';
import {
  evaluateConversations,
  formatProcedureEvaluation,
  httpChatDriver,
  readConversations,
  repoNumberSources,
  type Conversation,
} from '../src/procedures/evaluate';
import { openDatabase } from '../src/store/db';
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

  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-procedures-eval-'));
  // A throw-away database, and no flood limit: the conversations are played back to back.
  const config = loadConfig({
    ...process.env,
    DATABASE_PATH: path.join(dir, 'eval.sqlite'),
    FLOOD_MAX_MESSAGES: '1000000',
    // One address plays every conversation: the per-address and total limits would refuse it.
    CHAT_RATE_PER_ADDRESS: '1000000',
    CHAT_RATE_TOTAL: '1000000',
  });
  const logger = silentLogger();
  const db = openDatabase(config.DATABASE_PATH);
  const knowledge = new KnowledgeService(
    { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
    { threshold: config.NLU_THRESHOLD },
    logger,
  );
  const { app } = createApp({ config, db, knowledge, logger });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const chat = httpChatDriver(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  // One message before timing: what the first request builds lazily is start-up cost
  // (npm run bench:start), not the latency of a turn.
  await chat('procedures-eval-warm-up', 'thủ tục đăng ký khai sinh');
  const sources = repoNumberSources({
    catalogue: loadCatalogue(),
    contentDir: config.CONTENT_DIR,
    extra: [`Nội dung tin nhắn được giữ ${config.RETENTION_DAYS} ngày rồi tự xóa.`],
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
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
});
