import { cleanText, edits1, foldAccents, normalise, Normaliser, respellings } from '../../src/nlu/normalise';
import type { Abbreviations } from '../../src/knowledge/schema';
import { renderMessage } from '../../src/core/content-messages';
import { abbreviationsFileSchema } from '../../src/knowledge/schema';

const abbreviations: Abbreviations = {
  cccd: 'căn cước công dân',
  ko: 'không',
  dc: 'được',
  đk: {
    default: 'đăng ký',
    rules: [
      { expand: 'được', previous: ['khong', 'ko'] },
      { expand: 'điều kiện', previous: ['du'] },
    ],
  },
  mk: { rules: [{ expand: 'mật khẩu', previous: ['quen'] }] },
  hông: { rules: [{ expand: 'không', next: ['$', 'nha'] }] },
};
const vocabulary = new Map(
  Object.entries({
    can: 5,
    cuoc: 5,
    cong: 9,
    dan: 4,
    dang: 7,
    ky: 7,
    tam: 3,
    tru: 3,
    quen: 2,
    giup: 2,
    lam: 8,
    muc: 4,
    vneid: 6,
    hong: 1,
    nop: 3,
    ho: 6,
    so: 6,
    the: 2,
  }),
);
const n = new Normaliser(abbreviations, vocabulary);
const tokens = (text: string) => n.normalise(text).tokens.join(' ');

describe('cleanText / foldAccents', () => {
  it('makes NFD input identical to NFC input', () => {
    const nfc = 'Đăng ký thường trú';
    expect(nfc.normalize('NFD')).not.toBe(nfc);
    expect(normalise(nfc.normalize('NFD'))).toEqual(normalise(nfc));
  });

  it('lowercases and turns full-width letters (NFKC) into plain ones', () => {
    expect(cleanText('ＶＮｅＩＤ Mức 2')).toBe('vneid mức 2');
  });

  it('strips punctuation and emoji but keeps letters and digits', () => {
    expect(cleanText('Làm CCCD ở đâu???😭🙏 (gấp!!) 1022')).toBe('làm cccd ở đâu gấp 1022');
  });

  it('folds every accent including đ/Đ', () => {
    expect(foldAccents('Đề án 06 đăng ký Ưu tiên hỗ trợ')).toBe('De an 06 dang ky Uu tien ho tro');
  });

  it('keeps the accented form for features, only for words typed with accents', () => {
    const r = normalise('đăng ky tạm tru');
    expect(r.folded).toBe('dang ky tam tru');
    expect(r.accented).toBe('đăng ky tạm tru');
    expect(r.accentedTokens).toEqual(['đăng', 'tạm']);
  });

  it('collapses vowels repeated three times or more ("alooo", "ơiiii") but not "cccd"', () => {
    expect(normalise('alooo ad ơiiii cccd').tokens).toEqual(['alo', 'ad', 'oi', 'cccd']);
  });

  it('returns no token for an empty or emoji-only message', () => {
    expect(normalise('  🙏🙏 ... ').tokens).toEqual([]);
  });
});

describe('abbreviations', () => {
  it('expands plain abbreviations, accented or not', () => {
    expect(tokens('lam cccd ko dc')).toBe('lam can cuoc cong dan khong duoc');
  });

  it('resolves "đk"/"dk" by the word before, else by its default', () => {
    expect(tokens('đk tạm trú')).toBe('dang ky tam tru');
    expect(tokens('lam ko dk')).toBe('lam khong duoc');
    expect(tokens('du dk lam the')).toBe('du dieu kien lam the');
  });

  it('leaves an ambiguous abbreviation with no default alone when no rule matches', () => {
    expect(tokens('quen mk vneid')).toBe('quen mat khau vneid');
    expect(tokens('mk muon hoi')).toBe('mk muon hoi');
  });

  it('matches "$" (end of message) in a context rule', () => {
    expect(tokens('lam vneid dc hông')).toBe('lam vneid duoc khong');
    expect(tokens('hông biet lam')).toBe('hong biet lam');
  });

  it('treats words like "constructor" as plain words, not object keys', () => {
    expect(tokens('constructor toString __proto__')).toBe('constructor tostring proto');
  });

  it('rejects a context rule that names no context, with a clear message', () => {
    const result = abbreviationsFileSchema.safeParse({
      abbreviations: { dk: { rules: [{ expand: 'được' }] } },
    });
    expect(result.success).toBe(false);
    // Schema messages are ids of the content:check catalogue, shown in Vietnamese or English.
    const messages = result.error?.issues.map((i) => renderMessage({ id: i.message, params: {} }, 'en'));
    expect(messages?.join()).toMatch(/expected "previous" or "next"/);
  });
});

