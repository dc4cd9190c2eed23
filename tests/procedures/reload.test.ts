/**
 * Hot reload of content/procedures/*.md: an editor's save reaches the running app through the
 * watcher, under a new content version, with the search index rebuilt before the new version
 * serves; a broken save is rejected and the last good version keeps serving. The test waits
 * for the watcher's reload event, never for a wall-clock budget.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { ReloadOutcome } from '../../src/knowledge/service';
import { watchKnowledge } from '../../src/knowledge/watcher';
import { silentLogger } from '../../src/logger';
import { buildTestApp, tempDir } from '../support/app';

const BIRTH = '1.001193';
/** Words no procedure name has: only an alias an editor adds can make them a procedure. */
const ALIAS = 'giấy chào đời cho cò con';

describe('hot reload of procedure files', () => {
  const root = tempDir('tthc-proc-reload-');
  const contentDir = path.join(root, 'content');
  const intentsDir = path.join(root, 'intents');
  fs.cpSync('content', contentDir, { recursive: true });
  fs.cpSync('intents', intentsDir, { recursive: true });
  const { app, knowledge, procedures } = buildTestApp({ CONTENT_DIR: contentDir, INTENTS_DIR: intentsDir });
  const outcomes: ReloadOutcome[] = [];
  let waiters: (() => void)[] = [];
  const watcher = watchKnowledge(knowledge, { contentDir, intentsDir }, silentLogger(), {
    debounceMs: 50,
    onReload: (outcome) => {
      outcomes.push(outcome);
      for (const wake of waiters) wake();
      waiters = [];
    },
  });
  afterAll(() => watcher.close());

  /** Saves, then waits for the reload event that follows (the watcher's onReload). */
  const saveAndWait = async (save: () => void): Promise<ReloadOutcome> => {
    const seen = outcomes.length;
    save();
    while (outcomes.length === seen) await new Promise<void>((wake) => waiters.push(wake));
    return outcomes[outcomes.length - 1];
  };
  let users = 0;
  const ask = async (text: string) =>
    (
      await request(app)
        .post('/api/chat')
        .send({ userId: `reload-${++users}`, text })
        .expect(200)
    ).body as {
      procedure: { code: string } | null;
    };
  const version = async () => (await request(app).get('/healthz').expect(200)).body.contentVersion as string;
  const birthFile = path.join(contentDir, 'procedures', `${BIRTH}.md`);

  it('serves a new alias under a new content version, the index built before it went live', async () => {
    const before = await version();
    expect((await ask(`${ALIAS} cần giấy tờ gì`)).procedure?.code).not.toBe(BIRTH);

    const original = fs.readFileSync(birthFile, 'utf8');
    const outcome = await saveAndWait(() =>
      fs.writeFileSync(birthFile, original.replace(/^aliases:\n/m, `aliases:\n  - "${ALIAS}"\n`)),
    );
    expect(outcome.status).toBe('reloaded');
    expect(await version()).toBe(outcome.version);
    expect(outcome.version).not.toBe(before);
    // Prepared during the reload: the live snapshot's assistant exists before any message.
    const prepared = procedures!.assistantFor(knowledge.current.knowledge);
    expect(prepared.index.rank(prepared.normalise(ALIAS).tokens, 1)[0]?.code).toBe(BIRTH);
    expect((await ask(`${ALIAS} cần giấy tờ gì`)).procedure?.code).toBe(BIRTH);
  });

  it('rejects a broken procedure file and keeps the last good version serving', async () => {
    const good = await version();
    const outcome = await saveAndWait(() =>
      fs.writeFileSync(
        birthFile,
        fs.readFileSync(birthFile, 'utf8').replace(/^code: .*$/m, 'code: "9.999999"'),
      ),
    );
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.errors.map((e) => e.message).join('\n')).toContain(
      `${BIRTH}.md:2`,
    );
    expect(await version()).toBe(good);
    expect((await ask(`${ALIAS} cần giấy tờ gì`)).procedure?.code).toBe(BIRTH);
  });
});
