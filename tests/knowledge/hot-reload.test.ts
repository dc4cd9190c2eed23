/**
 * Hot reload: an editor saves a file under content/ or intents/ and the running server uses
 * it without a restart, classifier retrained; a broken save leaves the last good version
 * served and logs the error with file and line. The tests wait for the server's own log line
 * saying the reload happened, then check once: no wall-clock budget, which failed on a busy
 * machine (how fast a reload is belongs in a benchmark, not in a pass/fail test).
 */
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../src/logger';
import { KnowledgeService, type ReloadOutcome } from '../../src/knowledge/service';
import { watchKnowledge } from '../../src/knowledge/watcher';
import { copyTrees, edit } from '../support/content-trees';
import { startServer, type ServerProcess } from '../support/process';

function addTrainingPhrase(intentsDir: string, intent: string, phrase: string) {
  edit(path.join(intentsDir, `${intent}.yaml`), /phrases:\n/, `phrases:\n  - ${phrase}\n`);
}

/** Polls (on the event loop, no deadline but jest's) until `ready` holds. */
async function until(ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((r) => setTimeout(r, 50));
}

const occurrences = (text: string, line: string) => text.split(line).length - 1;

describe('hot reload of the running server', () => {
  let server: ServerProcess;
  const trees = copyTrees();
  const greeting = path.join(trees.contentDir, 'greeting.md');

  beforeAll(async () => {
    server = await startServer({
      CONTENT_DIR: trees.contentDir,
      INTENTS_DIR: trees.intentsDir,
      DATABASE_PATH: path.join(trees.root, 'bot.sqlite'),
      NODE_ENV: 'test',
    });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  // A new citizen per poll: the web chat has flood control like every channel.
  let polls = 0;
  const chat = async (body: Record<string, string>) => {
    const res = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `editor-test-${++polls}`, ...body }),
    });
    return (await res.json()) as { intent: string | null; replies: { text?: string }[] };
  };
  const greetingText = async () =>
    (await chat({ payload: 'greeting' })).replies.map((r) => r.text).join('\n');
  const version = async () =>
    ((await (await fetch(`${server.baseUrl}/healthz`)).json()) as { contentVersion: string }).contentVersion;
  /**
   * Runs `save`, then waits until the server logs `outcome` once more than before it: the
   * reload that saw the save is over, whatever the machine's load.
   */
  const saveAndWait = async (save: () => void, outcome = 'content reloaded') => {
    const before = occurrences(server.logs(), outcome);
    save();
    await until(() => occurrences(server.logs(), outcome) > before);
  };

  it('serves an edited answer without a restart, under a new content version', async () => {
    expect(await greetingText()).toContain('Xin chào! Tôi là Trợ lý TTHC');
    const before = await version();

    await saveAndWait(() =>
      edit(greeting, 'Xin chào! Tôi là Trợ lý TTHC', 'Chào bà con! Tôi là Trợ lý TTHC'),
    );
    expect(await greetingText()).toContain('Chào bà con!');

    expect(await version()).not.toBe(before);
    expect(server.child.exitCode).toBeNull();
  });

  it('retrains the classifier when a training phrase is added', async () => {
    const phrase = 'con mèo tím biếc nhà tôi biết hát';
    expect((await chat({ text: phrase })).intent).not.toBe('thanks');

    // Saved the way many editors save: write a temporary file, then rename it over the old one.
    const file = path.join(trees.intentsDir, 'thanks.yaml');
    const temp = `${file}.tmp~`;
    await saveAndWait(() => {
      fs.writeFileSync(
        temp,
        fs.readFileSync(file, 'utf8').replace(/phrases:\n/, `phrases:\n  - ${phrase}\n`),
      );
      fs.renameSync(temp, file);
    });
    expect((await chat({ text: phrase })).intent).toBe('thanks');
  });

  it('keeps the last good answer live after a broken save, and logs file and line', async () => {
    const good = await version();
    // A quick reply to an intent that does not exist, on line 5 of the front matter.
    await saveAndWait(
      () => edit(greeting, /intent: dvc\.about \}/, 'intent: dvc.abuot }'),
      'content reload rejected;',
    );
    expect(server.logs()).toContain(`${greeting}:5 (quick_replies.0.intent): unknown intent \\"dvc.abuot\\"`);
    expect(await greetingText()).toContain('Chào bà con!');
    expect(await version()).toBe(good);

    // Invalid YAML is refused the same way.
    await saveAndWait(
      () => edit(greeting, 'title: Chào hỏi', 'title: "Chào hỏi'),
      'content reload rejected;',
    );
    expect(server.logs()).toContain('not valid YAML');
    expect(await greetingText()).toContain('Chào bà con!');

    // Once fixed, the next save goes live.
    await saveAndWait(() => {
      edit(greeting, 'title: "Chào hỏi', 'title: Chào hỏi');
      edit(greeting, 'intent: dvc.abuot }', 'intent: dvc.about }');
      edit(greeting, 'Chào bà con!', 'Kính chào quý vị!');
    });
    expect(await greetingText()).toContain('Kính chào quý vị!');
  });
});

