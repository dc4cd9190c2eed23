/**
 * Hot reload: watches content/ and intents/ and reloads the knowledge shortly after an
 * editor saves. Editors save in bursts (write, rename, chmod), so changes are debounced
 * into one reload; a broken save is logged by the service and the old version stays live.
 */
import fs from 'node:fs';
import type { Logger } from '../logger';
import type { KnowledgeDirs } from './types';
import { contentSubfolders } from './read';
import type { KnowledgeService, ReloadOutcome } from './service';

export interface KnowledgeWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last change before reloading. Default 300 ms (well under the 2 s promise). */
  debounceMs?: number;
  /** Called after each reload attempt (tests and metrics). */
  onReload?: (outcome: ReloadOutcome) => void;
}

/** Only these files are content; editors' swap and backup files (.swp, ~, 4913) are not. */
const CONTENT_FILE = /\.(md|ya?ml)$/;

/**
 * The folders are flat but for content/'s sub-folders (content/procedures/), each watched
 * too, so a plain directory watch sees every save, including the rename that "safe write"
 * editors do. (A sub-folder created while the server runs is seen after a restart.)
 */
export function watchKnowledge(
  service: KnowledgeService,
  dirs: KnowledgeDirs,
  logger: Logger,
  options: WatchOptions = {},
): KnowledgeWatcher {
  const debounceMs = options.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const reload = () => {
    timer = undefined;
    if (closed) return;
    void service.reload().then((outcome) => options.onReload?.(outcome));
  };
  const schedule = (filename: string | null) => {
    if (closed || (filename && !CONTENT_FILE.test(filename))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  };

  const watchers = [dirs.contentDir, ...contentSubfolders(dirs.contentDir), dirs.intentsDir].map((dir) => {
    const watcher = fs.watch(dir, { persistent: false }, (_event, filename) => schedule(filename));
    watcher.on('error', (err) =>
      logger.error({ err, dir }, 'cannot watch the folder any more; restart the server to pick up edits'),
    );
    return watcher;
  });
  logger.info(
    { contentDir: dirs.contentDir, intentsDir: dirs.intentsDir },
    'watching content for changes (hot reload)',
  );

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
