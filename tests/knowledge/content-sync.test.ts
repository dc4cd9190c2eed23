/**
 * Content reloads reach every instance (issue #17): two real bots (src/main.ts), each with its
 * own copy of content/ and intents/, share one throwaway PostgreSQL. An editor's save on A is
 * answered by B, its file written into B's folder; a broken save on A reaches nobody and A
 * keeps answering with the last good version; a version B's checks refuse never replaces B's.
 * The tests wait for the servers' own signs (a log line, /healthz's content version), never
 * for a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { contentHash } from '../../src/knowledge/sync';
import type { ContentFile } from '../../src/store/shared-content';
import { freshPostgresUrl, stopPostgres } from '../support/engines';
import { describePostgres } from '../support/postgres';
import { copyTrees, edit, type ContentTrees } from '../support/content-trees';
import { startServer, type ServerProcess } from '../support/process';
import { until } from '../support/until';

const occurrences = (text: string, line: string) => text.split(line).length - 1;

/** The files of a copy as an instance publishes them. */
function treeFiles(trees: ContentTrees): ContentFile[] {
  const files: ContentFile[] = [];
  for (const [dir, root] of [
    ['content', trees.contentDir],
    ['intents', trees.intentsDir],
  ] as const)
    for (const entry of fs.readdirSync(root, { recursive: true, encoding: 'utf8' }))
      if (/\.(md|ya?ml)$/.test(entry))
        files.push({
          dir,
          path: entry.split(path.sep).join('/'),
          text: fs.readFileSync(path.join(root, entry), 'utf8'),
        });
  return files;
}

/** True once `server` logged that shared version `id` went live there. */
function liveAt(server: ServerProcess, id: number): boolean {
  return server
    .logs()
    .split('\n')
    .some(
      (line) =>
        line.includes('shared content version live here') && line.includes(`"sharedContentVersion":${id},`),
    );
}

