/**
 * Vietnamese text normalisation: the same message typed with or without diacritics, in NFC
 * or NFD, with punctuation, emoji, teencode, Telex/VNI leftovers or a one-key typo,
 * normalises to the same folded tokens.
 *
 * Pipeline per message: NFKC + lowercase → non-letters to spaces → fold accents (đ → d) →
 * per token: abbreviation/teencode expansion (with context rules for ambiguous ones) →
 * repair of words unknown to the training vocabulary (VNI digits, Telex letters, teencode
 * spellings, two words typed together, Damerau–Levenshtein distance 1).
 */
import type { Abbreviations } from './intents-schema';

export interface NormalisedText {
  /** Lowercase NFC text with punctuation and emoji removed; diacritics kept. */
  accented: string;
  /** `accented` without diacritics (đ → d): what most citizens type. */
  folded: string;
  /** Folded tokens after abbreviation expansion and repair: what the classifier reads. */
  tokens: string[];
  /** The words that were typed with diacritics, as typed (lowercase NFC). */
  accentedTokens: string[];
}

/** Removes diacritics, including đ/Đ → d/D which Unicode does not decompose. */
export function foldAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

/**
 * NFKC (so NFD input and full-width letters behave like NFC), lowercase, every run of
 * characters that is not a letter, digit or combining mark turned into one space.
 */
export function cleanText(text: string): string {
  return text
    .normalize('NFKC')
    .toLocaleLowerCase('vi')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
    .trim();
}

/** Start and end of the message, as written in abbreviation context rules. */
const START = '^';
const END = '$';

interface CompiledRule {
  expand: string[];
  previous?: ReadonlySet<string>;
  next?: ReadonlySet<string>;
}
interface CompiledAbbreviation {
  rules: CompiledRule[];
  /** Undefined: an ambiguous abbreviation no rule resolves is left as typed. */
  fallback?: string[];
}

const foldedWords = (text: string) => foldAccents(cleanText(text)).split(' ').filter(Boolean);
const foldedSet = (words: string[] | undefined) =>
  words && new Set(words.map((w) => (w === START || w === END ? w : foldAccents(cleanText(w)))));

/** Keys are folded ("đk" and "dk" are the same key); a Map so "constructor" is just a word. */
export function compileAbbreviations(abbreviations: Abbreviations): Map<string, CompiledAbbreviation> {
  const out = new Map<string, CompiledAbbreviation>();
  for (const [key, value] of Object.entries(abbreviations)) {
    const entry: CompiledAbbreviation =
      typeof value === 'string'
        ? { rules: [], fallback: foldedWords(value) }
        : {
            rules: value.rules.map((r) => ({
              expand: foldedWords(r.expand),
              previous: foldedSet(r.previous),
              next: foldedSet(r.next),
            })),
            fallback: value.default === undefined ? undefined : foldedWords(value.default),
          };
    out.set(foldAccents(cleanText(key)), entry);
  }
  return out;
}

function expandAbbreviation(
  entry: CompiledAbbreviation,
  previous: string,
  next: string,
): string[] | undefined {
  for (const rule of entry.rules) {
    if (rule.previous && !rule.previous.has(previous)) continue;
    if (rule.next && !rule.next.has(next)) continue;
    return rule.expand;
  }
  return entry.fallback;
}

/** Vietnamese vowels after folding; Telex tone and shape keys only ever follow one. */
const VOWEL = /[aeiouy]/;
/** A tone key ends the syllable's vowels: one followed by a vowel is a letter ("hoso"). */
const TELEX_TONE = /[sfrxjz](?![aeiouy])/g;

/**
 * Folded spellings a Telex/VNI/teencode leftover may stand for, most specific first:
 * "cuwowcs" → "cuoc", "d9a7ng" → "dang", "wen" → "quen", "jup" → "giup".
 */
