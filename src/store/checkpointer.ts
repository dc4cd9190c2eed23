/**
 * WAL checkpoints on a worker thread. SQLite normally copies the write-ahead log back into
 * the database (and fsyncs) inside whichever commit crosses the threshold, which stalls
 * that request — and every webhook ack queued behind it — for up to hundreds of ms under
 * load. Here the server's connection never checkpoints on its own; a second connection on a
 * worker thread runs PASSIVE checkpoints, which never block the writer.
 *
 * Such a checkpoint is always behind by the frames committed during its own pass, and SQLite
 * starts the WAL over from its beginning only after a checkpoint copied every frame. Under
 * sustained writes that moment never comes: in `npm run bench:load` the -wal file grew to
 * 1.75 GB for a 54 MB database, and each frame written extended the file (the kernel zeroing
 * every new block: 5 % of the server's CPU). So once the WAL holds `restartFrames` frames, the
 * worker runs a RESTART checkpoint: it takes the write lock, copies the last frames, fsyncs
 * and starts the WAL over, so the file stops growing. It needs the lock free and no reader
 * in the WAL at one instant; it never waits inside SQLite (the busy handler would sleep 1, 2,
 * 5, 10… ms between tries, and waiting for readers would hold the write lock meanwhile) but
 * tries again a millisecond later, up to `restartTries` times, each failed try being one more
 * PASSIVE pass. The server's writes that find the lock taken meanwhile are tried again a
 * millisecond later, off the event loop (`LockTries`, channels/group-commit.ts), which
 * therefore never waits on this fsync. Measured in one bench:load run: 66 restarts, every
 * one on its first tries (1 to 10); the -wal file peaked at 36 MB; the server's writes found
 * the lock taken for 2 ms at the median, 10 ms at p90, 15 ms at most.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import type { Db } from './db';

const DEFAULT_INTERVAL_MS = 500;
/** 16 MB of 4 KB pages: a WAL this long is started over (SQLite's own threshold is 1,000). */
const DEFAULT_RESTART_FRAMES = 4096;
/**
 * A restart needs the write lock and no reader in the WAL at one instant: tried this many
 * times, a millisecond apart, before it waits for the WAL to grow by another `restartFrames`.
 */
const DEFAULT_RESTART_TRIES = 100;

// Plain CommonJS: eval'd workers do not go through the TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// Never waits inside SQLite: its busy handler would sleep 1, 2, 5, 10… ms between tries, and a
// RESTART that waited for readers would hold the write lock meanwhile.
db.pragma('busy_timeout = 0');
const pause = new Int32Array(new SharedArrayBuffer(4));
let restartAt = workerData.restartFrames;
const timer = setInterval(() => {
  try {
    const [pass] = db.pragma('wal_checkpoint(PASSIVE)');
    if (pass.log < restartAt) return;
    let tries = 0;
    let restarted = false;
    // A try that finds the lock taken is a PASSIVE pass: the next one has less to copy.
    while (!restarted && tries++ < workerData.restartTries) {
      restarted = db.pragma('wal_checkpoint(RESTART)')[0].busy === 0;
      if (!restarted) Atomics.wait(pause, 0, 0, 1);
    }
    restartAt = restarted ? workerData.restartFrames : pass.log + workerData.restartFrames;
    if (!restarted) parentPort.postMessage({ postponed: { frames: pass.log, retryAt: restartAt } });
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
  /** Tries of a restart, a millisecond apart, before it waits for the WAL to grow. */
  restartTries?: number;
}

export function startBackgroundCheckpoints(
  db: Db,
  logger: Logger,
  {
    intervalMs = DEFAULT_INTERVAL_MS,
    restartFrames = DEFAULT_RESTART_FRAMES,
    restartTries = DEFAULT_RESTART_TRIES,
  }: CheckpointOptions = {},
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
      restartTries,
    },
  });
  worker.unref();
  worker.on('message', (m: { error?: string; postponed?: { frames: number; retryAt: number } }) => {
    if (m.postponed)
      logger.debug(
        m.postponed,
        'WAL restart postponed: a reader or a writer kept it; tried again once it has grown',
      );
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
