/**
 * The retrieval index: ranks the catalogue against one normalised message.
 *
 * Every visible procedure is a small document of folded syllables and syllable pairs from
 * its name, its editors' aliases and its keywords. A message scores against each field by
 * the informativeness (idf) of what it shares with it, scaled by how much of the field it
 * covers, so "đăng ký khai sinh" prefers "Đăng ký khai sinh" to "Đăng ký khai sinh lưu động".
 * Sibling words the message does not say ("lại", "lưu động", "có yếu tố nước ngoài", "cấp
 * đổi", "gia hạn", "xóa", "dưới 14 tuổi") cost a candidate; commune-level procedures and
 * detailed records gain; another province's local version is never indexed.
 */
import { foldAccents } from '../nlu/normalise';
import type { ProcedureSummary } from './schema';

/** What the ranking needs from editors' content for one procedure. */
export interface ProcedureEditorial {
  title?: string;
  aliases: string[];
  hidden: boolean;
}

/** Turns text into the folded tokens the index compares (the message normaliser). */
export type Tokenise = (text: string) => string[];

export interface IndexOptions {
  /** The deployment's province as the locality file writes it ("tỉnh Đồng Nai"). */
  province?: string;
  editorial?: ReadonlyMap<string, ProcedureEditorial>;
}

/** Words that say what a citizen wants to know, not which procedure: they weigh little. */
const QUESTION_WORDS = new Set(
  (
    'toi em anh chi minh co cho hoi xin vui long giup a ad oi nhe nha nhi vay the thi sao la gi nao tren ' +
    'can phai lam muon the nao nhu ra bao nhieu lau het ton tien phi le o dau di nop cho den ' +
    'duoc khong chua roi da se dang bi con cua va voi hay hoac nay do kia thu tuc ho so giay to ' +
    'nhung cac mot nhieu it ve tai trong khi neu ma vi de online truc tuyen mang qua ngay gio ' +
    'thang nam tuan khoang may bay gio hom nay moi vua lai'
  ).split(' '),
);
/** Pairs of question words that name a paper: "sổ đỏ" (sổ as in hồ sơ, đỏ as in "đó"). */
const NAMES_OF_QUESTION_WORDS = new Set(['so do', 'so hong']);
/**
 * What tells siblings apart. `name` finds the marker in a procedure name (folded words in a
 * row); `query` finds it in a message, the way citizens say it ("làm lại" for "đăng ký lại",
 * "đổi thẻ" for "cấp đổi", "cắt hộ khẩu" for "xóa đăng ký", an age under 14).
 */
/** Papers citizens say they lost ("mất cccd", "mất cà vẹt"), as the normaliser folds them. */
const PAPERS = 'can cuoc|the|giay|so|bang|ho chieu|chung minh|ca vet|cavet|bien so|dang ky|hop dong|phieu';
/** Countries a foreign spouse or parent comes from, as citizens name them. */
const COUNTRIES =
  'dai loan|han quoc|trung quoc|nhat ban|nhat|my|uc|phap|duc|anh quoc|lao|campuchia|cam pu chia|thai lan|singapore|malaysia|nga|canada|tay';
const SIBLING_MARKERS: {
  name: RegExp;
  query: RegExp;
  /** A looser way of saying it ("đổi", "cắt", "mất"), often meaning something else: counts half. */
  loose?: RegExp;
  label: string;
}[] = [
  {
    name: /\b(dang ky|cap|lam) lai\b/,
    // A lost, burnt or torn paper is re-issued: "mất cccd", "sổ đỏ bị cháy mất", "rách".
    query: new RegExp(
      `\\b(dang ky|dk|cap|lam|xin|di|ky) lai\\b|\\b(bi|lam|danh|danh roi|chay|that lac|trom) mat\\b|\\bmat (${PAPERS})\\b`,
    ),
    label: 'đăng ký lại / cấp lại',
  },
  // An expired paper is exchanged or extended, whichever its family has.
  { name: /\bcap doi\b/, query: /\bcap doi\b/, loose: /\bhet han\b|\bdoi\b(?! voi\b)/, label: 'cấp đổi' },
  { name: /\bgia han\b/, query: /\bgia han\b/, loose: /\bhet han\b/, label: 'gia hạn' },
  {
    name: /\b(yeu to nuoc ngoai|nguoi nuoc ngoai)\b/,
    // "lấy chồng Đài Loan", "vợ người Hàn Quốc"; not "đi du lịch Hàn Quốc".
    // Born or living there: "con sinh ở Nhật Bản", "chồng đang ở Hàn Quốc".
    query: new RegExp(
      `\\b(nuoc ngoai|ngoai quoc|viet kieu|quoc tich khac)\\b|\\b(nguoi|chong|vo|lay|cuoi|quoc tich|ban trai|ban gai) (nguoi )?(${COUNTRIES})\\b|\\b(sinh|song|dinh cu|dang o|hien o) (o |tai |ben )?(${COUNTRIES})\\b`,
    ),
    label: 'có yếu tố nước ngoài',
  },
  { name: /\bluu dong\b/, query: /\bluu dong\b/, label: 'lưu động' },
  { name: /\bxoa\b/, query: /\bxoa\b/, loose: /\b(cat|huy)\b/, label: 'xóa' },
  { name: /\bduoi 14 tuoi\b/, query: /\bduoi 14 tuoi\b/, label: 'dưới 14 tuổi' },
  { name: /\bdieu chinh\b/, query: /\bdieu chinh\b/, label: 'điều chỉnh' },
  { name: /\blien thong\b/, query: /\blien thong\b/, label: 'liên thông' },
  { name: /\bthu hoi\b/, query: /\bthu hoi\b/, label: 'thu hồi' },
  { name: /\bdinh chinh\b/, query: /\bdinh chinh\b/, label: 'đính chính' },
  { name: /\btam dung\b/, query: /\btam dung\b/, label: 'tạm dừng' },
  { name: /\bcham dut\b/, query: /\bcham dut\b/, label: 'chấm dứt' },
  { name: /\btrinh bao mat\b/, query: /\btrinh bao\b/, loose: /\bmat\b/, label: 'trình báo mất' },
];

