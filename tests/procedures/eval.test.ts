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

/** Issue #12's acceptance thresholds (shares of the lines each measure applies to). */
const MINIMUM = { top1: 0.8, top5: 0.9, clarify: 0.6, refusal: 0.9, facets: 0.9 } as const;

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
    const failing = (Object.keys(MINIMUM) as (keyof typeof MINIMUM)[]).some(
      (k) => (evaluation[k].rate ?? 0) < MINIMUM[k],
    );
    // The figures; with every miss when a threshold fails, for whoever reads the run.
    console.log(formatProcedureEvaluation(evaluation, failing || evaluation.invented.length > 0));
  }, 120_000);

  afterAll(() => {
    server?.close();
    built.db.close();
  });

  it('answers the right procedure at least 80% of the time', () => {
    expect(evaluation.top1.rate).toBeGreaterThanOrEqual(MINIMUM.top1);
  });

  it('offers the right procedure among the first five at least 90% of the time', () => {
    expect(evaluation.top5.rate).toBeGreaterThanOrEqual(MINIMUM.top5);
  });

  it('asks which one, offering the family, for at least 60% of ambiguous questions', () => {
    expect(evaluation.clarify.rate).toBeGreaterThanOrEqual(MINIMUM.clarify);
  });

  it('names no procedure for at least 90% of small talk and off-topic messages', () => {
    expect(evaluation.refusal.rate).toBeGreaterThanOrEqual(MINIMUM.refusal);
  });

  it('covers every facet asked at least 90% of the time', () => {
    expect(evaluation.facets.rate).toBeGreaterThanOrEqual(MINIMUM.facets);
  });

  it('states no amount or duration that its record or sourced content does not', () => {
    expect(evaluation.invented.map((n) => `line ${n.line}: "${n.quantity.raw}" (${n.procedure})`)).toEqual(
      [],
    );
  });
});
