/**
 * Sparse features of a normalised message: folded syllable unigrams and bigrams, character
 * trigrams of each folded syllable (robust to the typos repair does not catch), and the
 * accented syllables when the citizen typed diacritics.
 */
import type { NormalisedText } from './normalise';

/** Feature name → value; the vector is L2-normalised so long messages do not dominate. */
export type FeatureVector = Map<string, number>;

const WEIGHT = { word: 1, bigram: 1, char: 0.35, accented: 0.5 } as const;

function add(v: FeatureVector, name: string, value: number) {
  v.set(name, (v.get(name) ?? 0) + value);
}

export function extractFeatures(text: Pick<NormalisedText, 'tokens' | 'accentedTokens'>): FeatureVector {
  const v: FeatureVector = new Map();
  const { tokens } = text;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    add(v, `w:${t}`, WEIGHT.word);
    if (i + 1 < tokens.length) add(v, `b:${t} ${tokens[i + 1]}`, WEIGHT.bigram);
    const padded = `<${t}>`;
    if (padded.length > 3)
      for (let j = 0; j + 3 <= padded.length; j++) add(v, `c:${padded.slice(j, j + 3)}`, WEIGHT.char);
  }
  for (const a of text.accentedTokens) add(v, `a:${a}`, WEIGHT.accented);
  let norm = 0;
  for (const x of v.values()) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [k, x] of v) v.set(k, x / norm);
  return v;
}
