/** Private copies of the bundled content/ and intents/ for tests that edit them, and the edit. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ContentTrees {
  root: string;
  contentDir: string;
  intentsDir: string;
}

/** A private copy of the bundled trees, so edits never touch the real content. */
export function copyTrees(prefix = 'tthc-reload-'): ContentTrees {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const contentDir = path.join(root, 'content');
  const intentsDir = path.join(root, 'intents');
  fs.cpSync('content', contentDir, { recursive: true });
  fs.cpSync('intents', intentsDir, { recursive: true });
  return { root, contentDir, intentsDir };
}

/** Replaces `from` by `to` in `file`, as an editor's save; throws when `from` is not there. */
export function edit(file: string, from: string | RegExp, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`test setup: ${String(from)} not found in ${file}`);
  fs.writeFileSync(file, next);
}