describePostgres()('content reloads reach every instance on one PostgreSQL', () => {
  const a = copyTrees('tthc-sync-a-');
  const b = copyTrees('tthc-sync-b-');
  let url: string;
  let servers: ServerProcess[] = [];
  let A: ServerProcess;
  let B: ServerProcess;

  beforeAll(async () => {
    url = await freshPostgresUrl();
    const start = (trees: ContentTrees) =>
      startServer({
        CONTENT_DIR: trees.contentDir,
        INTENTS_DIR: trees.intentsDir,
        DATABASE_PATH: path.join(trees.root, 'bot.sqlite'),
        DATABASE_URL: url,
        DATABASE_POOL_SIZE: '3',
        NODE_ENV: 'test',
      });
    // One after the other: A publishes the bundled content, B finds the same hash.
    A = await start(a);
    B = await start(b);
    servers = [A, B];
  });
  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    await stopPostgres();
  });

  let polls = 0;
  const chat = async (server: ServerProcess, body: Record<string, string>) => {
    const res = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `sync-test-${++polls}`, ...body }),
    });
    return (await res.json()) as { intent: string | null; replies: { text?: string }[] };
  };
  const greetingText = async (server: ServerProcess) =>
    (await chat(server, { payload: 'greeting' })).replies.map((r) => r.text).join('\n');
  const version = async (server: ServerProcess) =>
    ((await (await fetch(`${server.baseUrl}/healthz`)).json()) as { contentVersion: string }).contentVersion;
  const sharedVersions = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (
        await client.query<{ id: number; hash: string; published_by: string }>(
          'SELECT id, hash, published_by FROM content_versions ORDER BY id',
        )
      ).rows;
    } finally {
      await client.end();
    }
  };

  /** The id of the shared version holding `trees`' files as they are now (0: none yet). */
  const publishedFrom = async (trees: ContentTrees) => {
    const hash = contentHash(treeFiles(trees));
    return (await sharedVersions()).find((r) => r.hash === hash)?.id ?? 0;
  };

  it('starts both on one shared version: the second instance publishes nothing', async () => {
    const rows = await sharedVersions();
    expect(rows).toHaveLength(1);
    expect(occurrences(A.logs(), 'content published to the other instances')).toBe(1);
    expect(occurrences(B.logs(), 'content published to the other instances')).toBe(0);
    expect(occurrences(B.logs(), 'shared content version live here')).toBe(0);
  });

  it('answers on B what an editor saved on A, answer and training phrase, without echo', async () => {
    const before = await version(B);
    const phrase = 'con mèo tím biếc nhà tôi biết hát';
    expect((await chat(B, { text: phrase })).intent).not.toBe('thanks');

    edit(
      path.join(a.contentDir, 'greeting.md'),
      'Xin chào! Tôi là Trợ lý TTHC',
      'Chào bà con! Tôi là Trợ lý TTHC',
    );
    edit(path.join(a.intentsDir, 'thanks.yaml'), /phrases:\n/, `phrases:\n  - ${phrase}\n`);
    await until(async () => liveAt(B, await publishedFrom(a)));

    expect(await greetingText(B)).toContain('Chào bà con!');
    expect((await chat(B, { text: phrase })).intent).toBe('thanks');
    expect(await version(B)).not.toBe(before);
    // Into B's own folder: a restarted B serves it too, and its editors see it.
    expect(fs.readFileSync(path.join(b.contentDir, 'greeting.md'), 'utf8')).toContain('Chào bà con!');
    expect(fs.readFileSync(path.join(b.intentsDir, 'thanks.yaml'), 'utf8')).toContain(phrase);
    // B's watcher reloaded its written files and published nothing back; A applied nothing.
    const rows = await sharedVersions();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(rows.length);
    expect(occurrences(B.logs(), 'content published to the other instances')).toBe(0);
    expect(occurrences(A.logs(), 'shared content version live here')).toBe(0);
  });

  it('a broken save on A reaches nobody, and A keeps answering with the last good version', async () => {
    const [goodA, goodB, rowsBefore] = [await version(A), await version(B), await sharedVersions()];
    const rejected = occurrences(A.logs(), 'content reload rejected;');
    edit(path.join(a.contentDir, 'greeting.md'), /intent: dvc\.about \}/, 'intent: dvc.abuot }');
    await until(() => occurrences(A.logs(), 'content reload rejected;') > rejected);

    expect(await sharedVersions()).toEqual(rowsBefore);
    expect(await version(A)).toBe(goodA);
    expect(await greetingText(A)).toContain('Chào bà con!');
    expect(await version(B)).toBe(goodB);
    expect(fs.readFileSync(path.join(b.contentDir, 'greeting.md'), 'utf8')).not.toContain('dvc.abuot');

    // Once fixed, the next save reaches B again.
    edit(path.join(a.contentDir, 'greeting.md'), 'intent: dvc.abuot }', 'intent: dvc.about }');
    edit(path.join(a.contentDir, 'greeting.md'), 'Chào bà con!', 'Kính chào quý vị!');
    await until(async () => liveAt(B, await publishedFrom(a)));
    expect(await greetingText(B)).toContain('Kính chào quý vị!');
  });

  it('a published version that fails the checks replaces nothing, on either instance', async () => {
    // As an instance running other code might publish: B's files with one answer broken.
    const files = treeFiles(b);
    const greeting = files.find((f) => f.dir === 'content' && f.path === 'greeting.md')!;
    greeting.text = greeting.text
      .replace('Kính chào quý vị!', 'Phiên bản hỏng')
      .replace('intent: dvc.about }', 'intent: dvc.abuot }');
    const [goodA, goodB] = [await version(A), await version(B)];
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      'INSERT INTO content_versions (hash, files, published_at, published_by) VALUES ($1, $2, $3, $4)',
      [contentHash(files), JSON.stringify(files), Date.now(), 'another-build'],
    );
    await client.end();

    const refused = 'shared content version rejected here: ';
    await until(() => occurrences(A.logs(), refused) === 1 && occurrences(B.logs(), refused) === 1);
    expect(B.logs()).toContain('unknown intent');
    for (const [server, trees, good] of [
      [A, a, goodA],
      [B, b, goodB],
    ] as const) {
      expect(await version(server)).toBe(good);
      expect(await greetingText(server)).toContain('Kính chào quý vị!');
      expect(fs.readFileSync(path.join(trees.contentDir, 'greeting.md'), 'utf8')).not.toContain(
        'Phiên bản hỏng',
      );
    }
  });
});
