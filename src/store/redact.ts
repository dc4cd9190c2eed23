/**
 * Removes personal data from citizen text before anything is stored. The text is first
 * put in one canonical form — NFKC (full-width digits and letters become plain ones) with
 * zero-width and other invisible characters removed — so what is checked is what is
 * stored, and the normalised text the log derives from it agrees with it.
 *
 * Recognised, with or without diacritics and capitals:
 * - e-mail addresses, also written "an.nguyen @ gmail.com", "(at)", "[at] … [dot]";
 * - names after "tôi tên / em tên / tên tôi là / họ tên:", and after "tôi là" when a
 *   capitalised Vietnamese surname follows;
 * - house addresses: a house number with a street, alley or lane ("số 15 đường Lê Lợi",
 *   "ngách 7/21 …"), and what follows "địa chỉ:" / "địa chỉ của tôi là";
 * - licence plates ("29A-123.45", "59-X2 123.45"), passport numbers ("C1234567");
 * - bank account numbers after "stk / số tài khoản / tk", dates of birth after "sinh
 *   ngày / ngày sinh / sinh năm / ns";
 * - any run of 9 or more digits, even split by spaces, dots, commas, slashes, dashes or
 *   underscores: a phone number (0… or +84…) or an ID number (9-digit CMND, 12-digit CCCD).
 *   A few large amounts of money ("100.000.000") are redacted too, which costs reports
 *   nothing, while a missed ID number would leak one.
 *
 * What is not recognised (a name with no lead-in, an address without a number) is kept:
 * the privacy notice in content/system.yaml says so.
 */

export const REDACTED = {
  email: '[email]',
  phone: '[số điện thoại]',
  idNumber: '[số giấy tờ]',
  name: '[tên]',
  address: '[địa chỉ]',
  plate: '[biển số xe]',
  account: '[số tài khoản]',
  birthDate: '[ngày sinh]',
} as const;

/** Zero-width, joiner, direction and other invisible format characters people paste in. */
const INVISIBLE =
  /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]|\u034f|\u115f|\u1160|\u17b4|\u17b5/g;

/** The canonical form redaction works on and returns: NFKC, invisible characters removed. */
export function canonicalText(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').normalize('NFC');
}

const foldCache = new Map<string, string>();
/**
 * `text` with every accented letter folded to its base letter (đ → d), one UTF-16 unit for
 * one, so a match in it has the same offsets in `text`. Case is kept.
 */
function foldSameLength(text: string): string {
  return text.replace(/[\u0080-\uffff]/g, (ch) => {
    let folded = foldCache.get(ch);
    if (folded === undefined) {
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '').replace('đ', 'd').replace('Đ', 'D');
      folded = base.length === 1 ? base : ch;
      if (foldCache.size < 10_000) foldCache.set(ch, folded);
    }
    return folded;
  });
}

