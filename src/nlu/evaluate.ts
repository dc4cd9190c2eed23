/**
 * Scores a classifier on labelled messages (`{"text", "intent": id | null}` JSONL, the format
 * of tests/fixtures/eval/dev.jsonl): in-scope top-1 accuracy, out-of-scope rejection, per-intent
 * precision/recall/F1, the most frequent confusions and every misclassified message.
 */
import fs from 'node:fs';
import { z } from 'zod';

export interface LabelledMessage {
  text: string;
  /** null: out of scope, the bot must answer with its fallback. */
  intent: string | null;
}

const lineSchema = z.object({ text: z.string(), intent: z.string().nullable() });

/** Reads a JSONL file; a bad line throws an error naming the file and line. */
export function readLabelled(file: string): LabelledMessage[] {
  const out: LabelledMessage[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(
          `${file}:${i + 1}: not valid JSON; expected {"text": "...", "intent": "<id>" | null}`,
        );
      }
      const result = lineSchema.safeParse(parsed);
      if (!result.success)
        throw new Error(`${file}:${i + 1}: expected {"text": "...", "intent": "<id>" | null}`);
      out.push(result.data);
    });
  return out;
}

export interface IntentScore {
  intent: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  total: number;
  inScope: number;
  outOfScope: number;
  /** Share of in-scope messages given their exact intent (0–1). */
  inScopeAccuracy: number;
  /** Share of out-of-scope messages refused (0–1); 1 when there are none. */
  outOfScopeRejection: number;
  perIntent: IntentScore[];
  confusions: { expected: string; predicted: string; count: number }[];
  misclassified: { text: string; expected: string | null; predicted: string | null; confidence: number }[];
}

const NONE = '(fallback)';

export function evaluate(
  classify: (text: string) => { intent: string | null; confidence: number },
  messages: LabelledMessage[],
): Evaluation {
  const stats = new Map<string, { tp: number; fp: number; fn: number; support: number }>();
  const stat = (id: string) => {
    let s = stats.get(id);
    if (!s) stats.set(id, (s = { tp: 0, fp: 0, fn: 0, support: 0 }));
    return s;
  };
  const confusions = new Map<string, number>();
  const misclassified: Evaluation['misclassified'] = [];
  let inScope = 0;
  let correct = 0;
  let outOfScope = 0;
  let rejected = 0;
  for (const m of messages) {
    const { intent, confidence } = classify(m.text);
    if (m.intent === null) {
      outOfScope++;
      if (intent === null) rejected++;
    } else {
      inScope++;
      stat(m.intent).support++;
      if (intent === m.intent) correct++;
    }
    if (intent === m.intent) {
      if (intent) stat(intent).tp++;
      continue;
    }
    if (m.intent) stat(m.intent).fn++;
    if (intent) stat(intent).fp++;
    const key = `${m.intent ?? NONE}\t${intent ?? NONE}`;
    confusions.set(key, (confusions.get(key) ?? 0) + 1);
    misclassified.push({ text: m.text, expected: m.intent, predicted: intent, confidence });
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  const perIntent = [...stats.entries()]
    .map(([intent, s]) => {
      const precision = ratio(s.tp, s.tp + s.fp);
      const recall = ratio(s.tp, s.tp + s.fn);
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { intent, precision, recall, f1, support: s.support };
    })
    .sort((a, b) => a.intent.localeCompare(b.intent));
  return {
    total: messages.length,
    inScope,
    outOfScope,
    inScopeAccuracy: ratio(correct, inScope),
    outOfScopeRejection: ratio(rejected, outOfScope),
    perIntent,
    confusions: [...confusions.entries()]
      .map(([key, count]) => {
        const [expected, predicted] = key.split('\t');
        return { expected, predicted, count };
      })
      .sort((a, b) => b.count - a.count || a.expected.localeCompare(b.expected)),
    misclassified,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A plain-text report for the terminal. */
export function formatEvaluation(e: Evaluation, topConfusions = 10): string {
  const lines = [
    `messages: ${e.total} (${e.inScope} in scope, ${e.outOfScope} out of scope)`,
    `in-scope top-1 accuracy: ${pct(e.inScopeAccuracy)}`,
    `out-of-scope rejection:  ${pct(e.outOfScopeRejection)}`,
    '',
    `${'intent'.padEnd(26)} ${'P'.padStart(6)} ${'R'.padStart(6)} ${'F1'.padStart(6)} ${'n'.padStart(4)}`,
    ...e.perIntent.map(
      (s) =>
        `${s.intent.padEnd(26)} ${pct(s.precision).padStart(6)} ${pct(s.recall).padStart(6)} ${pct(s.f1).padStart(6)} ${String(s.support).padStart(4)}`,
    ),
    '',
    'top confusions (expected → predicted):',
    ...(e.confusions.length === 0
      ? ['  none']
      : e.confusions.slice(0, topConfusions).map((c) => `  ${c.count}× ${c.expected} → ${c.predicted}`)),
    '',
    'misclassified:',
    ...(e.misclassified.length === 0
      ? ['  none']
      : e.misclassified.map(
          (m) =>
            `  "${m.text}": expected ${m.expected ?? NONE}, got ${m.predicted ?? NONE} (${m.confidence.toFixed(3)})`,
        )),
  ];
  return lines.join('\n');
}
