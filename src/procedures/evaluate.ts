/**
 * Scores the procedure assistant on conversation files (the format of
 * tests/fixtures/procedures/dev.jsonl): each conversation is played turn by turn as a new
 * citizen, and the reply to its last turn is judged on what the line expects.
 *
 * - answer: top-1 (the reply's procedure is one of `codes`), top-5 (one of `codes` among the
 *   procedure answered and the options offered, first five), facet coverage (every expected
 *   facet is among the reply's facets);
 * - clarify: the reply offers at least two of `codes` among the procedure it answers and its
 *   options (first five): it may answer the most likely one and offer the others;
 * - apologize: no procedure and no procedure options.
 * Every reply of every turn is also checked for invented numbers (see invented-numbers.ts),
 * and each turn's latency is measured.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ProcedureCatalogue } from './catalogue';
import { FACETS } from './facets';
import { QuantitySources, type Quantity } from './invented-numbers';

export const conversationSchema = z
  .object({
    turns: z
      .array(z.string().trim().min(1, 'expected a non-empty message'))
      .min(1, 'expected at least one turn'),
    behavior: z.enum(['answer', 'clarify', 'apologize']),
    codes: z.array(z.string().regex(/^\d\.\d{6}$/, 'expected a procedure code such as 1.001193')),
    facets: z.array(z.enum(FACETS)),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.behavior === 'apologize' && c.codes.length > 0)
      ctx.addIssue({ code: 'custom', path: ['codes'], message: 'an apologize line expects no codes' });
    if (c.behavior === 'answer' && c.codes.length === 0)
      ctx.addIssue({ code: 'custom', path: ['codes'], message: 'an answer line needs at least one code' });
    if (c.behavior === 'clarify' && c.codes.length < 2)
      ctx.addIssue({ code: 'custom', path: ['codes'], message: 'a clarify line needs at least two codes' });
  });
export type Conversation = z.infer<typeof conversationSchema> & { line: number };

const FORMAT =
  '{"turns": ["..."], "behavior": "answer"|"clarify"|"apologize", "codes": ["1.001193"], "facets": ["time"]}';

/** Reads a JSONL file of conversations; a bad line throws an error naming the file, line and field. */
export function readConversations(file: string): Conversation[] {
  const out: Conversation[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (!raw.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new Error(`${file}:${i + 1}: not valid JSON; expected ${FORMAT}`);
      }
      const result = conversationSchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue.path.join('.');
        throw new Error(`${file}:${i + 1}: ${field ? `${field}: ` : ''}${issue.message}; expected ${FORMAT}`);
      }
      out.push({ ...result.data, line: i + 1 });
    });
  return out;
}

export interface ProcedureRef {
  code: string;
  title: string;
}

/** What the harness reads of one reply; fields the server does not send yet read as empty. */
export interface ChatReply {
  /** The text blocks and link labels, in order. */
  text: string;
  procedure: ProcedureRef | null;
  options: ProcedureRef[];
  facets: string[];
}

/** Sends one citizen message and returns the bot's reply. */
export type ChatDriver = (userId: string, text: string) => Promise<ChatReply>;

const refSchema = z.object({ code: z.string(), title: z.string().catch('') });
const chatResponseSchema = z.object({
  replies: z
    .array(
      z.union([
        z.object({ type: z.literal('text'), text: z.string() }),
        z.object({ type: z.literal('link'), label: z.string(), url: z.string() }),
        z.object({ type: z.string() }),
      ]),
    )
    .catch([]),
  procedure: refSchema.nullable().catch(null),
  options: z.array(refSchema).catch([]),
  facets: z.array(z.string()).catch([]),
});

/** Reads a /api/chat response body; missing or malformed procedure fields read as none. */
export function chatReplyFromBody(body: unknown): ChatReply {
  const parsed = chatResponseSchema.parse(body ?? {});
  const text = parsed.replies
    .map((b) => ('text' in b ? b.text : 'label' in b ? b.label : ''))
    .filter(Boolean)
    .join('\n');
  return { text, procedure: parsed.procedure, options: parsed.options, facets: parsed.facets };
}

