/**
 * Builds the real app (real SQLite file, bundled content) for tests, without listening. In the
 * PostgreSQL pass (TEST_ENGINE=postgres) the app also gets DATABASE_URL and its store on a
 * database of its own (tests/support/test-engine.ts); `store` is then that store, else undefined.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { KnowledgeService } from '../../src/knowledge/service';
import { silentLogger } from '../../src/logger';
import { openDatabase } from '../../src/store/db';
import { engineOverrides, openTestStore } from './test-engine';

export function tempDir(prefix = 'tthc-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Tests that are not about flood control send many messages as one user in a few
 * milliseconds; they get a generous limit (tests/hostile/flood.test.ts uses the real default).
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const databasePath = overrides.DATABASE_PATH ?? path.join(tempDir(), 'bot.sqlite');
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: databasePath,
    FLOOD_MAX_MESSAGES: '1000',
    CHAT_RATE_PER_ADDRESS: '1000000',
    CHAT_RATE_TOTAL: '1000000',
    // The PostgreSQL pass (tests/support/test-engine.ts): the file's own database.
    ...(overrides.DATABASE_URL === undefined && engineOverrides(databasePath)),
    ...overrides,
  });
}

export function buildTestApp(overrides: Record<string, string> = {}) {
  const config = testConfig(overrides);
  const logger = silentLogger();
  const db = openDatabase(config.DATABASE_PATH);
  const store = openTestStore(config, db);
  const knowledge = new KnowledgeService(
    { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
    { threshold: config.NLU_THRESHOLD },
    logger,
  );
  return { config, db, store, knowledge, ...createApp({ config, db, store, knowledge, logger }) };
}

/** A citizen's web chat message (`text`) or button tap (`payload`) to `app`; fails unless 200. */
export function chat(app: Express, userId: string, body: { text?: string; payload?: string }): request.Test {
  return request(app)
    .post('/api/chat')
    .send({ userId, ...body })
    .expect(200);
}

/** Serves an app on a free loopback port, for tests that need a real address (browsers). */
export async function listenOnLoopback(app: Express): Promise<{ server: Server; baseUrl: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