const RELATIVES =
  'bo|me|cha|ong|ba|vo|chong|con|anh|chi|em|chu|bac|co|di|cau|mo|thim|cu|nguoi than|nguoi nha';
const DEATH = new RegExp(
  '\\b(qua doi|tu tran|tu vong|chet|ta the|chung tu|bao tu|tang le|dam tang)\\b|' +
    // "nằm viện một thời gian rồi mất tại nhà": "rồi/đã mất" and where or when.
    // ("làm đẹp da mặt tại nhà": da is the skin there.)
    '\\b(?<!(dep|soc|kem|rua|duong|trang|lan|cho) )(roi|da|vua|moi) mat (tai|o|hom|ngay|luc|vao|sau|nam|thang|tuan)\\b|' +
    `\\b(${RELATIVES})( (toi|em|minh|tui|noi|ngoai|ruot|de|ay|no|nha))*( (moi|vua|da|bi benh|dot ngot))? mat` +
    '(?= (hom|roi|nam|tu|luc|vi|do|ngay|sang|chieu|toi|dem|thang|tuan|o|tai|khi|duoc|gia dinh)\\b|$)',
);
const FOREIGN = SIBLING_MARKERS.findIndex((m) => m.label === 'có yếu tố nước ngoài');
// A document's markers are bits of an Int32 (`ProcedureIndex.markerBits`).
if (SIBLING_MARKERS.length > 31) throw new Error('SIBLING_MARKERS: at most 31 markers fit in the bit sets');

/**
 * What the message says in numbers that names say in words: "con 10 tuổi" is "dưới 14 tuổi",
 * "17 tuổi" is "từ đủ 14 tuổi trở lên".
 */
export function expandQuery(tokens: readonly string[]): string[] {
  const out = [...tokens];
  // "làm lại giấy đăng ký kết hôn", "mất cccd": the names say "đăng ký lại kết hôn", "cấp lại
  // thẻ căn cước"; the message's words again with "lại" where the names put it.
  const text = tokens.join(' ');
  if (SIBLING_MARKERS[0].query.test(text) && !/\b(ky|cap) lai\b/.test(text) && !copyOfLost(text)) {
    // Only a lost paper ("mất cccd") gets the names' words without saying them: "làm lại có
    // mất tiền không" is a follow-up, not a question about every re-issue.
    const again: string[] = [];
    tokens.forEach((t, i) => {
      again.push(t);
      const after = (t === 'ky' && tokens[i - 1] === 'dang') || t === 'cap';
      if (after && tokens[i + 1] !== 'lai') again.push('lai');
    });
    if (again.length > tokens.length) out.push(...again);
    else if (/\bmat\b/.test(text)) out.push('cap', 'lai', 'dang', 'ky', 'lai');
  }
  // "bố tôi mới mất hôm qua": a death is registered (khai tử); "mất cccd", "mất bao lâu" are not.
  if (DEATH.test(text) && !/\bkhai tu\b/.test(text)) out.push('khai', 'tu');
  // "lấy chồng Đài Loan": the names say "có yếu tố nước ngoài".
  if (SIBLING_MARKERS[FOREIGN].query.test(text) && !/\bnuoc ngoai\b/.test(text))
    out.push('co', 'yeu', 'to', 'nuoc', 'ngoai');
  // Ages tell card and passport procedures apart; elsewhere "80 tuổi" is a situation.
  // (Passport names have no age sibling: "hộ chiếu cho con 5 tuổi" is the passport.)
  if (!tokens.includes('cuoc')) return out;
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i + 1] !== 'tuoi' || !/^\d{1,3}$/.test(tokens[i]) || tokens[i - 1] === 'duoi') continue;
    // Only the younger age is a sibling word; "40 tuổi" adding "từ đủ 14 tuổi trở lên" made
    // the first card outweigh the exchange a 40-year-old asks for.
    if (Number(tokens[i]) < 14) out.push('duoi', '14', 'tuoi');
  }
  return out;
}

