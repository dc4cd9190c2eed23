/**
 * A first intent matcher: TF-IDF vectors of folded unigrams and bigrams, nearest training
 * phrase by cosine similarity. Out-of-scope examples compete as their own class, so a
 * message closest to one of them is refused.
 */
import type { Knowledge } from '../knowledge/loader';
import { normalise, type NormalisedText } from './normalise';

export interface Classification {
  intent: string | null;
  confidence: number;
  normalised: NormalisedText;
}

export interface IntentClassifier {
  classify(text: string): Classification;
}

export interface ClassifierOptions {
  /** Below this similarity the message is out of scope. */
  threshold: number;
}

type Vector = Map<string, number>;

function features(tokens: string[]): string[] {
  const out = [...tokens];
  for (let i = 0; i + 1 < tokens.length; i++) out.push(`${tokens[i]}_${tokens[i + 1]}`);
  return out;
}

export function trainClassifier(
  knowledge: Pick<Knowledge, 'intents' | 'outOfScope' | 'abbreviations'>,
  options: ClassifierOptions,
): IntentClassifier {
  const examples: { intent: string | null; feats: string[] }[] = [];
  for (const intent of knowledge.intents)
    for (const phrase of intent.phrases)
      examples.push({
        intent: intent.id,
        feats: features(normalise(phrase, knowledge.abbreviations).tokens),
      });
  for (const phrase of knowledge.outOfScope)
    examples.push({ intent: null, feats: features(normalise(phrase, knowledge.abbreviations).tokens) });

  const documentFrequency = new Map<string, number>();
  for (const e of examples)
    for (const f of new Set(e.feats)) documentFrequency.set(f, (documentFrequency.get(f) ?? 0) + 1);
  const idf = (f: string) => Math.log((1 + examples.length) / (1 + (documentFrequency.get(f) ?? 0))) + 1;

  const vectorize = (feats: string[]): Vector => {
    const v: Vector = new Map();
    for (const f of feats) if (documentFrequency.has(f)) v.set(f, (v.get(f) ?? 0) + idf(f));
    let norm = 0;
    for (const x of v.values()) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (const [k, x] of v) v.set(k, x / norm);
    return v;
  };
  const vectors = examples.map((e) => ({ intent: e.intent, v: vectorize(e.feats) }));

  return {
    classify(text: string): Classification {
      const normalised = normalise(text, knowledge.abbreviations);
      const query = vectorize(features(normalised.tokens));
      let best: { intent: string | null; score: number } = { intent: null, score: 0 };
      for (const { intent, v } of vectors) {
        let score = 0;
        for (const [k, x] of query) score += x * (v.get(k) ?? 0);
        if (score > best.score) best = { intent, score };
      }
      const confidence = Math.round(best.score * 1000) / 1000;
      const intent = best.intent !== null && best.score >= options.threshold ? best.intent : null;
      return { intent, confidence, normalised };
    },
  };
}
