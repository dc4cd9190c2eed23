/**
 * Content reloads reaching every instance (issue #17, with DATABASE_URL). An editor saves a
 * file on one instance; its watcher reloads, and the version that went live — after every
 * check a reload runs, those of `npm run content:check` — is published to the shared store
 * (src/store/shared-content.ts) with a hash of its files. The other instances poll for a newer
 * version, check it the same way, write its files into their own content/ and intents/ and
 * reload: one code path for an editor's save and a received version, the same checks and
 * preparers (the procedure index reads content/procedures/ from the folder), and a folder
 * that always holds what its instance serves, also after a restart.
 *
 * - No echo: an instance publishes only files whose hash differs from the newest version's,
 *   so the reload that follows writing a received version publishes nothing.
 * - A bad version goes nowhere: a rejected reload publishes nothing; a received version
 *   this instance's checks reject is never written into its folders (checked in a scratch
 *   copy first), and if its reload still rejects it the previous files are put back.
 * - On start an instance adopts the newest version, unless its own files were edited after
 *   that version was published (a save while no instance ran, a deployment): it publishes those.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger';
import type { ContentFile, ContentVersion, ContentVersions } from '../store/shared-content';
import { checkKnowledge } from './loader';
import { readKnowledgeFiles } from './read';
import type { KnowledgeService, ReloadOutcome } from './service';
import type { KnowledgeDirs } from './types';

/** How often an instance looks for a newer version: one tiny indexed query. */
const DEFAULT_POLL_MS = 1000;

export interface ContentSyncOptions {
  pollMs?: number;
  /** This instance's name in the versions it publishes (default: host and process id). */
  owner?: string;
}

/** The files of the folders as the service reads them, named relative to their folder. */
interface Tree {
  files: ContentFile[];
  /** The knowledge version these files load as (the service's own hash). */
  version: string;
  /** When the newest file was last changed. */
  newestMtime: number;
}

function readTree(dirs: KnowledgeDirs): Tree {
  const read = readKnowledgeFiles(dirs);
  const entry = (dir: ContentFile['dir'], root: string) => (f: { name: string; text: string }) => ({
    dir,
    path: path.relative(path.resolve(root), path.resolve(f.name)).split(path.sep).join('/'),
    text: f.text,
  });
  const all = [...read.intentFiles, ...read.contentFiles, ...read.nestedFiles];
  return {
    files: [
      ...read.intentFiles.map(entry('intents', dirs.intentsDir)),
      ...[...read.contentFiles, ...read.nestedFiles].map(entry('content', dirs.contentDir)),
    ],
    version: read.version,
    newestMtime: Math.max(0, ...all.map((f) => fs.statSync(path.resolve(f.name)).mtimeMs)),
  };
}

/** Equal for equal files wherever the folders are (the knowledge version hashes full names). */
export function contentHash(files: readonly ContentFile[]): string {
  const sorted = [...files].sort((a, b) =>
    a.dir === b.dir ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.dir < b.dir ? -1 : 1,
  );
  const hash = crypto.createHash('sha256');
  for (const f of sorted) hash.update(`${f.dir}\0${f.path}\0${f.text}\0`);
  return hash.digest('hex').slice(0, 16);
}

/** A name the folders can hold: intents/ is flat, content/ has one level of sub-folders. */
function safePath(f: ContentFile): boolean {
  const parts = f.path.split('/');
  const depth = f.dir === 'intents' ? 1 : 2;
  const pattern = f.dir === 'intents' ? /\.ya?ml$/ : /\.(md|ya?ml)$/;
  return (
    parts.length <= depth &&
    parts.every((p) => p !== '' && p !== '.' && p !== '..' && !/[\\\0]/.test(p)) &&
    pattern.test(f.path)
  );
}

const keyOf = (f: ContentFile) => `${f.dir}/${f.path}`;

/**
 * Makes the folders hold `files`, given that they hold `current` now: changed files are
 * written whole (a temporary name, then a rename, as editors save), missing ones deleted.
 */
function writeTree(
  dirs: KnowledgeDirs,
  files: readonly ContentFile[],
  current: readonly ContentFile[],
): void {
  const target = (f: ContentFile) =>
    path.join(f.dir === 'intents' ? dirs.intentsDir : dirs.contentDir, ...f.path.split('/'));
  const wanted = new Set(files.map(keyOf));
  for (const f of current) if (!wanted.has(keyOf(f))) fs.rmSync(target(f), { force: true });
  const have = new Map(current.map((f) => [keyOf(f), f.text]));
  for (const f of files) {
    if (have.get(keyOf(f)) === f.text) continue;
    const file = target(f);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Not a content name (.md, .yaml): the watcher ignores it until the rename.
    const temp = `${file}.sync~`;
    fs.writeFileSync(temp, f.text);
    fs.renameSync(temp, file);
  }
}