/** Sibling markers of a name that has none (most names): one shared array, not one per name. */
const NO_MARKERS: readonly number[] = Object.freeze([]);

export interface RankOptions {
  /** Only these procedures (the options last offered). */
  restrictTo?: ReadonlySet<string>;
  /** The message without the words that ask for a facet, for `queryCoverage`. */
  coverageTokens?: string[];
  /** Score every candidate instead of pruning by upper bound (tests and the benchmark). */
  exhaustive?: boolean;
}

export interface Ranked {
  code: string;
  score: number;
  /** 0–1: how much of the best-matching name or alias the message covers. */
  coverage: number;
  /** Sibling markers the candidate has and the message does not say. */
  missingMarkers: string[];
  /** Sibling markers the message says and the candidate does not have. */
  unmatchedMarkers: string[];
  /**
   * 0–1: how much of what the message says (its informative words, by idf; words the index
   * does not know count fully) this candidate accounts for. Small talk scores near 0.
   */
  queryCoverage: number;
}

/** Syllables and adjacent pairs of syllables; pairs carry most of a Vietnamese word's meaning. */
export function termsOf(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    out.push(tokens[i]);
    if (i + 1 < tokens.length) out.push(`${tokens[i]} ${tokens[i + 1]}`);
  }
  return out;
}

/**
 * "Giấy khai sinh bị mất, xin bản sao": a lost paper asked for as a copy (bản sao, trích lục)
 * is the copy, not a re-registration, unless "đăng ký lại" / "cấp lại" is said too.
 */
const COPY = /\b(ban sao|trich luc)\b/;
const AGAIN_SAID = /\b(dang ky|dk|cap|lam) lai\b/;
const copyOfLost = (text: string) => COPY.test(text) && !AGAIN_SAID.test(text);

function markersIn(tokens: readonly string[], side: 'name' | 'query'): number[] {
  const text = tokens.join(' ');
  const found: number[] = [];
  SIBLING_MARKERS.forEach((m, i) => {
    if (side === 'query' && i === 0 && copyOfLost(text)) return;
    if (m[side].test(text) || (side === 'query' && m.loose?.test(text))) found.push(i);
  });
  return found;
}

/**
 * A sibling word that a name lists among alternatives ("Thực hiện, điều chỉnh, thôi hưởng…",
 * "Cấp mới/cấp lại…") does not set the procedure apart: the name covers the plain case too.
 */
function listed(foldedName: string, marker: number): boolean {
  const found = SIBLING_MARKERS[marker].name.exec(foldedName);
  if (!found) return false;
  const before = foldedName.slice(0, found.index).trimEnd();
  const after = foldedName.slice(found.index + found[0].length).trimStart();
  return /[,/;]$/.test(before) || /^[,/;]/.test(after);
}

/** Where a long name's qualifiers start: the scope, the people, the place it applies to. */
const QUALIFIER = /\s(?:trong|đối với|cho|tại|thuộc|theo|khi|do|của|ở|trên|từ|thực hiện)\s/i;
const LONG_NAME = 12;
const HEAD_MIN = 5;

/** The head of a long name (at least HEAD_MIN words before its first qualifier), else null. */
export function headOf(name: string): string | null {
  const words = name.split(/\s+/);
  if (words.length < LONG_NAME) return null;
  const at = name.search(QUALIFIER);
  if (at < 0) return null;
  const head = name
    .slice(0, at)
    .replace(/[,;:]+$/, '')
    .trim();
  const count = head.split(/\s+/).length;
  return count >= HEAD_MIN && count < words.length - 2 ? head : null;
}

/** A local version published by a province's People's Committee ("UBND tỉnh Lạng Sơn"). */
const LOCAL_ISSUER = /^(ubnd|uy ban nhan dan) (tinh|thanh pho|tp)\b/;
const fold = (text: string) => foldAccents(text.toLowerCase()).replace(/\s+/g, ' ').trim();

export function isOtherProvince(summary: Pick<ProcedureSummary, 'issuer'>, province?: string): boolean {
  if (!summary.issuer) return false;
  const issuer = fold(summary.issuer);
  if (!LOCAL_ISSUER.test(issuer)) return false;
  if (!province) return true;
  const own = fold(province).replace(/^(tinh|thanh pho|tp)\s+/, '');
  return !issuer.includes(own);
}