/** A case-insensitive pattern for a folded lowercase phrase, for regexes that need case. */
const ci = (phrase: string) =>
  phrase.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`).replace(/ /g, '\\s+');
const any = (...phrases: string[]) => `(?:${phrases.map(ci).join('|')})`;

/** Start of a word in the folded text (no letter or digit just before). */
const B = '(?<![A-Za-z0-9])';
/** End of a word. */
const E = '(?![A-Za-z0-9])';
/** Optional "là", ":" or "-" between a lead-in and its value. */
const LEAD_SEP = `(?:\\s*[:\\-]\\s*|\\s+${ci('la')}\\s*[:\\-]?\\s*|\\s+)`;

/** Words that end a lowercase name typed after "tôi tên" (folded). */
const NAME_STOP = [
  'muon',
  'can',
  'hoi',
  'xin',
  'lam',
  'o',
  'dang',
  'sinh',
  'nha',
  'que',
  'va',
  'nhung',
  'co',
  'khong',
  'ko',
  'k',
  'bi',
  'da',
  'se',
  'duoc',
  'dc',
  'cho',
  'cua',
  'voi',
  'tai',
  'la',
  'roi',
  'a',
  'nhe',
  'oi',
  'hien',
  'nay',
  'tu',
  'den',
  've',
  'de',
  'vi',
  'nen',
  'hay',
  'giup',
  'gi',
  'sao',
  'the',
  'nao',
  'dau',
  'ai',
  'bao',
  'nop',
  'xem',
  'biet',
  'toi',
  'em',
  'minh',
  'dia',
  'so',
  'sdt',
  'email',
  'mail',
  'ns',
  'stk',
  'cccd',
  'cmnd',
  'tuoi',
  'nam',
  'ngay',
];
const STOP = `(?:${NAME_STOP.join('|')})${E}`;
/** A name: 1–5 capitalised words, or 1–4 lowercase words that are not common non-name words. */
const NAME = `(?:[A-Z][a-z]*(?:[ \\t]+[A-Z][a-z]*){0,4}${E}|(?!${STOP})[a-z]+(?:[ \\t]+(?!${STOP})[a-z]+){0,3}${E})`;
/** Common Vietnamese surnames (folded): after "tôi là" only these start a name. */
const SURNAMES =
  'Nguyen|Tran|Le|Pham|Hoang|Huynh|Phan|Vu|Vo|Dang|Bui|Do|Ho|Ngo|Duong|Ly|Dinh|Doan|Trinh|Truong|Luong|Luu|Cao|Ta|Chu|Quach|Kieu|Vuong|Ton|Trieu|Tang|Mac|Lai|Khuc|Nghiem|Thach|Hua|Tong|La|Lam|Ha|Mai';

/** A house number: "15", "12a", "45/3", "7/21". */
const HOUSE = '\\d{1,4}[A-Za-z]?(?:\\s?/\\s?\\d{1,4}[A-Za-z]?)*';
const STREET = `${any('duong', 'pho', 'ngo', 'ngach', 'hem', 'kiet')}${E}`;
/** Administrative units end a street name: a ward or a district alone is not personal. */
const ADMIN_UNIT = `${any('phuong', 'xa', 'quan', 'huyen', 'tinh', 'thanh pho', 'tp', 'thi xa', 'thi tran', 'tt', 'p', 'q', 'thon', 'xom', 'ap', 'to')}${E}`;
/** 1–5 capitalised words that are not an administrative unit ("Lê Lợi", "Trần Duy Hưng"). */
const CAP_WORDS = `(?!${ADMIN_UNIT})[A-Z][a-z]*(?:[ \\t]+(?!${ADMIN_UNIT})[A-Z][a-z]*){0,4}${E}`;
/** 1–4 lowercase words up to an administrative unit, a common word or punctuation. */
const LOW_WORDS = `(?!${ADMIN_UNIT}|${STOP})[a-z]+(?:[ \\t]+(?!${ADMIN_UNIT}|${STOP})[a-z]+){0,3}${E}`;
const NUMBERED = `${HOUSE}(?:[ \\t]+${CAP_WORDS})?`;
/** "đường Lê Lợi", "ngõ 34", "hẻm 12 Nguyễn Trãi": continues an address already recognised. */
const STREET_TAIL = `${STREET}\\s+(?:${NUMBERED}|${CAP_WORDS})`;
/**
 * An address needs a house number: "số nhà 12", "số 15 đường Lê Lợi", "45/3 hẻm 12 …",
 * "ngách 7/21 Trần Duy Hưng". "đường dây nóng" or "thành phố Hồ Chí Minh" have none.
 */
const ADDRESS =
  `${B}(?:${any('so nha', 'nha so')}\\s*[:.]?\\s*${NUMBERED}` +
  `|(?:${ci('so')}\\s+)?${HOUSE}\\s+${STREET}\\s+(?:${NUMBERED}|${CAP_WORDS}|${LOW_WORDS})` +
  `|${STREET}\\s+${NUMBERED})(?:[ \\t,]+${STREET_TAIL})*`;

const DATE = `\\d{1,2}\\s?[/.\\-]\\s?\\d{1,2}\\s?[/.\\-]\\s?\\d{2,4}`;
const TEXT_DATE = `\\d{1,2}\\s+${ci('thang')}\\s+\\d{1,2}(?:\\s+${ci('nam')}\\s+\\d{2,4})?`;
const YEAR = '(?:19|20)\\d{2}';

const TLD = '(?:com|vn|net|org|edu|gov|info|biz|io|me|co|uk|us)';
const AT = '(?:\\s*@\\s*|\\s*[(\\[{<]\\s*(?:at|a cong)\\s*[)\\]}>]\\s*|\\s+at\\s+)';
const DOT = '(?:\\s*\\.\\s*|\\s*[(\\[{<]\\s*(?:dot|cham)\\s*[)\\]}>]\\s*|\\s+(?:dot|cham)\\s+)';
const LOCAL = '(?<![\\p{L}\\p{N}._%+-])[\\p{L}\\p{N}._%+-]+';

interface Rule {
  label: string;
  /** Matched against the folded text; the group `v`, when present, is what is redacted. */
  pattern: RegExp;
}

const rule = (label: string, source: string, flags = ''): Rule => ({
  label,
  pattern: new RegExp(source, `gd${flags}`),
});

/** Checked in this order; a later match overlapping an earlier one is skipped. */
const RULES: Rule[] = [
  rule(REDACTED.email, `${LOCAL}@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)+`, 'u'),
  rule(
    REDACTED.email,
    `${LOCAL}${AT}[\\p{L}\\p{N}-]+(?:${DOT}[\\p{L}\\p{N}-]+)*${DOT}${TLD}(?![\\p{L}\\p{N}])`,
    'iu',
  ),
  rule(
    REDACTED.account,
    `${B}${any('stk', 'so tk', 'so tai khoan', 'tai khoan ngan hang', 'tai khoan', 'tk ngan hang', 'tk', 'account number', 'account')}` +
      `(?:\\s+${ci('so')})?${LEAD_SEP}(?<v>\\d(?:[\\s.\\-]?\\d){5,})`,
  ),
  rule(
    REDACTED.birthDate,
    `${B}${any('ngay thang nam sinh', 'sinh ngay', 'ngay sinh', 'sinh nam', 'nam sinh', 'ns', 'dob', 'sn')}` +
      `${LEAD_SEP}(?<v>${DATE}|${TEXT_DATE}|${YEAR})${E}`,
  ),
  rule(REDACTED.plate, `${B}\\d{2}\\s?-?\\s?[A-Za-z]{1,2}\\d?\\s?[-.]?\\s?(?:\\d{3}\\.\\d{2}|\\d{4,5})${E}`),
  rule(REDACTED.idNumber, `${B}[A-Za-z]{1,2}\\d{7,8}${E}`),
  rule(REDACTED.address, ADDRESS),
  rule(
    REDACTED.address,
    `${B}${any('dia chi')}(?:\\s+${any('cua toi', 'cua em', 'cua minh', 'nha toi', 'nha em', 'nha minh', 'nha')})?` +
      `(?:\\s*:\\s*|\\s+${any('la', 'o')}\\s*:?\\s*)(?!${any('dau', 'gi', 'nao', 'o dau', 'cua', 'the nao', 'bao')}${E})(?<v>[^.!?;\\n]{1,80})`,
  ),
  rule(
    REDACTED.name,
    `${B}(?:${any('toi', 'em', 'minh', 'con', 'chau', 'tui', 'anh', 'chi')}\\s+${ci('ten')}|${ci('ten')}\\s+${any('toi', 'em', 'minh', 'con', 'chau', 'tui', 'cua toi', 'cua em')}\\s+${ci('la')}|${ci('ho')}(?:\\s+${ci('va')})?\\s+${ci('ten')}(?:\\s+${any('toi', 'em', 'minh', 'cua toi', 'cua em')})?)` +
      `${LEAD_SEP}(?<v>${NAME})`,
  ),
  rule(
    REDACTED.name,
    `${B}${any('toi', 'em', 'minh', 'chau', 'con', 'tui')}\\s+${ci('la')}\\s+(?<v>(?:${SURNAMES})(?:[ \\t]+[A-Z][a-z]*){1,4})${E}`,
  ),
];

/**
 * Digit groups joined by at most three separators (space, dot, comma, slash, dash,
 * underscore, parentheses), optionally led by "+": "0912 345 678", "0912 - 345 - 678",
 * "+84 912.345.678", "(028) 3829 1234", "0912,345,678".
 */
const DIGIT_RUN = /\+?\(?\d(?:[\s.,/()_\-–—]{0,3}\d)*/g;
const SEPARATORS_AFTER = /[\s.,/()_\-–—]+$/;
const MIN_DIGITS = 9;

function classify(run: string): string | null {
  const digits = run.replace(/\D/g, '');
  if (digits.length < MIN_DIGITS) return null;
  if (run.startsWith('+') || /^(?:84|0)\d{8,10}$/.test(digits)) {
    // 9 and 12 digits starting with 0 are ID numbers (CCCD starts with a 0xx province code);
    // a leading + or the 10/11-digit shape of a phone number says phone.
    if (!run.startsWith('+') && (digits.length === 9 || digits.length === 12)) return REDACTED.idNumber;
    return REDACTED.phone;
  }
  return REDACTED.idNumber;
}

/** Spans of `text` the rules recognise, in order, without overlaps. */
function recognised(text: string): { start: number; end: number; label: string }[] {
  const folded = foldSameLength(text);
  const spans: { start: number; end: number; label: string }[] = [];
  for (const { label, pattern } of RULES) {
    // exec on the rule's own regex, not matchAll: matchAll clones the regex for every call,
    // and rebuilding ten patterns for every stored message was a visible share of the ack
    // path's CPU under a burst (v8's JSRegExp::Initialize).
    pattern.lastIndex = 0;
    for (let match = pattern.exec(folded); match !== null; match = pattern.exec(folded)) {
      if (match[0] === '') pattern.lastIndex++; // an empty match: step over it, as matchAll does
      const [start, end] = (match.indices!.groups?.v ?? match.indices![0]) as [number, number];
      const value = folded.slice(start, end).replace(/[\s,:]+$/, '');
      if (value === '') continue;
      const span = { start, end: start + value.length, label };
      if (!spans.some((s) => span.start < s.end && s.start < span.end)) spans.push(span);
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * Returns the canonical form of `text` (see `canonicalText`) with every recognised piece of
 * personal data replaced by a bracketed label such as "[số điện thoại]".
 */
export function redact(text: string): string {
  const canonical = canonicalText(text);
  let out = '';
  let at = 0;
  for (const span of recognised(canonical)) {
    out += canonical.slice(at, span.start) + span.label;
    at = span.end;
  }
  out += canonical.slice(at);
  if (!/\d/.test(out)) return out;
  return out.replace(DIGIT_RUN, (run) => {
    // Keep separators that trail the digits (e.g. a space before the next word).
    const trimmed = run.replace(SEPARATORS_AFTER, '');
    const label = classify(trimmed);
    return label === null ? run : label + run.slice(trimmed.length);
  });
}

/** `redact` for nullable values. */
export function redactOptional(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : redact(text);
}
