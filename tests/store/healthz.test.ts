/**
 * /healthz asks the store in use (issue #17): on SQLite the file (readable, and writable once
 * a write failed), on PostgreSQL the server too, with a cheap query and a short timeout. A
 * server that cannot be reached is the documented 503 with `"db": "error"` and one line that
 * names it, never with its password. The real app, over real HTTP.
 */
import type { Server } from 'node:http';
import { createApp } from '../../src/app';
import { KnowledgeService } from '../../src/knowledge/service';
import { silentLogger } from '../../src/logger';
import { openStore, type Store } from '../../src/store/store';
import { listenOnLoopback, testConfig } from '../support/app';
import { engineKinds } from '../support/engines';
import { startPostgres, type PostgresCluster } from '../support/postgres';

interface Health {
  ok: boolean;
  db: string;
  reason?: string;
  contentVersion: string;
}

describe.each(engineKinds())('/healthz on %s', (kind) => {
  let store: Store;
  let server: Server;
  let baseUrl: string;
  let cluster: PostgresCluster | undefined;

  beforeAll(async () => {
    // Its own cluster: the test stops it. A password in the URL (trust ignores it) must never show.
    cluster = kind === 'postgres' ? await startPostgres() : undefined;
    const config = testConfig(
      cluster ? { DATABASE_URL: cluster.url.replace('//postgres@', '//postgres:s3cret@') } : {},
    );
    store = await openStore(config);
    const logger = silentLogger();
    const knowledge = new KnowledgeService(
      { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
      { threshold: config.NLU_THRESHOLD },
      logger,
    );
    const built = createApp({ config, db: store.db, store, knowledge, logger });
    ({ server, baseUrl } = await listenOnLoopback(built.app));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close().catch(() => undefined);
    await cluster?.stop();
  });

  const health = async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    return { status: res.status, body: (await res.json()) as Health };
  };

  it('is 200 while the store answers', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, db: 'ok' });
    expect(body.contentVersion).toMatch(/^[0-9a-f]{12}$/);
  });

  it('is 503 with one line naming what is wrong once the store is gone', async () => {
    if (cluster) await cluster.stop();
    else store.db.close(); // SQLite: the file can no longer be read
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.db).toBe('error');
    expect(body.reason).not.toContain('\n');
    if (cluster) {
      expect(body.reason).toMatch(
        new RegExp(
          `^PostgreSQL at postgres://postgres:…@127\\.0\\.0\\.1:${cluster.port}/postgres unreachable: `,
        ),
      );
      expect(body.reason).not.toContain('s3cret');
    } else expect(body.reason).toMatch(/^cannot read: /);
  });
});