export function isCommuneLevel(summary: Pick<ProcedureSummary, 'levels' | 'agencies'>): boolean {
  return summary.levels.includes('Cấp xã') || /cap xa\b/.test(fold(summary.agencies ?? ''));
}

/** What a sibling word on one side only costs ("lưu động" in the name, not in the message). */
export const MARKER_PENALTY = 0.7;

/**
 * How many sibling words the message says that a name lacks: a plain word ("lấy chồng Đài
 * Loan", "mất cccd", "xóa") counts fully, a loose one ("đổi", "cắt", "mất") by half, since it
 * often means something else.
 */
function unsaid(marker: number, text: string): number {
  return SIBLING_MARKERS[marker].query.test(text) ? 1 : 0.5;
}

/**
 * The candidates one `rank` scored, in the order scored: document, score and coverage (the
 * rest is built for the top few only). Typed arrays reused by every `rank`, not an object per
 * candidate: a message scores hundreds, and those objects were most of a rank's garbage.
 */
class ScoredList {
  length = 0;
  readonly index: Int32Array;
  readonly score: Float64Array;
  readonly coverage: Float64Array;

  constructor(size: number) {
    this.index = new Int32Array(size);
    this.score = new Float64Array(size);
    this.coverage = new Float64Array(size);
  }

  push(index: number, score: number, coverage: number): void {
    const at = this.length++;
    this.index[at] = index;
    this.score[at] = score;
    this.coverage[at] = coverage;
  }
}

/**
 * The `k`-th largest of the first `count` (more than `k`) values (duplicates count): one
 * pass, `k` kept. Indexed, not `for…of` over a subarray (its iterator: 3 % of a rank).
 */
function kthLargest(values: Float64Array, count: number, k: number): number {
  const top: number[] = []; // descending
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (top.length === k && v <= top[k - 1]) continue;
    let at = top.length;
    while (at > 0 && top[at - 1] < v) at--;
    top.splice(at, 0, v);
    if (top.length > k) top.pop();
  }
  return top[k - 1];
}

/**
 * The first `limit` of the items 0 … `count` - 1 in `order`, as a stable sort would give them
 * (an item goes after the ones it ties with): one pass keeping `limit`, instead of sorting.
 */
function firstInOrder(count: number, limit: number, order: (a: number, b: number) => number): number[] {
  const top: number[] = [];
  if (limit <= 0) return top;
  for (let item = 0; item < count; item++) {
    if (top.length === limit && order(item, top[limit - 1]) >= 0) continue;
    let at = top.length;
    while (at > 0 && order(item, top[at - 1]) < 0) at--;
    top.splice(at, 0, item);
    if (top.length > limit) top.pop();
  }
  return top;
}

/** Candidates scored before pruning starts, per result asked for (`candidates`). */
const PRUNE_FIRST = 3;

/** How much a commune-level procedure is preferred: the bot serves a commune. */
const COMMUNE_PRIOR = 1.5;

/**
 * How much a procedure the editors gave citizens' names to is preferred: they write them for
 * the procedures their commune is asked about, so a close call goes to one of those.
 */
const EDITED_PRIOR = 1.1;

/**
 * What a procedure is worth before any word matches: commune level first (the bot serves a
 * commune), those the editors named, detailed records over index-only ones, and versions for
 * a level that no longer exists (cấp huyện, gone since 1/7/2025) or that citizens do not go
 * to (cấp trung ương) last.
 */
function prior(s: ProcedureSummary, name: string, edited: boolean): number {
  let p = edited ? EDITED_PRIOR : 1;
  const folded = fold(name);
  if (isCommuneLevel(s) || /thuc hien tai cap xa/.test(folded)) p *= COMMUNE_PRIOR;
  if (!s.detailed) p *= 0.9;
  if (s.levels.length > 0 && s.levels.every((l) => l === 'Cấp bộ/ngành' || l === 'Cơ quan khác')) p *= 0.85;
  if (/thuc hien tai cap (huyen|trung uong)/.test(folded)) p *= 0.6;
  return p;
}

/**
 * A set of term ids as flags over every id: membership is an array read, where a Set's
 * hashing was most of the time of scoring a candidate. Cleared by `reset`, id by id.
 */
class TermSet implements Iterable<number> {
  private readonly flags: Uint8Array;
  private readonly ids: number[] = [];

  constructor(size: number) {
    this.flags = new Uint8Array(size);
  }

  reset(): this {
    for (const id of this.ids) this.flags[id] = 0;
    this.ids.length = 0;
    return this;
  }

  add(id: number): void {
    if (this.flags[id] === 1) return;
    this.flags[id] = 1;
    this.ids.push(id);
  }