/** Drives a running server's /api/chat over HTTP: the path the web chat takes. */
export function httpChatDriver(baseUrl: string): ChatDriver {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/chat`;
  return async (userId, text) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, text }),
    });
    const body: unknown = await res.json();
    if (!res.ok) throw new Error(`POST /api/chat answered ${res.status}: ${JSON.stringify(body)}`);
    return chatReplyFromBody(body);
  };
}

/**
 * Where a reply's numbers may come from: the record of the procedure it answers (as the
 * catalogue holds it) and the editors' content. `null`: a reply about no procedure.
 */
export type NumberSources = (code: string | null) => QuantitySources;

/** Every string inside a value: a catalogue record read as plain text. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsOf(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => stringsOf(v, out));
  return out;
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export interface RepoSourcesOptions {
  /** The procedure catalogue (data/procedures): each procedure's official record. */
  catalogue: ProcedureCatalogue;
  /** content/: its *.md and *.yaml (topic answers, locality) and procedures/<code>.md. */
  contentDir: string;
  /** RETENTION_DAYS, which the privacy notice of system.yaml states as {retention_days}. */
  retentionDays?: number;
}

/**
 * Number sources read from the repository: the catalogue record of the procedure, its
 * content/procedures/<code>.md, every content/*.md and *.yaml (sourced by the editors, with
 * the configured retention filled in). Cached per procedure.
 */
export function repoNumberSources(options: RepoSourcesOptions): NumberSources {
  const shared: string[] = [];
  for (const name of fs.existsSync(options.contentDir) ? fs.readdirSync(options.contentDir).sort() : []) {
    if (!/\.(md|ya?ml)$/.test(name)) continue;
    const text = fs.readFileSync(path.join(options.contentDir, name), 'utf8');
    shared.push(text.replaceAll('{retention_days}', String(options.retentionDays ?? '')));
  }
  const base = new QuantitySources(shared);
  const cache = new Map<string | null, QuantitySources>();
  return (code) => {
    let sources = cache.get(code);
    if (!sources) {
      const texts: string[] = [];
      if (code !== null) {
        texts.push(...stringsOf(options.catalogue.get(code)));
        const editor = readIfExists(path.join(options.contentDir, 'procedures', `${code}.md`));
        if (editor) texts.push(editor);
      }
      sources = new QuantitySources(texts, base);
      cache.set(code, sources);
    }
    return sources;
  };
}

export interface InventedNumber {
  line: number;
  turn: number;
  message: string;
  procedure: string | null;
  quantity: Quantity;
}

export interface CaseResult {
  conversation: Conversation;
  reply: ChatReply;
  /** Null when the measure does not apply to this line's behavior. */
  top1: boolean | null;
  top5: boolean | null;
  clarified: boolean | null;
  refused: boolean | null;
  /** Null for a line that expects no facet. */
  facetsCovered: boolean | null;
  missingFacets: string[];
}

export interface Rate {
  hits: number;
  total: number;
  /** hits / total, or null when nothing was measured. */
  rate: number | null;
}

export interface ProcedureEvaluation {
  conversations: number;
  turns: number;
  top1: Rate;
  top5: Rate;
  clarify: Rate;
  refusal: Rate;
  facets: Rate;
  /** Facet coverage on the answer lines whose procedure is right: facets apart from ranking. */
  facetsWhenRight: Rate;
  invented: InventedNumber[];
  latencyMs: { p50: number; p99: number; max: number };
  cases: CaseResult[];
}

const rate = (hits: number, total: number): Rate => ({ hits, total, rate: total ? hits / total : null });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function judge(conversation: Conversation, reply: ChatReply): CaseResult {
  const codes = new Set(conversation.codes);
  const offered = [reply.procedure, ...reply.options]
    .filter((r): r is ProcedureRef => r !== null)
    .map((r) => r.code);
  const firstFive = [...new Set(offered)].slice(0, 5);
  const result: CaseResult = {
    conversation,
    reply,
    top1: null,
    top5: null,
    clarified: null,
    refused: null,
    facetsCovered: null,
    missingFacets: [],
  };
  if (conversation.behavior === 'answer') {
    result.top1 = reply.procedure !== null && codes.has(reply.procedure.code);
    result.top5 = firstFive.some((c) => codes.has(c));
    if (conversation.facets.length > 0) {
      result.missingFacets = conversation.facets.filter((f) => !reply.facets.includes(f));
      result.facetsCovered = result.missingFacets.length === 0;
    }
  } else if (conversation.behavior === 'clarify') {
    // It may answer the most likely one and offer the others (tests/fixtures/procedures/README.md).
    result.clarified = firstFive.filter((c) => codes.has(c)).length >= 2;
  } else {
    result.refused = reply.procedure === null && reply.options.length === 0;
  }
  return result;
}

export interface EvaluateOptions {
  /** The user id of conversation i; a fresh one each, so no conversation inherits another's state. */
  userId?: (index: number) => string;
  now?: () => number;
}

/** Plays every conversation through `chat` and scores the replies to their last turns. */
export async function evaluateConversations(
  conversations: Conversation[],
  chat: ChatDriver,
  sources: NumberSources,
  options: EvaluateOptions = {},
): Promise<ProcedureEvaluation> {
  const userId = options.userId ?? ((i: number) => `eval-${process.pid}-${Date.now()}-${i}`);
  const now = options.now ?? (() => performance.now());
  const latencies: number[] = [];
  const invented: InventedNumber[] = [];
  const cases: CaseResult[] = [];
  for (const [index, conversation] of conversations.entries()) {
    const user = userId(index);
    let reply: ChatReply | null = null;
    for (const [turn, message] of conversation.turns.entries()) {
      const started = now();
      reply = await chat(user, message);
      latencies.push(now() - started);
      const code = reply.procedure?.code ?? null;
      for (const quantity of sources(code).invented(reply.text))
        invented.push({ line: conversation.line, turn: turn + 1, message, procedure: code, quantity });
    }
    cases.push(judge(conversation, reply as ChatReply));
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const count = (pick: (c: CaseResult) => boolean | null) => {
    const measured = cases.map(pick).filter((v): v is boolean => v !== null);
    return rate(measured.filter(Boolean).length, measured.length);
  };
  return {
    conversations: conversations.length,
    turns: latencies.length,
    top1: count((c) => c.top1),
    top5: count((c) => c.top5),
    clarify: count((c) => c.clarified),
    refusal: count((c) => c.refused),
    facets: count((c) => c.facetsCovered),
    facetsWhenRight: count((c) => (c.top1 ? c.facetsCovered : null)),
    invented,
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
    cases,
  };
}

const pct = (r: Rate) =>
  r.rate === null ? 'n/a (no such line)' : `${(r.rate * 100).toFixed(1)}% (${r.hits}/${r.total})`;
const ref = (r: ProcedureRef | null) => (r ? `${r.code} ${r.title}`.trim() : 'none');

function missReason(c: CaseResult): string | null {
  const { conversation: conv, reply } = c;
  const got = `procedure ${ref(reply.procedure)}; options [${reply.options.map((o) => o.code).join(', ')}]`;
  if (c.top1 === false) return `expected one of ${conv.codes.join(', ')}, got ${got}`;
  if (c.clarified === false) return `expected two of ${conv.codes.join(', ')} offered, got ${got}`;
  if (c.refused === false) return `expected no procedure, got ${got}`;
  if (c.facetsCovered === false)
    return `right procedure, facets [${reply.facets.join(', ')}] miss [${c.missingFacets.join(', ')}]`;
  return null;
}

/** The figures as text; `verbose` adds each missed line and each invented number. */
export function formatProcedureEvaluation(e: ProcedureEvaluation, verbose = false): string {
  const lines = [
    `conversations: ${e.conversations} (${e.turns} turns)`,
    `top-1 (answer lines):           ${pct(e.top1)}`,
    `top-5 offered (answer lines):   ${pct(e.top5)}`,
    `clarification (clarify lines):  ${pct(e.clarify)}`,
    `refusal (apologize lines):      ${pct(e.refusal)}`,
    `facet coverage (answer lines):  ${pct(e.facets)}`,
    `  … when the procedure is right: ${pct(e.facetsWhenRight)}`,
    `invented numbers:               ${e.invented.length}`,
    `latency per turn:               p50 ${e.latencyMs.p50.toFixed(2)} ms, p99 ${e.latencyMs.p99.toFixed(2)} ms, max ${e.latencyMs.max.toFixed(2)} ms`,
  ];
  for (const n of e.invented.slice(0, verbose ? undefined : 10))
    lines.push(
      `  invented "${n.quantity.raw}" (line ${n.line}, turn ${n.turn}, procedure ${n.procedure ?? 'none'}): ${n.message}`,
    );
  if (!verbose && e.invented.length > 10) lines.push(`  … ${e.invented.length - 10} more (--verbose)`);
  if (verbose) {
    const misses = e.cases.map((c) => [c, missReason(c)] as const).filter(([, reason]) => reason !== null);
    lines.push('', `misses: ${misses.length}`);
    for (const [c, reason] of misses)
      lines.push(
        `  line ${c.conversation.line} [${c.conversation.behavior}] ${c.conversation.turns.map((t) => JSON.stringify(t)).join(' → ')}`,
        `    ${reason}`,
      );
  }
  return lines.join('\n');
}