export function respellings(token: string): string[] {
  const out: string[] = [];
  if (/\d/.test(token) && /[a-z]/.test(token)) out.push(token.replace(/\d/g, '')); // VNI keys
  const firstVowel = token.search(VOWEL);
  if (firstVowel >= 0) {
    // Telex: tone keys after the first vowel, "w" for horn/breve, doubled letters for â/ê/ô/đ.
    const head = token.slice(0, firstVowel);
    const tail = token.slice(firstVowel).replace(TELEX_TONE, '').replace(/w/g, '');
    out.push((head.replace(/w/g, 'u').replace(/dd/g, 'd') + tail).replace(/([aeod])\1/g, '$1'));
  }
  // Teencode spellings of initial consonants.
  const initials: [RegExp, string][] = [
    [/^w/, 'qu'],
    [/^j/, 'gi'],
    [/^f/, 'ph'],
    [/^dz/, 'd'],
    [/^dz/, 'v'],
    [/^z/, 'd'],
    [/^z/, 'v'],
    [/^k(?=[aou])/, 'c'],
  ];
  for (const [pattern, replacement] of initials)
    if (pattern.test(token)) out.push(token.replace(pattern, replacement));
  return out.filter((s) => s.length > 0 && s !== token);
}

/** Every string at Damerau–Levenshtein distance 1 from `word` (optimal string alignment). */
export function edits1(word: string): Set<string> {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    const [a, b] = [word.slice(0, i), word.slice(i)];
    if (b) out.add(a + b.slice(1));
    if (b.length > 1) out.add(a + b[1] + b[0] + b.slice(2));
    for (const c of letters) {
      if (b) out.add(a + c + b.slice(1));
      out.add(a + c + b);
    }
  }
  out.delete(word);
  return out;
}

/** Typos are only repaired in words this long: shorter ones have too many neighbours. */
const TYPO_MIN_LENGTH = 4;
const MERGED_MIN_LENGTH = 4;
/**
 * Longer "words" are left as typed: three merged Telex syllables fit (the longest syllable,
 * "nghieeng" + a tone key, has 9 letters), and nothing longer is a slip of a known word.
 * Without this bound one random 2,000-letter word cost ~110,000 candidate strings of 2,000
 * characters each: 0.45 s of blocked event loop (issue #13, finding 1).
 */
export const REPAIR_MAX_LENGTH = 24;
/**
 * Vocabulary lookups the merge and typo repairs may spend on one message (a 24-letter word
 * costs ~1,350, a 6-letter one ~380): a message of hundreds of unknown words stays within a
 * few milliseconds, while a citizen's message with a handful of slips is fully repaired.
 */
export const REPAIR_BUDGET = 20_000;
/** Candidates edits1 makes for a word of `length` letters (26 insertions + 26 substitutions…). */
const typoCost = (length: number) => 54 * (length + 1);

/** What is left of one message's REPAIR_BUDGET; `cut` once a repair step was skipped. */
interface Budget {
  left: number;
  cut: boolean;
}

/**
 * Normalises messages against one vocabulary (the folded words of the training phrases,
 * with their counts) and one abbreviation dictionary. Repair only touches words the
 * vocabulary does not know, so a correctly typed word is never changed.
 */
export class Normaliser {
  private readonly abbreviations: Map<string, CompiledAbbreviation>;
  private readonly repairs = new Map<string, string[] | null>();

  constructor(
    abbreviations: Abbreviations = {},
    private readonly vocabulary: ReadonlyMap<string, number> = new Map(),
  ) {
    this.abbreviations = compileAbbreviations(abbreviations);
  }

  normalise(text: string): NormalisedText {
    const accented = cleanText(text);
    const accentedWords = accented ? accented.split(' ') : [];
    // "alooo", "ơiiii": vowels held down (consonants too would break "cccd").
    const words = accentedWords.map((w) => foldAccents(w).replace(/([aeiouy])\1{2,}/g, '$1'));
    // A message typed with VNI keys left in ("d9a8ng ky1"): trailing digits are tone keys too.
    const vni = words.some((w) => /[a-z]\d+[a-z]/.test(w));
    const budget: Budget = { left: REPAIR_BUDGET, cut: false };
    const tokens: string[] = [];
    words.forEach((word, i) => {
      const previous = i > 0 ? words[i - 1] : START;
      const next = i + 1 < words.length ? words[i + 1] : END;
      tokens.push(...this.resolve(word, previous, next, vni, budget));
    });
    const accentedTokens = accentedWords.filter((w, i) => w !== words[i] && /\p{L}/u.test(w));
    return { accented, folded: words.join(' '), tokens, accentedTokens };
  }