  has(id: number): boolean {
    return this.flags[id] === 1;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.ids[Symbol.iterator]();
  }
}

/**
 * Offsets into a flat array: the entries of item i are `start[i]` to `start[i + 1] - 1`.
 * Built from one list per item; the lists become one typed array, not one object each.
 */
function flatten(lists: readonly (readonly number[])[]): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (start[i + 1] = start[i] + l.length));
  const items = new Int32Array(start[lists.length]);
  lists.forEach((l, i) => items.set(l, start[i]));
  return { start, items };
}

/**
 * The index is laid out in flat typed arrays (per document, per field, per term), not one
 * object per document and field: a few dozen heap objects instead of tens of thousands, so
 * the garbage collector has little to walk, and a message is scored from the postings of
 * its own terms instead of by reading every candidate's terms (that scan was most of the
 * time of a turn). Sums of the float32 term weights are exact in float64 whatever their
 * order, so the scores are the same to the last bit as scoring field by field.
 */
export class ProcedureIndex {
  /** Per document: its code, prior and sibling markers (indices into SIBLING_MARKERS). */
  private readonly codes: string[] = [];
  private readonly priors: Float64Array;
  private readonly markers: (readonly number[])[] = [];
  /** The same markers as bits (bit m: SIBLING_MARKERS[m]), for counting them while scoring. */
  private readonly markerBits: Int32Array;
  /**
   * Fields (a name, alias or keyword line): document d has fields `fieldStart[d]` to
   * `fieldStart[d + 1] - 1`; each has the sum of its terms' weights (the whole of it) and
   * the field's own weight (alias, name, keyword).
   */
  private readonly fieldStart: Int32Array;
  private readonly fieldTotal: Float64Array;
  private readonly fieldWeight: Float64Array;
  /** The terms of each document's field of law (Lĩnh vực, e.g. "Hộ tịch"): weak evidence only. */
  private readonly category: { start: Int32Array; items: Int32Array };
  private readonly categoryTotal: Float64Array;
  private readonly termIds = new Map<string, number>();
  private readonly weights: Float32Array;
  /** Terms with at least one word that is not a question word. */
  private readonly informative: Uint8Array;
  /** For each term id, the documents having it in a field or its category (each once, ascending). */
  private readonly postings: { start: Int32Array; items: Int32Array };
  /** For each term id, the fields having it (each once, ascending). */
  private readonly fieldPostings: { start: Int32Array; items: Int32Array };
  /** Every folded word of a visible name or alias, with its count: the repair vocabulary. */
  readonly vocabulary = new Map<string, number>();
  /** Per document, the weight of the message's terms it has (reused by every `rank`). */
  private readonly shared: Float64Array;
  /** Per field, the weight of the message's terms it has (reused by every `rank`, zeroed after). */
  private readonly matched: Float64Array;
  /** The message's terms (reused by every `rank`: ranking is synchronous, never nested). */
  private readonly queryTerms: TermSet;
  /**
   * Scratch lists reused by every `rank`: the fields and documents the message's terms reach,
   * the candidates with their upper bounds, those left for after the first few, the scored.
   */
  private readonly hitFields: Int32Array;
  private readonly touchedDocs: Int32Array;
  private readonly candidateDocs: Int32Array;
  private readonly candidateBounds: Float64Array;
  private readonly laterCandidates: Int32Array;
  private readonly scored: ScoredList;

