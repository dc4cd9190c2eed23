/**
 * `npm run bench:nlu`: training time, classify latency p50/p99, memory and accuracy of our
 * classifier and of NLP.js (@nlpjs/nlp, a devDependency) trained on exactly the same phrases
 * and tested on the same files, side by side; then a synthetic scale-up (300 intents × 50
 * examples) to show how the cost grows. Prints figures; asserts nothing.
 *
 * Test files: tests/fixtures/nlu/heldout.jsonl and ../shared/eval/dev.jsonl (when present),
 * or the files given as arguments.
 */
import fs from 'node:fs';
import { containerBootstrap } from '@nlpjs/core';
import { Nlp } from '@nlpjs/nlp';
import { trainClassifier, type TrainingData } from '../src/nlu/classifier';
import { evaluate, readLabelled, type LabelledMessage } from '../src/nlu/evaluate';
import { readTrainingData } from '../src/nlu/training-data';
import { cliConfig, runCli } from './cli-support';

type Classify = (text: string) => { intent: string | null; confidence: number };

interface Row {
  name: string;
  trainMs: number;
  heapMb: number;
  p50: number;
  p99: number;
  scores: { file: string; accuracy: number; rejection: number }[];
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Latency per call over `rounds` passes of every message, after one warm-up pass. */
async function latency(classify: (t: string) => unknown, texts: string[], rounds: number) {
  for (const t of texts) await classify(t);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const t of texts) {
      const start = performance.now();
      await classify(t);
      times.push(performance.now() - start);
    }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function benchOurs(
  name: string,
  data: TrainingData,
  threshold: number,
  files: Map<string, LabelledMessage[]>,
) {
  const before = heapMb();
  const start = performance.now();
  const classifier = trainClassifier(data, { threshold });
  const trainMs = performance.now() - start;
  const heap = heapMb() - before;
  const classify: Classify = (t) => classifier.classify(t);
  return finish(name, trainMs, heap, classify, files);
}

async function benchNlpJs(name: string, data: TrainingData, files: Map<string, LabelledMessage[]>) {
  const before = heapMb();
  const start = performance.now();
  const container = await containerBootstrap();
  const nlp = new Nlp({ languages: ['vi'], autoSave: false, nlu: { log: false }, container });
  for (const intent of data.intents) for (const p of intent.phrases) nlp.addDocument('vi', p, intent.id);
  // NLP.js's own out-of-scope class is "None": the negatives train it.
  for (const p of data.outOfScope) nlp.addDocument('vi', p, 'None');
  await nlp.train();
  const trainMs = performance.now() - start;
  const heap = heapMb() - before;
  const cache = new Map<string, { intent: string | null; confidence: number }>();
  for (const messages of files.values())
    for (const m of messages) {
      const r = (await nlp.process('vi', m.text)) as { intent: string; score: number };
      cache.set(m.text, { intent: r.intent === 'None' ? null : r.intent, confidence: r.score });
    }
  const texts = [...cache.keys()];
  const { p50, p99 } = await latency((t) => nlp.process('vi', t), texts, 3);
  return {
    ...(await finish(name, trainMs, heap, (t) => cache.get(t)!, files, false)),
    p50,
    p99,
  };
}

async function finish(
  name: string,
  trainMs: number,
  heap: number,
  classify: Classify,
  files: Map<string, LabelledMessage[]>,
  measure = true,
): Promise<Row> {
  const scores = [...files].map(([file, messages]) => {
    const e = evaluate(classify, messages);
    return { file, accuracy: e.inScopeAccuracy, rejection: e.outOfScopeRejection };
  });
  const texts = [...files.values()].flat().map((m) => m.text);
  const { p50, p99 } = measure ? await latency(classify, texts, 20) : { p50: NaN, p99: NaN };
  return { name, trainMs, heapMb: heap, p50, p99, scores };
}

/**
 * 300 made-up intents × 50 examples: each intent has four keywords of its own (made-up
 * syllables) mixed with common words of the bundled phrases, plus 5 unseen queries per intent.
 */
function synthetic(intents: number, perIntent: number, vocabulary: string[]) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
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

function print(title: string, rows: Row[]) {
  console.log(`\n${title}`);
  const files = rows[0].scores.map((s) => s.file);
  const header = [
    '',
    'train ms',
    'heap MB',
    'p50 ms',
    'p99 ms',
    ...files.flatMap((f) => [`${f} acc`, `${f} OOS`]),
  ];
  const lines = rows.map((r) => [
    r.name,
    ms(r.trainMs),
    r.heapMb.toFixed(1),
    ms(r.p50),
    ms(r.p99),
    ...r.scores.flatMap((s) => [pct(s.accuracy), pct(s.rejection)]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const line of [header, ...lines]) console.log(line.map((c, i) => c.padStart(widths[i])).join('  '));
}

void runCli(async () => {
  const config = cliConfig();
  const data = readTrainingData(config.INTENTS_DIR);
  const paths = process.argv.slice(2).length
    ? process.argv.slice(2)
    : ['tests/fixtures/nlu/heldout.jsonl', '../shared/eval/dev.jsonl'].filter((f) => fs.existsSync(f));
  const files = new Map(paths.map((f) => [f.split('/').pop()!, readLabelled(f)]));
  const phrases = data.intents.reduce((n, i) => n + i.phrases.length, 0);
  console.log(
    `bundled: ${data.intents.length} intents, ${phrases} phrases, ${data.outOfScope.length} out-of-scope; ` +
      `threshold ${config.NLU_THRESHOLD}; node ${process.version}${gc ? '' : ' (run with --expose-gc for exact heap)'}`,
  );

  const ours = await benchOurs('ours', data, config.NLU_THRESHOLD, files);
  const nlpjs = await benchNlpJs('NLP.js', data, files);
  print('bundled intents', [ours, nlpjs]);
  for (const [i, s] of ours.scores.entries())
    console.log(
      `${s.file}: accuracy ${pct(s.accuracy)} vs NLP.js ${pct(nlpjs.scores[i].accuracy)} ` +
        `(${((s.accuracy - nlpjs.scores[i].accuracy) * 100).toFixed(1)} points)`,
    );

  const vocabulary = [
    ...new Set(data.intents.flatMap((i) => i.phrases.join(' ').toLocaleLowerCase('vi').split(/\s+/))),
  ].filter((w) => /^\p{L}+$/u.test(w));
  const { data: big, queries } = synthetic(300, 50, vocabulary);
  const scaleFiles = new Map([['synthetic', queries]]);
  const oursBig = await benchOurs('ours', big, config.NLU_THRESHOLD, scaleFiles);
  const nlpjsBig = await benchNlpJs('NLP.js', big, scaleFiles);
  print('synthetic scale-up: 300 intents × 50 examples (1,500 queries)', [oursBig, nlpjsBig]);
});