export class ContentSync {
  /** The newest version this instance has dealt with (published, applied or refused). */
  private seen = 0;
  /** The hash of the files this instance serves. */
  private liveHash = '';
  /** An editor's save went live here and is not published yet. */
  private unpublished = false;
  private queue: Promise<void> = Promise.resolve();
  private poller: NodeJS.Timeout | undefined;
  private failing = false;
  private closed = false;
  private readonly owner: string;

  constructor(
    private readonly service: KnowledgeService,
    private readonly dirs: KnowledgeDirs,
    private readonly versions: ContentVersions,
    private readonly logger: Logger,
    private readonly options: ContentSyncOptions = {},
  ) {
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}`;
  }

  /** Adopts or publishes the content at start, then polls for newer versions. */
  start(): Promise<void> {
    const started = this.serially(() => this.reconcile());
    this.poller = setInterval(
      () => void this.serially(() => this.poll()),
      this.options.pollMs ?? DEFAULT_POLL_MS,
    );
    this.poller.unref();
    return started;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poller);
  }

  /** The watcher's reload outcome: an editor's save that went live is published. */
  reloaded(outcome: ReloadOutcome): void {
    if (outcome.status !== 'reloaded') return;
    this.unpublished = true;
    void this.serially(() => this.publishLive());
  }

  /** One step at a time; a failure is logged once until a step succeeds again. */
  private serially(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue
      .then(() => (this.closed ? undefined : step()))
      .then(
        () => {
          if (!this.failing) return;
          this.failing = false;
          this.logger.info('shared content versions reachable again');
        },
        (err: unknown) => {
          if (this.failing) return;
          this.failing = true;
          this.logger.error({ err }, 'cannot sync content with the other instances; trying again');
        },
      );
    return this.queue;
  }

  private async reconcile(): Promise<void> {
    const tree = readTree(this.dirs);
    this.liveHash = contentHash(tree.files);
    const newest = await this.versions.latest();
    if (newest?.hash === this.liveHash) {
      this.seen = newest.id;
      return;
    }
    if (!newest || tree.newestMtime > newest.publishedAt) return this.publish(tree.files, this.liveHash);
    return this.apply(newest);
  }

  private async poll(): Promise<void> {
    if (this.unpublished) await this.publishLive();
    const newest = await this.versions.latest();
    if (!newest || newest.id <= this.seen) return;
    if (newest.hash === this.liveHash) {
      this.seen = newest.id;
      return;
    }
    return this.apply(newest);
  }

  /**
   * Publishes the files that went live, read again: unless another save landed since (its own
   * reload publishes it when it goes live), they are exactly those the reload checked.
   */
  private async publishLive(): Promise<void> {
    const tree = readTree(this.dirs);
    if (tree.version !== this.service.current.knowledge.version) return;
    const hash = contentHash(tree.files);
    if (hash !== this.liveHash) await this.publish(tree.files, hash);
    this.unpublished = false;
  }

  private async publish(files: ContentFile[], hash: string): Promise<void> {
    const version = await this.versions.publish(hash, files, this.owner);
    this.liveHash = hash;
    this.seen = Math.max(this.seen, version.id);
    this.logger.info(
      { sharedContentVersion: version.id, contentVersion: this.service.current.knowledge.version },
      'content published to the other instances',
    );
  }

  /** Checks a version another instance published and, if it passes, makes it live here. */
  private async apply(version: ContentVersion): Promise<void> {
    this.seen = version.id;
    const files = await this.versions.files(version.id);
    if (!files) return; // pruned: a newer version is there, found at the next poll
    const about = { sharedContentVersion: version.id, publishedBy: version.publishedBy };
    const refuse = (problem: string, details: Record<string, unknown> = {}) =>
      this.logger.error(
        { ...about, ...details, liveContentVersion: this.service.current.knowledge.version },
        `shared content version rejected here: ${problem}; the previous version stays live`,
      );
    if (contentHash(files) !== version.hash || !files.every(safePath))
      return refuse('its files do not match its hash or name a file outside content/ and intents/');
    const errors = checkScratchCopy(files);
    if (errors.length > 0) return refuse(errors[0]!, { errors: errors.length });

    const previous = readTree(this.dirs).files;
    writeTree(this.dirs, files, previous);
    const outcome = await this.service.reload();
    if (outcome.status === 'rejected') {
      writeTree(this.dirs, previous, files);
      return refuse('its reload failed (see the reload errors above)');
    }
    this.liveHash = version.hash;
    this.logger.info(
      { ...about, contentVersion: this.service.current.knowledge.version },
      'shared content version live here',
    );
  }
}

/** The loader's checks on a scratch copy of `files`: the errors, as "file:line: problem". */
function checkScratchCopy(files: readonly ContentFile[]): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-content-'));
  const dirs = { contentDir: path.join(root, 'content'), intentsDir: path.join(root, 'intents') };
  try {
    fs.mkdirSync(dirs.contentDir);
    fs.mkdirSync(dirs.intentsDir);
    writeTree(dirs, files, []);
    return checkKnowledge(dirs).errors.map(
      (e) => `${path.relative(root, path.resolve(e.file))}${e.line ? `:${e.line}` : ''}: ${e.problem}`,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
