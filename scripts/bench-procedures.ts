/**
 * `npm run bench:procedures`: what the procedure catalogue costs and how fast a message is
 * ranked and answered, over the shipped catalogue and a synthetic catalogue 10× its size,
 * next to a plain token-overlap baseline (Jaccard over folded words) in the same run.
 *
 * Prints: catalogue load time and memory, index build time and memory, ranking latency
 * p50/p99 (each conversation turn of the dev and tuning files, and every procedure name; with
 * and without candidate pruning), the whole assistant's latency per turn (rank + decide +
 * render), and top-1 of both rankers on the answer lines of those files (where a first turn
 * names the procedure). Per turn through HTTP: `npm run bench:chat`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadKnowledge } from '../src/knowledge/loader';
import { emptyProcedureState, ProcedureAssistant } from '../src/procedures/assistant';
import { loadCatalogue } from '../src/procedures/catalogue';
import { checkProcedureContent } from '../src/procedures/content';
import { ProcedureIndex } from '../src/procedures/search';
import type { ProcedureSummary } from '../src/procedures/schema';
import { catalogueTokeniser, foldWords } from '../src/procedures/text';

const FILES = ['tests/fixtures/procedures/dev.jsonl', 'tests/fixtures/procedures/tuning.jsonl'];

interface Line {
  turns: string[];
  behavior: string;
  codes: string[];
}

const gc = () => (global as { gc?: () => void }).gc?.();
const heapMb = () => {
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external + m.arrayBuffers) / 1e6;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/** The baseline: the name sharing the largest share of words with the message (Jaccard). */
class TokenOverlap {
  private readonly docs: { code: string; words: Set<string> }[];
  constructor(summaries: readonly ProcedureSummary[]) {
    this.docs = summaries.map((s) => ({ code: s.code, words: new Set(foldWords(s.name)) }));
  }
  rank(text: string): string | undefined {
    const words = new Set(foldWords(text));
    let best: { code: string; score: number } | undefined;
    for (const d of this.docs) {
      let shared = 0;
      for (const w of words) if (d.words.has(w)) shared++;
      const score = shared / (words.size + d.words.size - shared || 1);
      if (!best || score > best.score) best = { code: d.code, score };
    }
    return best?.code;
  }
}

/** Ten copies of every summary, names varied so that no two are identical. */
function tenfold(summaries: readonly ProcedureSummary[]): ProcedureSummary[] {
  const suffixes = [
    '',
    ' (bản sao A)',
    ' (khu vực B)',
    ' đối với tổ chức',
    ' đối với cá nhân',
    ' lần đầu',
    ' theo danh sách',
    ' tại cơ sở',
    ' trong khu công nghiệp',
    ' ở nước ngoài',
  ];
  return suffixes.flatMap((suffix, i) =>
    summaries.map((s) => ({ ...s, code: i === 0 ? s.code : `${s.code}-X${i}`, name: `${s.name}${suffix}` })),
  );
}

function timeEach<T>(items: T[], run: (item: T) => void): number[] {
  return items.map((item) => {
    const t = performance.now();
    run(item);
    return performance.now() - t;
  });
}

