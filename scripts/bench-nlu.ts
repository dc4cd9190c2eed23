/**
 * `npm run bench:nlu`: training time, classify latency p50/p99, memory and accuracy of our
 * classifier and of NLP.js (@nlpjs/nlp, a devDependency) trained on exactly the same phrases
 * and tested on the same files, side by side; then a synthetic scale-up (300 intents × 50
 * examples) to show how the cost grows. Prints figures; asserts nothing.
 *
 * Latency: every message is classified twice as a warm-up (JIT, caches), then RUNS separate
 * runs each time every message ROUNDS times, with a GC before each run (with --expose-gc) so
 * one run's garbage does not land in the next; each run's p50/p99 is printed and the table
 * shows the median over runs. Training is repeated too and the median reported.
 *
 * Test files: tests/fixtures/nlu/heldout.jsonl, the sealed independent-sealed.jsonl and
 * blind-sealed.jsonl (written by two others who never saw the training phrases) and
 * tests/fixtures/eval/dev.jsonl (the public sample), or the files given as arguments; each file also
 * rewritten the ways citizens type (without diacritics, NFD, teencode, Telex leftovers:
 * tests/support/variants.ts).
 */
import { containerBootstrap } from '@nlpjs/core';
import { Nlp } from '@nlpjs/nlp';
import { trainClassifier, trainClassifierInSlices, type TrainingData } from '../src/nlu/classifier';
import { evaluate, readLabelled, type LabelledMessage } from '../src/nlu/evaluate';
import { readTrainingData } from '../src/knowledge/training-data';
import { VARIANTS } from '../tests/support/variants';
import { cliConfig, runCli } from './cli-support';

interface Container {
  register(name: string, value: unknown, isSingleton: boolean): void;
}

type Classify = (text: string) => { intent: string | null; confidence: number };

const RUNS = 5;
const WARM_UP_PASSES = 2;

interface Latency {
  p50: number;
  p99: number;
  /** p50/p99 of each run. */
  runs: { p50: number; p99: number }[];
}

interface Row {
  name: string;
  trainMs: number;
  heapMb: number;
  latency?: Latency;
  scores: { file: string; accuracy: number; rejection: number }[];
}

const gc = (globalThis as { gc?: () => void }).gc;
/**
 * JS heap plus ArrayBuffers (where typed-array weights live). Two collections: the buffers of
 * garbage are only released once the first one has finalised them.
 */
function heapMb(): number {
  gc?.();
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 2 ** 20;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/**
 * Latency per call: WARM_UP_PASSES unmeasured passes, then RUNS runs of `rounds` passes over
 * every message. `classify` may return a promise (NLP.js); ours is timed synchronously so the
 * figure does not include a microtask turn.
 */
async function latency(classify: (t: string) => unknown, texts: string[], rounds: number): Promise<Latency> {
  for (let w = 0; w < WARM_UP_PASSES; w++) for (const t of texts) await classify(t);
  const runs: Latency['runs'] = [];
  for (let run = 0; run < RUNS; run++) {
    gc?.();
    const times: number[] = [];
    for (let r = 0; r < rounds; r++)
      for (const t of texts) {
        const start = performance.now();
        const result = classify(t);
        if (result instanceof Promise) await result;
        times.push(performance.now() - start);
      }
    times.sort((a, b) => a - b);
    runs.push({ p50: percentile(times, 50), p99: percentile(times, 99) });
  }
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), runs };
}

/**
 * Trains `repeat` times; the median time, the heap the first model holds (measured before
 * any other model exists: a dropped model can stay reachable from this async function's
 * suspended frame, which made later figures 0 or negative), and the last model.
 */
async function timeTraining<T>(train: () => T | Promise<T>, repeat: number) {
  const times: number[] = [];
  let heap = 0;
  let model: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const before = i === 0 ? heapMb() : 0;
    const start = performance.now();
    model = await train();
    times.push(performance.now() - start);
    if (i === 0) heap = heapMb() - before;
  }
  return { trainMs: median(times), times, heap, model: model! };
}

async function benchOurs(
  name: string,
  data: TrainingData,
  threshold: number,
  files: Map<string, LabelledMessage[]>,
  repeat: number,
) {
  const t = await timeTraining(() => trainClassifier(data, { threshold }), repeat);
  console.log(`${name}: training ms per repeat: ${t.times.map((x) => x.toFixed(0)).join(', ')}`);
  const classify: Classify = (text) => t.model.classify(text);
  return finish(name, t.trainMs, t.heap, classify, files, classify);
}

/**
 * NLP.js as its documentation sets it up for a language without its own package: the
 * generic tokenizer and normaliser (lowercase, combining marks removed), intent "None"
 * trained on our out-of-scope examples, and its default threshold (0.5) under which it
 * answers None. With `foldD`, the one Vietnamese-specific thing a developer would add
 * first: a normaliser for "vi" (NLP.js's plugin slot) that also folds đ → d, which Unicode
 * does not decompose, so "dang ky" matches "đăng ký".
 */
