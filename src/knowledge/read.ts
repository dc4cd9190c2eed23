/**
 * Reading: the files of content/ and intents/ from disk, and the content version that hashes
 * them. Nothing here knows what a file means; the parsers do.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { contentError } from '../core/content-messages';
import type { SourceFile } from '../core/yaml-file';
import type { ContentError } from '../errors';
import type { KnowledgeDirs } from './types';

export interface KnowledgeFiles {
  intentFiles: SourceFile[];
  contentFiles: SourceFile[];
  /** The files of content/'s sub-folders (content/procedures/), read by their own modules. */
  nestedFiles: SourceFile[];
  /** A hash of every file read: changes whenever any content changes. */
  version: string;
}

/** The folders that are missing, each named with the variable that sets it. */
export function missingDirs(dirs: KnowledgeDirs): ContentError[] {
  const errors: ContentError[] = [];
  for (const [dir, variable] of [
    [dirs.contentDir, 'CONTENT_DIR'],
    [dirs.intentsDir, 'INTENTS_DIR'],
  ] as const)
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      errors.push(contentError(dir, undefined, undefined, 'dir.notFound', { variable }));
  return errors;
}

/**
 * intents/*.yaml and content/*.{md,yaml}, sorted by name. The files of content/'s sub-folders
 * (content/procedures/) are read by their own modules, but they are content too: the version
 * hashes them, so a save there is a new version.
 */
export function readKnowledgeFiles(dirs: KnowledgeDirs): KnowledgeFiles {
  const intentFiles = readDir(dirs.intentsDir, /\.ya?ml$/);
  const contentFiles = readDir(dirs.contentDir, /\.(md|ya?ml)$/);
  const nestedFiles = contentSubfolders(dirs.contentDir).flatMap((dir) => readDir(dir, /\.(md|ya?ml)$/));
  return {
    intentFiles,
    contentFiles,
    nestedFiles,
    version: hashFiles([...intentFiles, ...contentFiles, ...nestedFiles]),
  };
}

/** The folders inside content/ (content/procedures/), in name order. */
export function contentSubfolders(contentDir: string): string[] {
  return fs
    .readdirSync(contentDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(contentDir, entry.name))
    .sort();
}

export function readDir(dir: string, pattern: RegExp): SourceFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => {
      const full = path.join(dir, f);
      const relative = path.relative(process.cwd(), full);
      const name = relative && !relative.startsWith('..') ? relative : path.resolve(full);
      return { name, text: fs.readFileSync(full, 'utf8') };
    });
}

function hashFiles(files: SourceFile[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(f.name).update('\0').update(f.text).update('\0');
  return hash.digest('hex').slice(0, 12);
}
