/**
 * The invented-number checker: every amount of money and every duration a reply states must
 * appear in the procedure's official record or in an editor's sourced content. The portal
 * publishes no fee and editors must cite the document for each one, so a number found in
 * neither place is one the bot made up.
 *
 * Quantities are compared by value, not by spelling: "05 ngày" in a record backs "5 ngày" in
 * a reply, "50.000 đồng" backs "50 nghìn đồng", "1,5 triệu" backs "1.500.000 đ".
 */

export type QuantityKind = 'money' | 'duration';

/** Units a duration is counted in; "ngày làm việc" keeps its qualifier in `working`. */
export type DurationUnit = 'phút' | 'giờ' | 'buổi' | 'ngày' | 'tuần' | 'tháng' | 'năm';

export interface Quantity {
  kind: QuantityKind;
  /** The words as they appear in the text ("15 ngày làm việc", "50.000 đồng", "trong ngày"). */
  raw: string;
  /** Money: the amount in đồng (null for a bare separated number whose unit is unstated). */
  value: number;
  /** Money: 'đồng', or null for "50.000" without a unit. Duration: the unit. */
  unit: DurationUnit | 'đồng' | null;
  /** "ngày làm việc", "giờ làm việc": working time, which a plain "ngày" does not back. */
  working: boolean;
  /** "trong ngày", "ngay trong ngày": the same day (value 0). */
  sameDay: boolean;
}

const NUMBER_WORDS: Record<string, number> = {
  một: 1,
  hai: 2,
  ba: 3,
  bốn: 4,
  tư: 4,
  năm: 5,
  sáu: 6,
  bảy: 7,
  tám: 8,
  chín: 9,
  mười: 10,
  'mười lăm': 15,
  'hai mươi': 20,
  'ba mươi': 30,
};

/**
 * A number as Vietnamese texts write it: "50.000" and "1.500.000" (dot thousands), "1,5"
 * (comma decimal), "1,500" (comma thousands, as some people type), "05", or a number word.
 * Longest alternatives first so "mười lăm" wins over "mười".
 */
const NUMBER_WORD_PATTERN = Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|');
const DIGITS = String.raw`\d{1,3}(?:\.\d{3})+(?![\d.])|\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:,\d{1,2}(?!\d))?(?:\.\d{1,2}(?![\d.]))?`;
const NUMBER = `(?:${DIGITS}|(?:${NUMBER_WORD_PATTERN})(?![\\p{L}]))`;

const MONEY_UNIT = String.raw`(?:nghìn đồng|ngàn đồng|triệu đồng|tỷ đồng|tỉ đồng|nghìn|ngàn|triệu|tỷ|tỉ|đồng|vnđ|vnd|đ|k)`;
const DURATION_UNIT = String.raw`(?:ngày làm việc|giờ làm việc|ngày|giờ|tháng|năm|tuần|buổi|phút)`;
/** Not part of a longer word: "5 đơn" is not "5 đ", "3 ngàyy" is still caught by "ngày". */
const UNIT_END = String.raw`(?![\p{L}\d])`;
/** A number starts a token (not the "001193" of the code "1.001193") and is no ordinal ("thứ hai tuần sau"). */
const NUMBER_START = String.raw`(?<![\p{L}\d.,/])(?<!thứ )`;

const RANGE_JOIN = String.raw`\s*(?:-|–|đến|tới|hoặc)\s*`;

const MONEY_RE = new RegExp(
  `${NUMBER_START}(${NUMBER})(?:${RANGE_JOIN}(${NUMBER}))?\\s*(${MONEY_UNIT})${UNIT_END}`,
  'gu',
);
const DURATION_RE = new RegExp(
  `${NUMBER_START}(${NUMBER})(?:${RANGE_JOIN}(${NUMBER}))?\\s+(${DURATION_UNIT})${UNIT_END}`,
  'gu',
);
/** A bare amount with thousands separators ("50.000", "1,500,000") and no unit after it. */
const BARE_AMOUNT_RE = /(?<![\p{L}\d.,/])(\d{1,3}(?:\.\d{3})+(?![\d.])|\d{1,3}(?:,\d{3})+(?![\d,]))/gu;
/** "trong ngày", "ngay trong ngày": the same day; "trong ngày làm việc tiếp theo" is the next one. */
const SAME_DAY_RE =
  /(?<![\p{L}])trong (?:ngày|buổi)(?: làm việc)?(?! làm việc)(?! tiếp theo)(?! hôm)(?![\p{L}])/gu;

/**
 * Dates, years and clock times are not durations: "ngày 01 tháng 7 năm 2004", "01/7/2025",
 * "năm 2024", "tháng 12/2025". They are blanked before extraction (keeping offsets simple).
 */
const DATE_RES = [
  // Also a date cut short by a clipped sentence ("… ngày 14 tháng …"): "ngày 14" is never a duration.
  /ngày \d{1,2} tháng(?: \d{1,2})?(?: năm \d{2,4})?/gu,
  /tháng \d{1,2}(?: năm |\/)\d{4}/gu,
  /\d{1,2}[/-]\d{1,2}[/-]\d{2,4}/gu,
  /\d{1,2}\/\d{4}/gu,
  /năm \d{4}/gu,
  /(?:ngày|tháng) \d{1,2}\/\d{1,2}/gu,
];
const URL_RE = /(?:https?:\/\/|www\.)\S+/gu;

