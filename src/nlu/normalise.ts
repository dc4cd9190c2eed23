/**
 * Vietnamese text normalisation: the same message typed with or without diacritics,
 * in NFC or NFD, with punctuation or emoji, normalises to the same tokens.
 */
import type { Abbreviations } from '../knowledge/schema';

export interface NormalisedText {
  /** Lowercase NFC text with punctuation and emoji removed; diacritics kept. */
  accented: string;
  /** `accented` without diacritics (đ → d): what most citizens type. */
  folded: string;
  /** Folded tokens after abbreviation expansion. */
  tokens: string[];
}

/** Removes diacritics, including đ/Đ → d/D which Unicode does not decompose. */
export function foldAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

/** NFC, lowercase, every non-letter/digit run turned into one space. */
export function cleanText(text: string): string {
  return text
    .normalize('NFC')
    .toLocaleLowerCase('vi')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function normalise(text: string, abbreviations: Abbreviations = {}): NormalisedText {
  const accented = cleanText(text);
  const folded = foldAccents(accented);
  const tokens = folded
    .split(' ')
    .filter(Boolean)
    .flatMap((token) =>
      Object.hasOwn(abbreviations, token) ? foldAccents(cleanText(abbreviations[token])).split(' ') : [token],
    );
  return { accented, folded, tokens };
}