async function benchNlpJs(
  name: string,
  data: TrainingData,
  files: Map<string, LabelledMessage[]>,
  foldD: boolean,
  repeat: number,
) {
  const t = await timeTraining(async () => {
    const container = (await containerBootstrap()) as Container;
    if (foldD) container.register('normalizer-vi', { normalize: foldForNlpJs }, true);
    const nlp = new Nlp({ languages: ['vi'], autoSave: false, nlu: { log: false }, container });
    for (const intent of data.intents) for (const p of intent.phrases) nlp.addDocument('vi', p, intent.id);
    for (const p of data.outOfScope) nlp.addDocument('vi', p, 'None');
    await nlp.train();
    return nlp;
  }, repeat);
  const nlp = t.model;
  const cache = new Map<string, { intent: string | null; confidence: number }>();
  for (const messages of files.values())
    for (const m of messages) {
      const r = (await nlp.process('vi', m.text)) as { intent: string; score: number };
      cache.set(m.text, { intent: r.intent === 'None' ? null : r.intent, confidence: r.score });
    }
  return finish(
    name,
    t.trainMs,
    t.heap,
    (text) => cache.get(text)!,
    files,
    (text) => nlp.process('vi', text),
  );
}

function foldForNlpJs(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase();
}

async function finish(
  name: string,
  trainMs: number,
  heap: number,
  classify: Classify,
  files: Map<string, LabelledMessage[]>,
  timed: ((t: string) => unknown) | undefined,
): Promise<Row> {
  const scores = [...files].map(([file, messages]) => {
    const e = evaluate(classify, messages);
    return { file, accuracy: e.inScopeAccuracy, rejection: e.outOfScopeRejection };
  });
  const texts = [...files.values()].flat().map((m) => m.text);
  const measured = timed && (await latency(timed, texts, texts.length > 1000 ? 2 : 10));
  if (measured)
    console.log(
      `${name}: latency per run p50/p99 ms: ${measured.runs.map((r) => `${ms(r.p50)}/${ms(r.p99)}`).join(', ')}`,
    );
  return { name, trainMs, heapMb: heap, latency: measured, scores };
}

/**
 * A content reload trains in slices while the server keeps serving: how long it takes in
 * all, and the longest the event loop waited between two turns meanwhile (a webhook or chat
 * arriving then waits at most that long). Training in one go blocks it for the whole
 * "train ms" of the table above.
 */
async function benchReloadTraining(data: TrainingData, threshold: number) {
  const runs: { totalMs: number; longestMs: number }[] = [];
  for (let i = 0; i < 5; i++) {
    let last = performance.now();
    let longestMs = 0;
    let done = false;
    const spin = () => {
      const now = performance.now();
      longestMs = Math.max(longestMs, now - last);
      last = now;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    const start = performance.now();
    await trainClassifierInSlices(data, { threshold });
    runs.push({ totalMs: performance.now() - start, longestMs });
    done = true;
    await new Promise((r) => setImmediate(r));
  }
  console.log(
    `\nreload training in slices (5 runs): total ms ${runs.map((r) => r.totalMs.toFixed(0)).join(', ')}; ` +
      `longest event-loop wait ms ${runs.map((r) => r.longestMs.toFixed(1)).join(', ')}`,
  );
}

/**
 * 300 made-up intents × 50 examples: each intent has four keywords of its own (made-up
 * syllables) mixed with common words of the bundled phrases, plus 5 unseen queries per intent.
 */
function synthetic(intents: number, perIntent: number, vocabulary: string[]) {
  let seed = 42;
  const random = () => {
    // Math.imul: a plain product overflows 2^53 and the sequence collapses into a short cycle
    // (intents then share their "own" keywords and no classifier can tell them apart).
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const onsets = [
    'b',
    'ch',
    'd',
    'g',
    'h',
    'kh',
    'l',
    'm',
    'n',
    'ng',
    'nh',
    'ph',
    'qu',
    's',
    't',
    'th',
    'tr',
    'v',
    'x',
  ];
  const rhymes = [
    'a',
    'ai',
    'am',
    'an',
    'ang',
    'ao',
    'at',
    'e',
    'em',
    'en',
    'i',
    'im',
    'in',
    'o',
    'oi',
    'om',
    'on',
    'ong',
    'u',
    'ui',
    'um',
    'un',
    'ung',
    'uy',
  ];
  const data: TrainingData = { intents: [], outOfScope: [], abbreviations: {} };
  const queries: LabelledMessage[] = [];
  for (let i = 0; i < intents; i++) {
    const keywords = Array.from(
      { length: 4 },
      () => `${pick(onsets)}${pick(rhymes)}${pick(onsets)}${pick(rhymes)}`,
    );
    const sentence = () => {
      const words = [pick(keywords), pick(keywords)];
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--)
        words.splice(Math.floor(random() * (words.length + 1)), 0, pick(vocabulary));
      return words.join(' ');
    };
    const phrases = new Set<string>();
    while (phrases.size < perIntent) phrases.add(sentence());
    data.intents.push({ id: `synthetic.${i}`, phrases: [...phrases], file: 'synthetic' });
    for (let q = 0; q < 5; q++) queries.push({ text: sentence(), intent: `synthetic.${i}` });
  }
  for (let i = 0; i < 200; i++)
    data.outOfScope.push(`${pick(vocabulary)} ${pick(vocabulary)} ${pick(vocabulary)}`);
  return { data, queries };
}

const ms = (x: number) => (Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(3) : x.toFixed(0));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(header: string[], lines: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const line of [header, ...lines]) console.log(line.map((c, i) => c.padStart(widths[i])).join('  '));
}

