/**
 * The answer worker's thread (src/channels/answer-worker.ts starts it): its own SQLite
 * connection to the file the main thread opened (WAL: the two write in turn), its own
 * knowledge snapshot and procedure assistant, and the same turn pipeline (`buildRuntime`).
 * It runs one request at a time, in the order they arrive.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type {
  ContentProblem,
  FiledHandoff,
  WorkerData,
  WorkerReply,
  WorkerRequest,
} from './channels/answer-worker';
import { configuredAdapters } from './channels';
import { answerInTransaction } from './channels/delivery';
import type { PlatformChannel } from './channels/types';
import { KnowledgeService } from './knowledge/service';
import { createLogger } from './logger';
import { loadCatalogue } from './procedures/catalogue';
import { formUrlFor, ProcedureService } from './procedures/service';
import { buildRuntime } from './runtime';
import { openDatabase } from './store/db';
import { isStorageFailure } from './store/health';
import { Inbox } from './store/inbox';

const { config, records, crashOn } = workerData as WorkerData;
const port = parentPort!;
const logger = createLogger(config.LOG_LEVEL).child({ thread: 'answer-worker' });
// The main thread migrated the file before starting this thread: opening it checks only.
const db = openDatabase(config.DATABASE_PATH);
const knowledge = new KnowledgeService(
  { contentDir: config.CONTENT_DIR, intentsDir: config.INTENTS_DIR },
  { threshold: config.NLU_THRESHOLD },
  logger,
);
const procedures = new ProcedureService(loadCatalogue(undefined, Buffer.from(records)), {
  contentDir: config.CONTENT_DIR,
  logger,
  formUrl: formUrlFor(config.PUBLIC_BASE_URL),
});
procedures.assistantFor(knowledge.current.knowledge);
knowledge.prepareWith(async (next) => procedures.prepare(next));

/** The officer requests the current turn filed: sent back with its reply, after its commit. */
let filed: FiledHandoff[] = [];
const runtime = buildRuntime(config, {
  db,
  brain: () => knowledge.current,
  logger,
  handoffs: { request: (userKey, channel, interactionId) => filed.push({ userKey, channel, interactionId }) },
  procedures: (brain) => procedures.assistantFor(brain.knowledge),
});
// Only render, limits and taps are used here: nothing is started, nothing is sent.
const adapters = new Map(configuredAdapters(config, db, logger).adapters.map((a) => [a.name, a]));
const inbox = new Inbox(db);

/** Takes the officer requests filed since the last call. */
function takeFiled(): FiledHandoff[] {
  const taken = filed;
  filed = [];
  return taken;
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.kind) {
    case 'answer': {
      const adapter = adapters.get(request.row.channel as PlatformChannel);
      if (!adapter) throw new Error(`channel ${request.row.channel} is not configured in the answer worker`);
      // Read here: a worker that committed and died before it said so must not answer twice.
      const stored = inbox.get(request.row.id);
      if (crashOn !== undefined && stored?.text === crashOn) process.exit(70);
      if (!stored || stored.state !== 'accepted')
        return { id: request.id, ok: true, row: stored, handoffs: [] };
      takeFiled();
      const startedAt = performance.now();
      const row = answerInTransaction(db, inbox, runtime, stored, adapter);
      const turnMs = performance.now() - startedAt;
      return { id: request.id, ok: true, row, turnMs, handoffs: takeFiled() };
    }
    case 'chat': {
      await runtime.prepare(request.message);
      takeFiled();
      const result = runtime.respond(request.message);
      const handoffs = takeFiled();
      await runtime.save(request.message);
      return { id: request.id, ok: true, result, handoffs };
    }
    case 'reload': {
      const outcome = await knowledge.reload();
      const problems: ContentProblem[] =
        outcome.status === 'rejected'
          ? outcome.errors.map((e) => ({ file: e.file, line: e.line, field: e.field, problem: e.problem }))
          : [];
      if (outcome.status === 'rejected' && problems.length === 0)
        problems.push({
          file: config.CONTENT_DIR,
          problem: 'the answer worker could not reload the content',
        });
      else if (outcome.status !== 'rejected' && outcome.version !== request.version)
        // The files changed again between the two reads: the watcher's next reload settles it.
        problems.push({
          file: config.CONTENT_DIR,
          problem: `changed while reloading (the answer worker read version ${outcome.version})`,
        });
      return { id: request.id, ok: true, problems, handoffs: [] };
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  handle(request)
    .catch((err: unknown): WorkerReply => {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = (e as { code?: unknown }).code;
      return {
        id: request.id,
        ok: false,
        error: {
          message: e.message,
          code: typeof code === 'string' ? code : undefined,
          storage: isStorageFailure(e),
        },
      };
    })
    .then((reply) => port.postMessage(reply));
});
