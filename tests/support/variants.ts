/**
 * Rewrites a message the ways citizens' keyboards and habits do: without diacritics, in NFD,
 * in teencode, or typed in Telex with the input method switched off.
 */
import { foldAccents } from '../../src/nlu/normalise';

export const withoutDiacritics = (text: string) => foldAccents(text);

export const nfd = (text: string) => text.normalize('NFD');

const TEENCODE: [RegExp, string][] = [
  [/\bkhông\b|\bkhong\b/g, 'ko'],
  [/\bđược\b|\bduoc\b/g, 'dc'],
  [/\bđăng ký\b|\bdang ky\b/g, 'dk'],
  [/\bhồ sơ\b|\bho so\b/g, 'hs'],
  [/\btài khoản\b|\btai khoan\b/g, 'tk'],
  [/\bcăn cước công dân\b|\bcan cuoc cong dan\b/g, 'cccd'],
  [/\bbảo hiểm y tế\b|\bbao hiem y te\b/g, 'bhyt'],
  [/\bgì\b|\bgi\b/g, 'j'],
  [/\bvới\b|\bvoi\b/g, 'vs'],
  [/\bvậy\b|\bvay\b/g, 'z'],
  [/\bngười\b|\bnguoi\b/g, 'ng'],
  [/\bquên\b|\bquen\b/g, 'wen'],
  [/\bgiúp\b|\bgiup\b/g, 'jup'],
  [/\bphải\b|\bphai\b/g, 'fai'],
  [/\blàm\b|\blam\b/g, 'lm'],
];

/** Teencode on the lowercase message; words not in the list stay as they are. */
export function teencode(text: string): string {
  let out = text.toLocaleLowerCase('vi').normalize('NFC');
  for (const [pattern, replacement] of TEENCODE) out = out.replace(pattern, replacement);
  return out;
}

const TONE_KEYS: Record<string, string> = {
  '\u0301': 's',
  '\u0300': 'f',
  '\u0309': 'r',
  '\u0303': 'x',
  '\u0323': 'j',
};
const PSEUDO_TONES = ['s', 'f', 'r', 'x', 'j', ''];
const SYLLABLE = /^[bcdghklmnpqrstvx]*[aeiouy]{1,3}[cmnptgh]*$/;

function hash(word: string): number {
  let h = 7;
  for (const c of word) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

/** One word as typed in Telex with the input method off ("cước" → "cuwowcs"). */
export function telexWord(word: string): string {
  const lower = word.toLocaleLowerCase('vi');
  if (foldAccents(lower) === lower) {
    // No diacritics to recover: add the keys a Telex typist might have left (tone, đ).
    if (!SYLLABLE.test(lower)) return lower;
    const h = hash(lower);
    const initial = lower.startsWith('d') && h % 2 === 0 ? `d${lower}` : lower;
    return initial + PSEUDO_TONES[h % PSEUDO_TONES.length];
  }
  let tone = '';
  let out = '';
  for (const ch of lower.normalize('NFD')) {
    if (TONE_KEYS[ch]) tone = TONE_KEYS[ch];
    else if (ch === '\u0302')
      out += out[out.length - 1]; // â ê ô → aa ee oo
    else if (ch === '\u0306' || ch === '\u031b')
      out += 'w'; // ă ơ ư → aw ow uw
    else if (ch === 'đ') out += 'dd';
    else out += ch;
  }
  return out + tone;
}

export function telex(text: string): string {
  return text
    .normalize('NFC')
    .split(/(\s+)/)
    .map((part) => (/\s/.test(part) ? part : telexWord(part.replace(/[^\p{L}\p{N}]/gu, ''))))
    .join('');
}

/** Every rewrite, by the name tests and `npm run bench:nlu` print. */
export const VARIANTS: [name: string, rewrite: (text: string) => string][] = [
  ['without diacritics', withoutDiacritics],
  ['NFD', nfd],
  ['teencode', teencode],
  ['Telex leftovers', telex],
];