describe('repair of words unknown to the vocabulary', () => {
  it('repairs Telex leftovers ("cuwowcs", "ddawng kys")', () => {
    expect(tokens('can cuwowcs')).toBe('can cuoc');
    expect(tokens('ddawng kys tajm truw')).toBe('dang ky tam tru');
  });

  it('reads a tone key followed by a vowel as a letter ("hoso" is not "hồ")', () => {
    expect(respellings('hoso')).not.toContain('ho');
    expect(respellings('tajm')).toContain('tam');
  });

  it('repairs VNI leftovers ("d9a7ng")', () => {
    expect(tokens('d9a8ng ky1')).toBe('dang ky');
    expect(tokens('lam muc2')).toBe('lam muc 2'); // no VNI elsewhere: a word and a number
  });

  it('repairs teencode spellings of initials ("wen" → quen, "jup" → giup)', () => {
    expect(tokens('wen mat khau')).toBe('quen mat khau');
    expect(tokens('jup em')).toBe('giup em');
  });

  it('splits a word and a number typed together ("muc2")', () => {
    expect(tokens('vneid muc2')).toBe('vneid muc 2');
  });

  it('splits two known words typed together ("cancuoc")', () => {
    expect(tokens('lam cancuoc')).toBe('lam can cuoc');
  });

  it('splits four-letter merges and three known words typed together ("hoso", "nophoso")', () => {
    expect(tokens('hoso toi dau')).toBe('ho so toi dau');
    expect(tokens('nophoso online')).toBe('nop ho so online');
    expect(tokens('dangkytamtru')).toBe('dangkytamtru'); // four words: left as typed
    expect(tokens('hovt')).toBe('hovt'); // "ho" + "vt": "vt" is unknown
  });

  it('corrects one typo (Damerau–Levenshtein ≤ 1) in words of 4+ letters', () => {
    expect(tokens('cuco')).toBe('cuoc'); // transposition
    expect(tokens('vnied')).toBe('vneid'); // transposition
    expect(tokens('qenu')).toBe('qenu'); // two edits from "quen": left alone
  });

  it('corrects one typo in a shorthand of 4+ letters, then expands it ("ccdd", "cccdd")', () => {
    expect(tokens('lam ccdd')).toBe('lam can cuoc cong dan'); // substitution
    expect(tokens('lam cccdd')).toBe('lam can cuoc cong dan'); // insertion
    expect(tokens('lam kod')).toBe('lam kod'); // "ko" has 2 letters: too short to guess
  });

  it('never changes a word the vocabulary knows, nor a number', () => {
    expect(tokens('hong 1022')).toBe('hong 1022');
  });

  it('leaves words alone when there is no vocabulary', () => {
    expect(normalise('cuwowcs', {}).tokens).toEqual(['cuwowcs']);
  });
});

describe('edits1 / respellings', () => {
  it('lists deletions, transpositions, substitutions and insertions', () => {
    const e = edits1('ab');
    expect(e.has('a')).toBe(true);
    expect(e.has('ba')).toBe(true);
    expect(e.has('xb')).toBe(true);
    expect(e.has('abc')).toBe(true);
    expect(e.has('ab')).toBe(false);
  });

  it('proposes the folded spelling of a Telex word first', () => {
    expect(respellings('nguwowif')[0]).toBe('nguoi');
  });
});

/**
 * The repair's work is counted as vocabulary lookups (a counting Map), not timed: a 2,000-
 * character message of any shape must stay within a fixed number of lookups, so no message
 * can hold the event loop (finding 1 of issue #13: one random 2,000-letter word cost
 * ~110,000 lookups and 0.45 s). bench:hostile measures the time.
 */
describe('bound on work per message', () => {
  class CountingMap extends Map<string, number> {
    lookups = 0;
    override get(key: string) {
      this.lookups++;
      return super.get(key);
    }
    override has(key: string) {
      this.lookups++;
      return super.has(key);
    }
  }
  // A deterministic "random" generator, so a failure reproduces.
  let seed = 42;
  const letter = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return String.fromCharCode(97 + (seed % 26));
  };
  const word = (length: number) => Array.from({ length }, letter).join('');
  const message = (length: number) => {
    const words: string[] = [];
    while (words.join(' ').length + length + 1 <= 2000) words.push(word(length));
    return words.join(' ');
  };
  const LOOKUPS_PER_MESSAGE = 60_000;

  it.each([
    ['one 2,000-letter word', word(2000)],
    ['24-letter words', message(24)],
    ['12-letter words', message(12)],
    ['6-letter words', message(6)],
    ['4-letter words', message(4)],
    ['2-letter words', message(2)],
    [
      'words and numbers',
      message(11)
        .replace(/(\w{5})/g, '$1 7')
        .slice(0, 2000),
    ],
  ])('%s: a bounded number of vocabulary lookups', (_shape, text) => {
    expect(text.length).toBeLessThanOrEqual(2000);
    const counting = new CountingMap(vocabulary);
    const normaliser = new Normaliser(abbreviations, counting);
    normaliser.normalise(text);
    expect(counting.lookups).toBeLessThanOrEqual(LOOKUPS_PER_MESSAGE);
  });

  it('still repairs typos in the first words of a long message', () => {
    const counting = new CountingMap(vocabulary);
    const normaliser = new Normaliser(abbreviations, counting);
    expect(normaliser.normalise(`lam cuco ${message(24)}`).tokens.slice(0, 2)).toEqual(['lam', 'cuoc']);
  });
});