describe('KnowledgeService.reload and the watcher', () => {
  it('reports reloaded, unchanged and rejected, and keeps the live version on rejection', async () => {
    const trees = copyTrees();
    const service = new KnowledgeService(trees, { threshold: 0.5 }, silentLogger());
    const first = service.current.knowledge.version;
    expect(await service.reload()).toEqual({ status: 'unchanged', version: first });

    const thanks = path.join(trees.contentDir, 'thanks.md');
    edit(thanks, 'Rất vui được giúp bạn!', 'Không có gì!');
    const reloaded = await service.reload();
    expect(reloaded.status).toBe('reloaded');
    expect(service.current.knowledge.answers.get('thanks')!.summary).toMatch(/^Không có gì!/);

    fs.writeFileSync(thanks, 'no front matter');
    const rejected = await service.reload();
    expect(rejected).toMatchObject({ status: 'rejected', version: reloaded.version });
    expect(rejected.status === 'rejected' && rejected.errors[0].message).toBe(
      `${thanks}:1: expected front matter between two "---" lines at the top`,
    );
    expect(service.current.knowledge.version).toBe(reloaded.version);
  });

  it('keeps answering with the old version while the new classifier trains', async () => {
    const trees = copyTrees();
    const service = new KnowledgeService(trees, { threshold: 0.5 }, silentLogger());
    const old = service.current;
    addTrainingPhrase(trees.intentsDir, 'thanks', 'cảm ơn em nhiều lắm nha');
    // Count turns of the event loop (what webhooks and chats need) until the reload is done.
    let turns = 0;
    let done = false;
    const spin = () => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    const reloading = service.reload().finally(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(service.current).toBe(old); // still serving the old version mid-reload
    expect((await reloading).status).toBe('reloaded');
    expect(service.current).not.toBe(old);
    // Training takes several hundred ms of CPU in slices of ~10 ms: the loop kept turning.
    expect(turns).toBeGreaterThan(10);
  });

  it('retrains only when training data changed, not for an edited answer', async () => {
    const trees = copyTrees();
    const service = new KnowledgeService(trees, { threshold: 0.5 }, silentLogger());
    const first = service.current;
    edit(path.join(trees.contentDir, 'thanks.md'), 'Rất vui được giúp bạn!', 'Không có gì!');
    expect((await service.reload()).status).toBe('reloaded');
    expect(service.current.knowledge).not.toBe(first.knowledge);
    expect(service.current.classifier).toBe(first.classifier);

    const phrase = 'con mèo tím biếc nhà tôi biết hát';
    expect(service.current.classifier.classify(phrase).intent).not.toBe('thanks');
    addTrainingPhrase(trees.intentsDir, 'thanks', phrase);
    expect((await service.reload()).status).toBe('reloaded');
    expect(service.current.classifier).not.toBe(first.classifier);
    expect(service.current.classifier.classify(phrase).intent).toBe('thanks');
  });

  it('runs reloads asked for at once one after the other', async () => {
    const trees = copyTrees();
    const service = new KnowledgeService(trees, { threshold: 0.5 }, silentLogger());
    addTrainingPhrase(trees.intentsDir, 'thanks', 'cảm ơn em nhiều lắm nha'); // so the first one trains
    const first = service.reload();
    const second = service.reload();
    expect((await first).status).toBe('reloaded');
    expect(await second).toEqual({ status: 'unchanged', version: (await first).version });
  });

  it('debounces a burst of saves into one reload and ignores editor swap files', async () => {
    const trees = copyTrees();
    const service = new KnowledgeService(trees, { threshold: 0.5 }, silentLogger());
    const outcomes: ReloadOutcome[] = [];
    const reloads = jest.spyOn(service, 'reload');
    const watcher = watchKnowledge(service, trees, silentLogger(), {
      debounceMs: 200,
      onReload: (o) => outcomes.push(o),
    });
    try {
      fs.writeFileSync(path.join(trees.contentDir, '.thanks.md.swp'), 'swap');
      await new Promise((r) => setTimeout(r, 400));
      expect(reloads).not.toHaveBeenCalled();

      const thanks = path.join(trees.contentDir, 'thanks.md');
      // Three saves back to back: a pause between them would be a wall-clock assumption (on
      // a busy machine 20 ms can last longer than the debounce window, making two bursts).
      for (const word of ['Một', 'Hai', 'Ba']) edit(thanks, /^(Rất vui được giúp bạn!|Một|Hai)/m, word);
      // One reload for the burst: wait for its outcome (an event), then for the debounce
      // window to pass once more so a second reload, if any, would have started.
      await until(() => outcomes.length > 0);
      await new Promise((r) => setTimeout(r, 400));
      expect(reloads).toHaveBeenCalledTimes(1);
      expect(outcomes.map((o) => o.status)).toEqual(['reloaded']);
      expect(service.current.knowledge.answers.get('thanks')!.summary).toMatch(/^Ba/);
    } finally {
      watcher.close();
    }
  });
});
