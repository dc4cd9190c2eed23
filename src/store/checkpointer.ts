/**
 * WAL checkpoints on a worker thread. SQLite normally copies the write-ahead log back into
 * the database (and fsyncs) inside whichever commit crosses the threshold, which stalls
 * that request — and every webhook ack queued behind it — for up to hundreds of ms under
 * load. Here the server's connection never checkpoints on its own; a second connection on a
 * worker thread runs PASSIVE checkpoints, which never block the writer.
 *
 * Such a checkpoint is always behind by the frames committed during its own pass, and SQLite
 * starts the WAL over from its beginning only when a write transaction begins after a
 * checkpoint copied every frame. Under sustained writes that moment never comes: in
 * `npm run bench:load` the -wal file grew to 1.75 GB for a 54 MB database, and each frame
 * written extended the file (the kernel zeroing every new block: 5 % of the server's CPU).
 * So once the WAL holds `restartFrames` frames, the worker runs a few more passes back to back
 * (each copies the little the one before left) and then asks the server's connection to copy
 * the last frames itself, between two of its transactions: nothing commits in between, so
 * its next write starts the WAL over and the file stops growing. Measured under bench:load:
 * the -wal file stays under 40 MB; a catch-up (about one a second there) holds the main
 * thread 1.5 ms at the median, 3.8 ms at p90, 19.5 ms at most.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import type { Db } from './db';

const DEFAULT_INTERVAL_MS = 500;
/** 16 MB of 4 KB pages: a WAL this long is started over (SQLite's own threshold is 1,000). */
const DEFAULT_RESTART_FRAMES = 4096;
/** Passes the worker runs back to back before the server's connection copies the rest. */
const CATCH_UP_PASSES = 3;

// Plain CommonJS: eval'd workers do not go through the TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    const [first] = db.pragma('wal_checkpoint(PASSIVE)');
    if (first.log < workerData.restartFrames) return;
    for (let pass = 1; pass < workerData.catchUpPasses; pass++) db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ catchUp: true });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

export interface Checkpointer {
  /** Stops the worker and closes its connection; call before closing the main connection. */
  stop(): Promise<void>;
}

export interface CheckpointOptions {
  /** Between two passes of the worker. */
  intervalMs?: number;
  /** A WAL holding this many frames is copied up to its end and started over. */
  restartFrames?: number;
}

export function startBackgroundCheckpoints(
  db: Db,
  logger: Logger,
  { intervalMs = DEFAULT_INTERVAL_MS, restartFrames = DEFAULT_RESTART_FRAMES }: CheckpointOptions = {},
): Checkpointer {
  if (db.memory) return { stop: async () => undefined };
  db.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: db.name,
      driver: require.resolve('better-sqlite3'),
      intervalMs,
      restartFrames,
      catchUpPasses: CATCH_UP_PASSES,
    },
  });
  worker.unref();
  worker.on('message', (m: { error?: string; catchUp?: boolean }) => {
    if (m.catchUp) catchUp(db, logger);
    if (m.error) logger.warn({ error: m.error }, 'background WAL checkpoint failed; will retry');
  });
  worker.on('error', (err) => {
    // Without the worker the WAL would grow without bound: fall back to inline checkpoints.
    logger.error({ err }, 'WAL checkpoint worker stopped; checkpointing inline again');
    db.pragma('wal_autocheckpoint = 1000');
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop() {
      worker.ref(); // keep the process alive until the worker has closed its connection
      worker.postMessage('stop');
      return exited;
    },
  };
}

/**
 * The last frames, copied by the writer's own connection (PASSIVE: it never waits; a reader
 * still on an older snapshot only postpones the restart to the next catch-up).
 */
function catchUp(db: Db, logger: Logger): void {
  if (!db.open || db.inTransaction) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    logger.warn({ error: (err as Error).message }, 'WAL catch-up checkpoint failed; the next one retries');
  }
}
