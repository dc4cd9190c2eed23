/**
 * Issue #12's acceptance thresholds on the held-out conversations, played through the real
 * app (POST /api/chat on a loopback port, a fresh citizen per conversation). Latency is
 * measured by `npm run procedures:eval`, not asserted here.
 */
import path from 'node:path';
import type { Server } from 'node:http';
import {
  evaluateConversations,
  formatProcedureEvaluation,
  httpChatDriver,
  readConversations,
  repoNumberSources,
  type ProcedureEvaluation,
} from '../../src/procedures/evaluate';
import { loadCatalogue } from '../../src/procedures/catalogue';
import { buildTestApp, listenOnLoopback } from '../support/app';

const ROOT = path.join(__dirname, '..', '..');

describe('the procedure assistant on the held-out conversations', () => {
  const built = buildTestApp({ FLOOD_MAX_MESSAGES: '1000000' });
  let server: Server;
  let evaluation: ProcedureEvaluation;

  beforeAll(async () => {
    const listening = await listenOnLoopback(built.app);
    server = listening.server;
    const sources = repoNumberSources({
      catalogue: loadCatalogue(),
      contentDir: built.config.CONTENT_DIR,
      retentionDays: built.config.RETENTION_DAYS,
    });
    const conversations = readConversations(
      path.join(ROOT, 'tests', 'fixtures', 'procedures', 'heldout.jsonl'),
    );
    evaluation = await evaluateConversations(conversations, httpChatDriver(listening.baseUrl), sources);
    // The figures and every miss, for whoever reads a failing run.
    console.log(formatProcedureEvaluation(evaluation, true));
  }, 120_000);

  afterAll(() => {
    server?.close();
    built.db.close();
  });

  it('answers the right procedure at least 80% of the time', () => {
    expect(evaluation.top1.rate).toBeGreaterThanOrEqual(0.8);
  });

  it('offers the right procedure among the first five at least 90% of the time', () => {
    expect(evaluation.top5.rate).toBeGreaterThanOrEqual(0.9);
  });

  it('asks which one, offering the family, for at least 60% of ambiguous questions', () => {
    expect(evaluation.clarify.rate).toBeGreaterThanOrEqual(0.6);
  });

  it('names no procedure for at least 90% of small talk and off-topic messages', () => {
    expect(evaluation.refusal.rate).toBeGreaterThanOrEqual(0.9);
  });

  it('covers every facet asked at least 90% of the time', () => {
    expect(evaluation.facets.rate).toBeGreaterThanOrEqual(0.9);
  });

  it('states no amount or duration that its record or sourced content does not', () => {
    expect(evaluation.invented.map((n) => `line ${n.line}: "${n.quantity.raw}" (${n.procedure})`)).toEqual(
      [],
    );
  });
});