  constructor(summaries: readonly ProcedureSummary[], tokenise: Tokenise, options: IndexOptions = {}) {
    const intern = (term: string) => {
      let id = this.termIds.get(term);
      if (id === undefined) this.termIds.set(term, (id = this.termIds.size));
      return id;
    };
    const raw: {
      code: string;
      fields: { ids: number[]; weight: number }[];
      category: number[];
      prior: number;
      markers: number[];
    }[] = [];
    for (const s of summaries) {
      const editorial = options.editorial?.get(s.code);
      if (editorial?.hidden || isOtherProvince(s, options.province)) continue;
      const fullName = s.name.replace(/^thủ tục\s+/i, '');
      // "(thực hiện tại cấp tỉnh)", "(Công trình không theo tuyến…)": qualifiers citizens never
      // say; the name without them is what a message should cover.
      const core = fullName
        .replace(/\([^)]*\)?/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      const nameTokens = tokenise(fullName);
      const texts: [string[], number][] = [[tokenise(core), 1]];
      if (core !== fullName) texts.push([nameTokens, 0.9]);
      // A long name's head, before its qualifiers ("Đề nghị hỗ trợ chi phí học tập | trong cơ
      // sở giáo dục mầm non công lập, …"): what a citizen says of it.
      const head = headOf(core);
      if (head) texts.push([tokenise(head), 0.9]);
      if (editorial?.title) texts.push([tokenise(editorial.title), 1]);
      for (const alias of editorial?.aliases ?? []) texts.push([tokenise(alias), 1.15]);
      if (s.keywords)
        for (const k of s.keywords.split(/[;,\n]/)) if (k.trim()) texts.push([tokenise(k), 0.9]);
      const fields = texts
        .filter(([tokens]) => tokens.length > 0)
        .map(([tokens, weight]) => ({ ids: [...new Set(termsOf(tokens).map(intern))], weight }));
      const category = s.field ? [...new Set(termsOf(tokenise(s.field)).map(intern))] : [];
      raw.push({
        code: s.code,
        fields,
        category,
        prior: prior(s, fullName, (editorial?.aliases.length ?? 0) > 0),
        markers: markersIn(nameTokens, 'name').filter((m) => !listed(fold(fullName), m)),
      });
      for (const [tokens] of texts)
        for (const t of tokens) this.vocabulary.set(t, (this.vocabulary.get(t) ?? 0) + 1);
    }
    // Document frequency over procedures (a term counts once per procedure) and postings.
    const terms = this.termIds.size;
    const postings: number[][] = Array.from({ length: terms }, () => []);
    const fieldPostings: number[][] = Array.from({ length: terms }, () => []);
    let field = 0;
    raw.forEach((d, doc) => {
      for (const f of [...d.fields, { ids: d.category }])
        for (const id of f.ids) {
          const list = postings[id];
          if (list[list.length - 1] !== doc) list.push(doc);
        }
      for (const f of d.fields) {
        for (const id of f.ids) fieldPostings[id].push(field);
        field++;
      }
    });
    const n = raw.length;
    this.weights = new Float32Array(terms);
    this.informative = new Uint8Array(terms);
    for (const [term, id] of this.termIds) {
      const idf = Math.log(1 + n / postings[id].length);
      const words = term.split(' ');
      const questions = NAMES_OF_QUESTION_WORDS.has(term)
        ? 0
        : words.filter((w) => QUESTION_WORDS.has(w)).length;
      // A pair with one question word ("sinh cho") says less than "khai sinh".
      const question = questions === words.length ? 0.3 : questions > 0 ? 0.5 : 1;
      this.informative[id] = questions < words.length ? 1 : 0;
      this.weights[id] = idf * (words.length > 1 ? 1.5 : 1) * question;
    }
    this.postings = flatten(postings);
    this.fieldPostings = flatten(fieldPostings);
    this.queryTerms = new TermSet(terms);
    // The sums below add float32 weights in float64, in each field's own term order.
    const sum = (ids: readonly number[]) => ids.reduce((total, id) => total + this.weights[id], 0);
    this.priors = Float64Array.from(raw, (d) => d.prior);
    this.categoryTotal = Float64Array.from(raw, (d) => sum(d.category));
    this.category = flatten(raw.map((d) => d.category));
    this.fieldStart = new Int32Array(n + 1);
    raw.forEach((d, doc) => (this.fieldStart[doc + 1] = this.fieldStart[doc] + d.fields.length));
    const allFields = raw.flatMap((d) => d.fields);
    this.fieldTotal = Float64Array.from(allFields, (f) => sum(f.ids));
    this.fieldWeight = Float64Array.from(allFields, (f) => f.weight);
    for (const d of raw) {
      this.codes.push(d.code);
      this.markers.push(d.markers.length > 0 ? d.markers : NO_MARKERS);
    }
    this.markerBits = Int32Array.from(raw, (d) => d.markers.reduce((bits, m) => bits | (1 << m), 0));
    this.shared = new Float64Array(n);
    this.matched = new Float64Array(allFields.length);
    this.hitFields = new Int32Array(allFields.length);
    this.touchedDocs = new Int32Array(n);
    this.candidateDocs = new Int32Array(n);
    this.candidateBounds = new Float64Array(n);
    this.laterCandidates = new Int32Array(n);
    this.scored = new ScoredList(n);
  }

  get size(): number {
    return this.codes.length;
  }

  /** The words of a message that may name a procedure (not "có", "thì", "bao lâu"…). */
  informativeWords(tokens: readonly string[]): string[] {
    return tokens.filter((t) => !QUESTION_WORDS.has(t));
  }

  /** The sibling words a message says ("gia hạn", "cấp lại"), by label. */
  queryMarkers(tokens: string[]): string[] {
    return markersIn(tokens, 'query').map((m) => SIBLING_MARKERS[m].label);
  }

