/**
 * Fast folding of the catalogue's own text (names, aliases, keywords) for the index. The
 * portal's text is clean Vietnamese, so the message normaliser's repair is not needed here,
 * only its accent folding and its abbreviation list; this runs over ~6,000 names at start-up
 * in a few tens of milliseconds where the full normaliser takes several hundred.
 */
import { foldAccents } from '../nlu/normalise';

const MARKS = /[\u0300-\u036f]/g;

/** Lowercase, without diacritics (đ → d), split on anything that is not a letter or digit. */
export function foldWords(text: string): string[] {
  const folded = text.toLowerCase().normalize('NFD').replace(MARKS, '').replace(/đ/g, 'd');
  const words = folded.split(/[^a-z0-9]+/);
  // Letters outside Vietnamese (rare in names) go through the full fold.
  if (/[^ -~]/.test(folded))
    return foldAccents(text.toLowerCase())
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  return words.filter(Boolean);
}

/** Expands single-word abbreviations that need no context ("ubnd" → "uy ban nhan dan"). */
export function catalogueTokeniser(
  abbreviations: Readonly<Record<string, unknown>>,
): (text: string) => string[] {
  const simple = new Map<string, string[]>();
  for (const [key, value] of Object.entries(abbreviations))
    if (typeof value === 'string') simple.set(foldWords(key).join(' '), foldWords(value));
  return (text) => foldWords(text).flatMap((w) => simple.get(w) ?? [w]);
}