/** Cost per classifier, then accuracy per test file: in scope / out-of-scope rejection. */
function print(title: string, rows: Row[]) {
  console.log(`\n${title}`);
  table(
    ['', 'train ms', 'heap+buffers MB', 'p50 ms', 'p99 ms (median of runs)'],
    rows.map((r) => [
      r.name,
      ms(r.trainMs),
      r.heapMb.toFixed(1),
      ms(r.latency?.p50 ?? NaN),
      ms(r.latency?.p99 ?? NaN),
    ]),
  );
  // The first row's lead over the strongest of the others, in points, per file.
  const lead = (i: number, key: 'accuracy' | 'rejection') =>
    ((rows[0].scores[i][key] - Math.max(...rows.slice(1).map((r) => r.scores[i][key]))) * 100).toFixed(1);
  console.log('');
  table(
    ['in scope / out of scope', ...rows.map((r) => r.name), `${rows[0].name}: lead (points)`],
    rows[0].scores.map((s, i) => [
      s.file,
      ...rows.map((r) => `${pct(r.scores[i].accuracy)} / ${pct(r.scores[i].rejection)}`),
      `${lead(i, 'accuracy')} / ${lead(i, 'rejection')}`,
    ]),
  );
}

/** Each file as given, then rewritten each way citizens type ("heldout.jsonl · teencode"). */
function withVariants(files: Map<string, LabelledMessage[]>): Map<string, LabelledMessage[]> {
  const out = new Map<string, LabelledMessage[]>();
  for (const [file, messages] of files) {
    out.set(file, messages);
    for (const [name, rewrite] of VARIANTS)
      out.set(
        `${file} · ${name}`,
        messages.map((m) => ({ ...m, text: rewrite(m.text) })),
      );
  }
  return out;
}

void runCli(async () => {
  const config = cliConfig();
  const data = readTrainingData(config.INTENTS_DIR);
  const paths = process.argv.slice(2).length
    ? process.argv.slice(2)
    : [
        'tests/fixtures/nlu/heldout.jsonl',
        'tests/fixtures/nlu/independent-sealed.jsonl',
        'tests/fixtures/nlu/blind-sealed.jsonl',
        'tests/fixtures/eval/dev.jsonl',
      ];
  const files = withVariants(new Map(paths.map((f) => [f.split('/').pop()!, readLabelled(f)])));
  const phrases = data.intents.reduce((n, i) => n + i.phrases.length, 0);
  console.log(
    `bundled: ${data.intents.length} intents, ${phrases} phrases, ${data.outOfScope.length} out-of-scope; ` +
      `threshold ${config.NLU_THRESHOLD}; node ${process.version}${gc ? '' : ' (run with --expose-gc for exact heap)'}`,
  );

  const ours = await benchOurs('ours', data, config.NLU_THRESHOLD, files, 5);
  const nlpjs = await benchNlpJs('NLP.js', data, files, false, 3);
  const nlpjsFold = await benchNlpJs('NLP.js + đ→d', data, files, true, 3);
  print('bundled intents', [ours, nlpjs, nlpjsFold]);
  await benchReloadTraining(data, config.NLU_THRESHOLD);

  const vocabulary = [
    ...new Set(data.intents.flatMap((i) => i.phrases.join(' ').toLocaleLowerCase('vi').split(/\s+/))),
  ].filter((w) => /^\p{L}+$/u.test(w));
  const { data: big, queries } = synthetic(300, 50, vocabulary);
  const scaleFiles = new Map([['synthetic', queries]]);
  const oursBig = await benchOurs('ours (300 intents)', big, config.NLU_THRESHOLD, scaleFiles, 3);
  const nlpjsBig = await benchNlpJs('NLP.js (300 intents)', big, scaleFiles, false, 1);
  print('synthetic scale-up: 300 intents × 50 examples (1,500 queries)', [oursBig, nlpjsBig]);
});