  /**
   * Candidate generation: the documents `rank` scores, best upper bound first, stopping once
   * no candidate left can reach the `limit`-th best score found so far (read from `scored`,
   * which `rank` fills while it iterates). Exact: the same top `limit` as scoring every
   * candidate (tests/procedures/search-pruning.test.ts checks it on every conversation
   * turn), at a fraction of the work on a large catalogue, where a message's common words
   * ("đăng ký", "cấp", "giấy") bring in most of the catalogue.
   *
   * Only informative terms bring candidates: a name sharing nothing but "có", "không" or
   * "thủ tục" with the message could not win, and scoring it is most of the work.
   */
  private candidates(
    query: TermSet,
    limit: number,
    scored: ScoredList,
    options: RankOptions,
    visit: (doc: number) => void,
  ): void {
    const shared = this.shared;
    const { start, items } = this.postings;
    const touched = this.touchedDocs;
    let touchedCount = 0;
    for (const id of query) {
      if (!this.informative[id]) continue;
      const weight = this.weights[id];
      for (let k = start[id]; k < start[id + 1]; k++) {
        const doc = items[k];
        if (shared[doc] === 0) touched[touchedCount++] = doc;
        shared[doc] += weight;
      }
    }
    // Terms that bring no candidate still count in a candidate's score: as if all had them.
    let questionWords = 0;
    for (const id of query) if (!this.informative[id]) questionWords += this.weights[id];
    const docs = this.candidateDocs;
    const bounds = this.candidateBounds;
    let count = 0;
    for (let t = 0; t < touchedCount; t++) {
      const doc = touched[t];
      if (!options.restrictTo || options.restrictTo.has(this.codes[doc])) {
        docs[count] = doc;
        bounds[count++] = this.upperBound(doc, shared[doc] + questionWords);
      }
      shared[doc] = 0;
    }
    if (options.exhaustive || count <= limit * PRUNE_FIRST) {
      for (let i = 0; i < count; i++) visit(docs[i]);
      return;
    }
    // First the best-bounded few, which set the bar; then the others that can still pass it.
    const pivot = kthLargest(bounds, count, limit * PRUNE_FIRST);
    const rest = this.laterCandidates;
    let restCount = 0;
    for (let i = 0; i < count; i++)
      if (bounds[i] >= pivot) visit(docs[i]);
      else rest[restCount++] = i;
    // The `limit`-th best score so far: scores only arrive, so it only rises.
    const best: number[] = [];
    let seen = 0;
    const bar = () => {
      for (; seen < scored.length; seen++) {
        const score = scored.score[seen];
        if (best.length === limit && score <= best[limit - 1]) continue;
        let at = best.findIndex((b) => b < score);
        if (at < 0) at = best.length;
        best.splice(at, 0, score);
        if (best.length > limit) best.pop();
      }
      return best.length === limit ? best[limit - 1] : 0;
    };
    for (let r = 0; r < restCount; r++) {
      const i = rest[r];
      if (bounds[i] * (1 + 1e-9) >= bar()) visit(docs[i]);
    }
  }

  /**
   * The most `rank` can give a document sharing terms weighing `shared` with the message:
   * its best field exactly as `score` computes it (from `matched`, which `rank` fills before
   * candidates are generated), the whole category up to `shared`, the prior, no sibling
   * penalty. Must stay above the score `rank` computes.
   */
  private upperBound(doc: number, shared: number): number {
    let best = 0;
    for (let f = this.fieldStart[doc]; f < this.fieldStart[doc + 1]; f++) {
      const matched = this.matched[f];
      if (matched === 0) continue;
      const total = this.fieldTotal[f];
      const coverage = total > 0 ? matched / total : 0;
      const score = matched * (0.2 + 0.8 * coverage) * this.fieldWeight[f];
      if (score > best) best = score;
    }
    return (best + 0.3 * Math.min(shared, this.categoryTotal[doc])) * this.priors[doc];
  }

