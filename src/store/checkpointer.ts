/**
 * WAL checkpoints on a worker thread. SQLite normally copies the write-ahead log back into
 * the database (and fsyncs) inside whichever commit crosses the threshold, which stalls
 * that request — and every webhook ack queued behind it — for up to hundreds of ms under
 * load. Here the server's connection never checkpoints; a second connection on a worker
 * thread runs PASSIVE checkpoints, which never block the writer.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import type { Db } from './db';

const DEFAULT_INTERVAL_MS = 500;

// Plain CommonJS: eval'd workers do not go through the TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
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

export function startBackgroundCheckpoints(
  db: Db,
  logger: Logger,
  intervalMs = DEFAULT_INTERVAL_MS,
): Checkpointer {
  if (db.memory) return { stop: async () => undefined };
  db.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: db.name, driver: require.resolve('better-sqlite3'), intervalMs },
  });
  worker.unref();
  worker.on('message', (m: { error?: string }) => {
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