/** Lowercase NFC, URLs and dates removed, whitespace collapsed: what the patterns read. */
function prepare(text: string): string {
  let t = text.normalize('NFC').toLocaleLowerCase('vi').replace(URL_RE, ' ');
  for (const re of DATE_RES) t = t.replace(re, ' ');
  return t.replace(/\s+/gu, ' ');
}

/** Parses one number token; null for something the patterns should not have matched. */
export function parseNumber(token: string): number | null {
  const word = NUMBER_WORDS[token.trim()];
  if (word !== undefined) return word;
  const t = token.trim();
  if (/^\d{1,3}(?:\.\d{3})+$/.test(t)) return Number(t.replace(/\./g, ''));
  if (/^\d{1,3}(?:,\d{3})+$/.test(t)) return Number(t.replace(/,/g, ''));
  if (/^\d+,\d{1,2}$/.test(t)) return Number(t.replace(',', '.'));
  if (/^\d+(?:\.\d{1,2})?$/.test(t)) return Number(t);
  return null;
}

function moneyMultiplier(unit: string): number {
  if (unit.startsWith('nghìn') || unit.startsWith('ngàn') || unit === 'k') return 1_000;
  if (unit.startsWith('triệu')) return 1_000_000;
  if (unit.startsWith('tỷ') || unit.startsWith('tỉ')) return 1_000_000_000;
  return 1;
}

/** Every amount of money and duration in a text, in order of appearance. */
export function extractQuantities(text: string): Quantity[] {
  const t = prepare(text);
  const found: { at: number; q: Quantity }[] = [];
  const taken: [number, number][] = [];
  const overlaps = (start: number, end: number) => taken.some(([s, e]) => start < e && end > s);
  const push = (at: number, end: number, q: Quantity) => {
    found.push({ at, q });
    taken.push([at, end]);
  };

  for (const m of t.matchAll(MONEY_RE)) {
    const multiplier = moneyMultiplier(m[3]);
    for (const token of [m[1], m[2]]) {
      const n = token === undefined ? null : parseNumber(token);
      if (n === null) continue;
      push(m.index, m.index + m[0].length, {
        kind: 'money',
        raw: m[0].trim(),
        value: Math.round(n * multiplier),
        unit: 'đồng',
        working: false,
        sameDay: false,
      });
    }
  }
  for (const m of t.matchAll(DURATION_RE)) {
    if (overlaps(m.index, m.index + m[0].length)) continue;
    const unitWords = m[3];
    const unit = unitWords.split(' ')[0] as DurationUnit;
    for (const token of [m[1], m[2]]) {
      const n = token === undefined ? null : parseNumber(token);
      if (n === null) continue;
      push(m.index, m.index + m[0].length, {
        kind: 'duration',
        raw: m[0].trim(),
        value: n,
        unit,
        working: unitWords.endsWith('làm việc'),
        sameDay: false,
      });
    }
  }
  for (const m of t.matchAll(BARE_AMOUNT_RE)) {
    if (overlaps(m.index, m.index + m[0].length)) continue;
    const n = parseNumber(m[1]);
    if (n === null) continue;
    push(m.index, m.index + m[0].length, {
      kind: 'money',
      raw: m[0],
      value: n,
      unit: null,
      working: false,
      sameDay: false,
    });
  }
  for (const m of t.matchAll(SAME_DAY_RE)) {
    if (overlaps(m.index, m.index + m[0].length)) continue;
    push(m.index, m.index + m[0].length, {
      kind: 'duration',
      raw: m[0],
      value: 0,
      unit: m[0].includes('buổi') ? 'buổi' : 'ngày',
      working: m[0].endsWith('làm việc'),
      sameDay: true,
    });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.q);
}

/** True when `source` states the same quantity (a plain "ngày" is backed by a working day too). */
function backs(source: Quantity, claim: Quantity): boolean {
  if (source.kind !== claim.kind || source.value !== claim.value) return false;
  if (claim.kind === 'money')
    return claim.unit === null || source.unit === null || source.unit === claim.unit;
  if (source.sameDay !== claim.sameDay || source.unit !== claim.unit) return false;
  return !claim.working || source.working;
}

/**
 * What a reply may quote: the quantities of its sources, extracted once. Build one per
 * procedure (record + editor content) and reuse it for every reply about that procedure.
 */
export class QuantitySources {
  private readonly quantities: Quantity[];

  /** `base`: sources shared by many replies (the editors' content), extracted once. */
  constructor(texts: Iterable<string>, base?: QuantitySources) {
    this.quantities = base ? [...base.quantities] : [];
    for (const text of texts) this.quantities.push(...extractQuantities(text));
  }

  /** The quantities of `reply` that no source states. */
  invented(reply: string): Quantity[] {
    return extractQuantities(reply).filter((claim) => !this.quantities.some((s) => backs(s, claim)));
  }
}

/** The quantities of `reply` that none of `sources` states. */
export function findInventedNumbers(reply: string, sources: Iterable<string>): Quantity[] {
  return new QuantitySources(sources).invented(reply);
}