  /** Whether document `doc` has term `id` in a field or its category (binary search of the postings). */
  private has(doc: number, id: number): boolean {
    const { start, items } = this.postings;
    let lo = start[id];
    let hi = start[id + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid] === doc) return true;
      if (items[mid] < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /**
   * Scores each candidate into `out` (which `candidates` reads to prune): its best field by
   * the weight of the message's terms it has (`matched`, filled by `rank`) and how much of
   * the field that covers, plus a little for its category, times its prior and the penalty
   * for sibling words on one side only.
   */
  private score(
    query: TermSet,
    tokens: string[],
    queryMarkers: number[],
    restrictTo: ReadonlySet<string> | undefined,
    candidates: (visit: (doc: number) => void) => void,
    out: ScoredList,
  ): void {
    const text = tokens.join(' ');
    const unsaidBy = queryMarkers.map((m) => unsaid(m, text));
    // Sums of ones and halves: exact in any order, so counted by bits as by the lists.
    const queryBits = queryMarkers.reduce((bits, m) => bits | (1 << m), 0);
    const unsaidByAll = unsaidBy.reduce((sum, u) => sum + u, 0);
    const { start, items } = this.category;
    // MARKER_PENALTY to the power k / 2 (the exponent is a sum of ones and halves), as computed.
    const powers: number[] = [];
    candidates((index) => {
      if (restrictTo && !restrictTo.has(this.codes[index])) return;
      let best = 0;
      let bestCoverage = 0;
      for (let f = this.fieldStart[index]; f < this.fieldStart[index + 1]; f++) {
        const matched = this.matched[f];
        if (matched === 0) continue;
        const total = this.fieldTotal[f];
        const coverage = total > 0 ? matched / total : 0;
        const score = matched * (0.2 + 0.8 * coverage) * this.fieldWeight[f];
        if (score > best) {
          best = score;
          bestCoverage = coverage;
        }
      }
      // The field of law (Lĩnh vực) counts a little: "giấy tờ hộ tịch" is about hộ tịch.
      let category = 0;
      for (let k = start[index]; k < start[index + 1]; k++)
        if (query.has(items[k])) category += this.weights[items[k]];
      best += 0.3 * category;
      if (best === 0) return;
      // A sibling word on one side only: the name says "lại" and the message does not, or
      // the message says "cấp đổi" and the name does not.
      // (Counted without building the lists: `rank` builds them for the top few.)
      const bits = this.markerBits[index];
      let missing = 0;
      let said = unsaidByAll;
      if (bits !== 0) {
        for (let rest = bits & ~queryBits; rest !== 0; rest &= rest - 1) missing++;
        said = 0;
        for (let i = 0; i < queryMarkers.length; i++)
          if ((bits & (1 << queryMarkers[i])) === 0) said += unsaidBy[i];
      }
      out.push(
        index,
        best *
          this.priors[index] *
          (powers[2 * (missing + said)] ??= Math.pow(MARKER_PENALTY, missing + said)),
        bestCoverage,
      );
    });
  }

  /** The best `limit` candidates for already-normalised tokens, best first. */
  rank(tokens: string[], limit = 10, options: RankOptions = {}): Ranked[] {
    const { restrictTo } = options;
    tokens = expandQuery(tokens);
    const query = this.queryTerms.reset();
    for (const t of termsOf(tokens)) {
      const id = this.termIds.get(t);
      if (id !== undefined) query.add(id);
    }
    // Per field, the weight of the message's terms it has, from those terms' postings.
    const matchedBy = this.matched;
    const hit = this.hitFields;
    let hitCount = 0;
    const { start, items } = this.fieldPostings;
    for (const id of query) {
      const weight = this.weights[id];
      for (let k = start[id]; k < start[id + 1]; k++) {
        const f = items[k];
        if (matchedBy[f] === 0) hit[hitCount++] = f;
        matchedBy[f] += weight;
      }
    }
    const out = this.scored;
    out.length = 0;
    const queryMarkers = markersIn(tokens, 'query');
    try {
      this.score(
        query,
        tokens,
        queryMarkers,
        restrictTo,
        (visit) => this.candidates(query, limit, out, options, visit),
        out,
      );
    } finally {
      for (let h = 0; h < hitCount; h++) matchedBy[hit[h]] = 0;
    }
    const top = firstInOrder(
      out.length,
      limit,
      (a, b) =>
        out.score[b] - out.score[a] || this.codes[out.index[a]].localeCompare(this.codes[out.index[b]]),
    ).map((at): Ranked & { index: number } => {
      const index = out.index[at];
      const markers = this.markers[index];
      return {
        code: this.codes[index],
        score: out.score[at],
        coverage: out.coverage[at],
        missingMarkers: markers.filter((m) => !queryMarkers.includes(m)).map((m) => SIBLING_MARKERS[m].label),
        unmatchedMarkers: queryMarkers
          .filter((m) => !markers.includes(m))
          .map((m) => SIBLING_MARKERS[m].label),
        queryCoverage: 0,
        index,
      };
    });
    // Informative words of the message: what a procedure must account for.
    const words = [...new Set(expandQuery(options.coverageTokens ?? tokens))].filter(
      (t) => !QUESTION_WORDS.has(t),
    );
    const unknown = Math.log(1 + this.codes.length);
    const weightOf = (t: string) => {
      const id = this.termIds.get(t);
      return id === undefined ? unknown : this.weights[id];
    };
    const total = words.reduce((sum, t) => sum + weightOf(t), 0);
    for (const r of top) {
      let matched = 0;
      for (const t of words) {
        const id = this.termIds.get(t);
        if (id !== undefined && this.has(r.index, id)) matched += weightOf(t);
      }
      r.queryCoverage = total > 0 ? matched / total : 0;
    }
    return top.map(({ index: _index, ...r }) => r);
  }
}