  private resolve(word: string, previous: string, next: string, vni: boolean, budget: Budget): string[] {
    const abbreviation = this.abbreviations.get(word);
    if (abbreviation) return expandAbbreviation(abbreviation, previous, next) ?? [word];
    if (this.vocabulary.size === 0 || word.length > REPAIR_MAX_LENGTH) return [word];
    if (this.vocabulary.has(word) || /^\d+$/.test(word)) return [word];
    const key = vni ? `vni:${word}` : word;
    let repaired = this.repairs.get(key);
    if (repaired === undefined) {
      repaired = this.repair(word, vni, budget);
      // Bounded: a flood of random words must not grow memory without limit. A result cut
      // short by the budget is not the word's answer: it is not remembered.
      if (this.repairs.size > 50_000) this.repairs.clear();
      if (!budget.cut) this.repairs.set(key, repaired);
    }
    if (!repaired) return [word];
    return repaired.flatMap((w) => {
      const a = this.abbreviations.get(w);
      return (a && expandAbbreviation(a, previous, next)) ?? [w];
    });
  }

  private known(word: string): boolean {
    return this.vocabulary.has(word) || this.abbreviations.has(word);
  }

  /** The repaired words for an unknown word, or null when nothing convincing is found. */
  private repair(word: string, vni: boolean, budget: Budget): string[] | null {
    const stripped = word.replace(/\d/g, '');
    if (vni && stripped && this.known(stripped)) return [stripped];
    // "muc2", "50k": a word and a number typed together.
    const split = /^(\p{L}+)(\d+)$/u.exec(word) ?? /^(\d+)(\p{L}+)$/u.exec(word);
    if (split && (this.known(split[1]) || this.known(split[2]))) return [split[1], split[2]];
    for (const candidate of respellings(word)) if (this.known(candidate)) return [candidate];
    if (!/^[a-z]+$/.test(word)) return null;
    if (word.length >= MERGED_MIN_LENGTH && this.spend(budget, word.length * word.length)) {
      const words = this.split(word, 2) ?? (word.length >= 6 ? this.split(word, 3) : undefined);
      if (words) return words;
    }
    if (word.length >= TYPO_MIN_LENGTH && this.spend(budget, typoCost(word.length))) {
      let best: { word: string; count: number } | undefined;
      let abbreviation: string | undefined;
      for (const candidate of edits1(word)) {
        const count = this.vocabulary.get(candidate);
        if (count !== undefined && (!best || count > best.count)) best = { word: candidate, count };
        // "llttp", "bhty": a slip in a shorthand of 4+ letters (shorter ones are too close to
        // each other and to real words). Only when no vocabulary word is as close.
        if (candidate.length >= TYPO_MIN_LENGTH && this.abbreviations.has(candidate))
          abbreviation ??= candidate;
      }
      if (best) return [best.word];
      if (abbreviation) return [abbreviation];
    }
    return null;
  }

  /** Takes `cost` lookups from the message's budget; false (and marks it cut) when too few are left. */
  private spend(budget: Budget, cost: number): boolean {
    if (cost > budget.left) {
      budget.cut = true;
      return false;
    }
    budget.left -= cost;
    return true;
  }

  /**
   * Two or three known words typed together ("hoso", "nophoso"), each at least two letters:
   * the split whose rarest word is the most frequent in training, or undefined.
   */
  private split(word: string, parts: 2 | 3): string[] | undefined {
    let best: { words: string[]; count: number } | undefined;
    for (let i = 2; i <= word.length - 2 * (parts - 1); i++) {
      const head = word.slice(0, i);
      if (!this.known(head)) continue;
      const tails = parts === 2 ? [[word.slice(i)]] : this.splits(word.slice(i));
      for (const tail of tails) {
        if (!tail.every((w) => this.known(w))) continue;
        const count = Math.min(this.count(head), ...tail.map((w) => this.count(w)));
        if (!best || count > best.count) best = { words: [head, ...tail], count };
      }
    }
    return best?.words;
  }

  /** Every way to cut `word` into two parts of at least two letters. */
  private splits(word: string): string[][] {
    const out: string[][] = [];
    for (let i = 2; i <= word.length - 2; i++) out.push([word.slice(0, i), word.slice(i)]);
    return out;
  }

  private count(word: string): number {
    return this.vocabulary.get(word) ?? 1;
  }
}

/** Normalisation without a vocabulary (no repair), for callers that have no classifier. */
export function normalise(text: string, abbreviations: Abbreviations = {}): NormalisedText {
  return new Normaliser(abbreviations).normalise(text);
}
