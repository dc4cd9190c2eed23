/** Start-up and shutdown only: config → logger → database → content → HTTP server. */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { oneTimePasswordPrinter, resolveAdminPassword } from './admin/password';
import { createApp } from './app';
import { loadConfig, urlHost } from './config';
import { ConfigError, ContentError, StoreError } from './errors';
import { KnowledgeService } from './knowledge/service';
import { ContentSync } from './knowledge/sync';
import { watchKnowledge } from './knowledge/watcher';
import { createLogger } from './logger';
import { startBackgroundCheckpoints } from './store/checkpointer';
import { openStore, redactUrl } from './store/store';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // Production without a strong ADMIN_PASSWORD stops here; development gets a one-time
  // password, printed to the terminal (or a private file), never to the log.
  config.ADMIN_PASSWORD = resolveAdminPassword(
    config,
    oneTimePasswordPrinter({
      terminal: process.stderr,
      file: path.join(path.dirname(path.resolve(config.DATABASE_PATH)), 'admin-password.txt'),
      log: (message) => logger.warn(message),
    }),
  );
  const store = await openStore(config, { logger });
  const { db } = store;
  const checkpoints = startBackgroundCheckpoints(db, logger);
  const knowledge = new KnowledgeService(
    { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
    { threshold: config.NLU_THRESHOLD },
    logger,
  );
  const { app, channels } = createApp({
    config,
    db,
    store,
    knowledge,
    logger,
    // The turns run off the acks' thread (SQLite; PostgreSQL's queue answers in this one).
    answerWorker: config.ANSWER_WORKER === 'on' ? {} : undefined,
  });
  const contentDirs = { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR };
  // With DATABASE_URL every instance serves the content the editors saved last, on any of them.
  const contentSync =
    store.kind === 'postgres' ? new ContentSync(knowledge, contentDirs, store.content, logger) : undefined;
  // Editors' saves under content/ and intents/ go live without a restart.
  const contentWatcher = watchKnowledge(knowledge, contentDirs, logger, {
    onReload: (outcome) => contentSync?.reloaded(outcome),
  });
  await contentSync?.start();

  const server = app.listen(config.PORT, config.HOST, () => {
    const { port } = server.address() as AddressInfo;
    const listening = `http://${urlHost(config.HOST)}:${port}`;
    const publicUrl = config.PUBLIC_BASE_URL.replace(/\/+$/, '');
    logger.info(
      {
        host: config.HOST,
        port,
        publicBaseUrl: publicUrl,
        database: config.DATABASE_PATH,
        ...(config.DATABASE_URL && { sharedDatabase: redactUrl(config.DATABASE_URL) }),
        contentVersion: knowledge.current.knowledge.version,
      },
      `Trợ lý TTHC is listening on ${listening}` +
        (publicUrl === listening ? '' : `; citizens reach it at ${publicUrl}`),
    );
    logger.info(`Officers' dashboard: ${publicUrl}/admin`);
    logger.info(
      { live: ['web', ...channels.live], notStarted: channels.notStarted },
      `channels live: ${['web', ...channels.live].join(', ')}`,
    );
    // Answers what the last run accepted but did not finish; starts pollers and token keepers.
    channels.start();
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'cannot listen');
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    contentWatcher.close();
    contentSync?.close();
    logger.info({ signal }, 'stopping: no new requests, finishing the ones in flight');
    const force = setTimeout(() => {
      logger.warn('in-flight work did not finish in time; exiting');
      db.close(); // the PostgreSQL pool needs no goodbye: the server drops its connections
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Sends on the wire may finish; queued events stay open in SQLite for the next start.
    const channelsStopped = channels.stop();
    server.close(() => {
      void channelsStopped
        .then(() => checkpoints.stop())
        .then(() => store.close())
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        });
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof ContentError || err instanceof StoreError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
});