function main(): void {
  const lines: Line[] = FILES.filter((f) => fs.existsSync(f)).flatMap((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Line),
  );
  const turns = lines.flatMap((l) => l.turns);
  const knowledge = loadKnowledge({ contentDir: 'content', intentsDir: 'intents' });

  const before = heapMb();
  let t = performance.now();
  const catalogue = loadCatalogue();
  const loadMs = performance.now() - t;
  // The records sit in a SharedArrayBuffer (shared with the answer worker), which the heap
  // figures do not count: added here, once.
  const catalogueMb = heapMb() - before + catalogue.recordsBytes / 1e6;
  console.log(
    `catalogue: ${catalogue.size} procedures loaded in ${fmt(loadMs)}, +${catalogueMb.toFixed(1)} MB`,
  );

  const content = checkProcedureContent('content', catalogue, { locality: knowledge.locality });
  const tokenise = catalogueTokeniser(knowledge.abbreviations);
  for (const [label, summaries] of [
    ['catalogue', catalogue.summaries],
    ['10× catalogue', tenfold(catalogue.summaries)],
  ] as const) {
    const start = heapMb();
    t = performance.now();
    const index = new ProcedureIndex(summaries, tokenise, { province: 'tỉnh Đồng Nai' });
    const buildMs = performance.now() - t;
    const indexMb = heapMb() - start;
    t = performance.now();
    const baseline = new TokenOverlap(summaries);
    const baselineBuildMs = performance.now() - t;
    const assistant = new ProcedureAssistant({
      catalogue,
      content: content.entries,
      agencies: content.agencies,
      abbreviations: knowledge.abbreviations,
      phrases: knowledge.intents.flatMap((i) => i.phrases),
    });
    const queries = [...turns, ...summaries.slice(0, 2000).map((s) => s.name)].map(
      (q) => assistant.normalise(q).tokens,
    );
    const texts = [...turns, ...summaries.slice(0, 2000).map((s) => s.name)];
    for (const q of queries.slice(0, 50)) index.rank(q); // warm-up
    const ours = timeEach(queries, (q) => index.rank(q, 12));
    // Scoring every candidate is slow on the 10× catalogue: a sample, pruned on the same one.
    const sample = queries.filter((_, i) => i % 5 === 0);
    const exhaustive = timeEach(sample, (q) => index.rank(q, 12, { exhaustive: true }));
    const pruned = timeEach(sample, (q) => index.rank(q, 12));
    const theirs = timeEach(texts, (q) => baseline.rank(q));
    console.log(
      `\n== ${label}: ${summaries.length} summaries, ${index.size} indexed (other provinces' versions left out)`,
    );
    console.log(
      `index build: ${fmt(buildMs)}, +${indexMb.toFixed(1)} MB   (baseline: ${fmt(baselineBuildMs)})`,
    );
    console.log(
      `ranking ${queries.length} messages: p50 ${fmt(percentile(ours, 50))}, p99 ${fmt(percentile(ours, 99))}` +
        `   (baseline: p50 ${fmt(percentile(theirs, 50))}, p99 ${fmt(percentile(theirs, 99))})`,
    );
    // The same ranking scoring every candidate, without the upper-bound pruning: same results
    // (tests/procedures/search-pruning.test.ts), more work.
    console.log(
      `  every 5th message without pruning: p50 ${fmt(percentile(exhaustive, 50))}, p99 ${fmt(percentile(exhaustive, 99))}` +
        `, with: p50 ${fmt(percentile(pruned, 50))}, p99 ${fmt(percentile(pruned, 99))}` +
        ` (pruning ${(percentile(exhaustive, 50) / percentile(pruned, 50)).toFixed(1)}× faster at p50, ` +
        `${(percentile(exhaustive, 99) / percentile(pruned, 99)).toFixed(1)}× at p99)`,
    );
    if (label !== 'catalogue') continue;
    // Quality on the first turn of single-turn answer lines, both rankers.
    const answerable = lines.filter((l) => l.behavior === 'answer' && l.turns.length === 1);
    const ourTop = answerable.filter((l) =>
      l.codes.includes(index.rank(assistant.normalise(l.turns[0]).tokens, 1)[0]?.code ?? ''),
    ).length;
    const baseTop = answerable.filter((l) => l.codes.includes(baseline.rank(l.turns[0]) ?? '')).length;
    console.log(
      `top-1 on ${answerable.length} answer lines (ranking only): ${((100 * ourTop) / answerable.length).toFixed(1)}%` +
        `   (baseline: ${((100 * baseTop) / answerable.length).toFixed(1)}%)`,
    );
    // The whole assistant per turn, conversations played in order.
    const perTurn: number[] = [];
    for (const l of lines) {
      const state = emptyProcedureState();
      for (const turn of l.turns) {
        const s = performance.now();
        assistant.decide(turn, state);
        perTurn.push(performance.now() - s);
      }
    }
    console.log(
      `assistant per turn (${perTurn.length} turns: rank, decide, render): p50 ${fmt(percentile(perTurn, 50))}, p99 ${fmt(percentile(perTurn, 99))}`,
    );
  }
  console.log(`\nfiles: ${FILES.join(', ')}; catalogue: ${path.join('data', 'procedures')}`);
}

main();
