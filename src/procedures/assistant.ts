/**
 * The procedure assistant: from one message and the conversation so far to a decision —
 * answer one procedure (the facets asked), ask which one (2–5 real names as choices), or
 * leave the message to the topics and the fallback. The dialogue engine asks it first and
 * keeps its state in the session; the assistant never sees channels or the database.
 */
import { Normaliser, type NormalisedText } from '../nlu/normalise';
import type { ProcedureCatalogue } from './catalogue';
import type { ProcedureContent } from './content';
import {
  asksQuestion,
  detectFacets,
  FACET_LABELS,
  FACETS,
  isFacet,
  withoutFacetCues,
  type Facet,
} from './facets';
import type { Agency } from './locality';
import { clip, displayTitle, renderProcedure, type RenderedBlock } from './render';
import { MARKER_PENALTY, ProcedureIndex, type Ranked } from './search';
import { catalogueTokeniser } from './text';

/** What the assistant remembers between two messages (kept in the session). */
export interface ProcedureState {
  /** The procedure in focus: follow-ups ("thế mất bao lâu") are about it. */
  focus: string | null;
  /** The codes last offered as choices, in order ("cái thứ hai" picks the second). */
  options: string[];
  /** The facets last answered ("còn kết hôn thì sao" asks the same about another procedure). */
  facets: string[];
}
export const emptyProcedureState = (): ProcedureState => ({ focus: null, options: [], facets: [] });

/** Taps: "#proc:<code>" opens a procedure, "#proc:<code>:<facet>" one of its facets. */
export const PROCEDURE_PAYLOAD_PREFIX = '#proc:';
export const procedurePayload = (code: string, facet?: Facet) =>
  `${PROCEDURE_PAYLOAD_PREFIX}${code}${facet ? `:${facet}` : ''}`;

export interface ProcedureRef {
  code: string;
  title: string;
}

export interface AssistantReply {
  blocks: RenderedBlock[];
  buttons: { label: string; payload: string }[];
  /** The procedure answered, or null when asking which one. */
  procedure: ProcedureRef | null;
  /** The procedures offered as choices, in order. */
  options: ProcedureRef[];
  /** The facets the reply covers. */
  facets: Facet[];
}

export type ProcedureDecision =
  | { kind: 'answer' | 'clarify'; reply: AssistantReply }
  /** Not a procedure question: the topics and the fallback answer it. */
  | { kind: 'none' };

/** What the engine knows about the message from the topic classifier. */
export interface TopicHint {
  intent: string | null;
  confidence: number;
}

export interface AssistantDeps {
  catalogue: ProcedureCatalogue;
  content: ReadonlyMap<string, ProcedureContent>;
  agencies: readonly Agency[];
  /** The abbreviation dictionary and training phrases of the topic classifier. */
  abbreviations: Readonly<Record<string, unknown>>;
  /** Extra words the repair may map typos onto (the topics' training vocabulary). */
  phrases?: readonly string[];
  province?: string;
  formUrl?: (file: string) => string;
  maxChars?: number;
}

/**
 * Zalo shows at most 5 buttons; the feedback question adds 2 to some answers, so a procedure
 * reply offers at most 3 itself (the other facets are named in its text). Labels: at most 20
 * characters (Messenger).
 */
const BUTTONS_MAX = 3;
const LABEL_MAX = 20;
const OPTIONS_MAX = 5;
/** Siblings listed under an answer (the first two also as buttons). */
const SIBLINGS_MAX = 4;
/**
 * Requests to get around a procedure (buying a licence, forged papers): not something the
 * bot explains, whatever procedure the words resemble.
 */
const EVASION =
  /\b(gia o dau|gia re|mua bang|mua giay|mua so do|mua ho chieu|mua can cuoc|bang gia|lam gia|bang lai gia|giay phep gia|so do gia|giay to gia|khong can thi|khong thi ma|chay an|lo lot|di cua sau|lam lau|gia mao|khai man|khai gian|(tra|bo|chi) them tien (cung duoc|de|cho nhanh)|tien boi duong|(giay|khai sinh|ket hon|bang|the|can cuoc|ho chieu|hoc ba|chung chi) gia (cho|de|duoc|khong|o)|tre hon \d+ tuoi|nhan lam dich vu|(ai|cho nao|noi nao) nhan lam|gia vo|dong vai|bo qua (moi |cac |nhung )?huong dan|ignore|prompt)\b/;

/**
 * Look-alikes: a bank loan on a land certificate, a listing for selling land, prices. Only a
 * procedure named nearly whole ("xác nhận độc thân để vay ngân hàng") is answered then.
 */
const NOT_A_PROCEDURE =
  /\b(lai suat|vay ngan hang|vay von|vay tien|vay no|vay (them )?\d+ (trieu|ty|tr|cu)|dang tin|can ban|ban gap|ai mua|gia vang|xo so|chung khoan|ty gia|cam do|tiem cam|cam o tiem|cam co|dat nen)\b/;

/**
 * Topics that are not procedures: when the classifier is sure of one of these and the
 * catalogue match is not compelling, the topic answers (VNeID, the portal, 1022, greetings).
 * The proc.* and lienthong.* topics yield to the catalogue, which answers in detail.
 */
const PROCEDURE_TOPIC = /^(proc|lienthong)\./;

/** Decision thresholds, tuned on the dev and tuning conversations (scripts/procedures-eval). */
export const THRESHOLDS = {
  /** A candidate is answerable with this score and name coverage… */
  score: 8,
  coverage: 0.12,
  /** …or with a lower score when it covers more of its name ("làm hộ chiếu"). */
  lowScore: 4,
  lowScoreCoverage: 0.18,
  /** When the classifier is sure the message is out of scope, or names a non-procedure topic. */
  outOfScopeConfidence: 0.05,
  outOfScopeCoverage: 0.5,
  topicCoverage: 0.6,
  topicQueryCoverage: 0.6,
  clearCoverage: 0.7,
  clearLead: 1.8,
  /** Below this name coverage, the message must also be mostly about the candidate. */
  partialCoverage: 0.5,
  partialQueryCoverage: 0.5,
  /**
   * A runner-up this close, covering nearly as much of its name, to a best that covers less
   * than `familyCoverage` of its own: the message names a family; ask which one.
   */
  ambiguous: 0.8,
  familyCoverage: 0.8,
  familySecondCoverage: 0.7,
  familyQueryCoverage: 0.75,
  /** A runner-up within this share of the best score, covering twice as much of its name. */
  nearTie: 0.95,
  nearTieLead: 0.15,
  /** A story the classifier places among procedures gets a question when its best match is weak. */
  storyConfidence: 0.8,
  storyCoverage: 0.25,
  /** How much of its name a look-alike message ("vay ngân hàng…") must say. */
  lookAlikeCoverage: 0.8,
  /** Procedures offered in a question: at least this share of the best score. */
  family: 0.6,
  /** Siblings listed beside an answer: at least this share of the best score. */
  sibling: 0.35,
} as const;

/** "VNeID là gì", "1022 là số gì": a question about what something is. */
const DEFINITION = /\b(la gi|la cai gi|nghia la gi|la so gi|la ai)\b/;

const ORDINALS: [RegExp, number][] = [
  [/\b(thu nhat|dau tien|so 1|cai 1|muc 1|thu 1|so mot|cai mot)\b/, 0],
  [/\b(thu hai|thu 2|so 2|cai 2|muc 2|so hai|cai hai)\b/, 1],
  [/\b(thu ba|thu 3|so 3|cai 3|muc 3|so ba|cai ba)\b/, 2],
  [/\b(thu tu|thu 4|so 4|cai 4|muc 4|so bon|cai bon)\b/, 3],
  [/\b(thu nam|thu 5|so 5|cai 5|muc 5|so nam|cai nam)\b/, 4],
];
/** "không, ý tôi là tạm trú": what follows names the procedure meant instead. */
const CORRECTION =
  /^(?:(?:khong|ko|k|nham|sai|khong phai|thoi|a|ay)\s+)*(?:y (?:toi|em|minh|anh|chi) la|toi muon hoi|em muon hoi|ma la|nham roi|khong phai)\s+/;
/** "còn kết hôn thì sao", "thế còn tạm vắng": the same question about another procedure. */
const SAME_AGAIN = /\b(con|the con|vay con)\b.*\b(thi sao|the nao|sao)\b|^(the con|vay con|con)\b/;

export class ProcedureAssistant {
  readonly index: ProcedureIndex;
  private readonly normaliser: Normaliser;
  private readonly tokeniseName: (text: string) => string[];

  constructor(private readonly deps: AssistantDeps) {
    const editorial = new Map(
      [...deps.content.values()].map((c) => [
        c.code,
        { title: c.title, aliases: c.aliases, hidden: c.hidden },
      ]),
    );
    this.tokeniseName = catalogueTokeniser(deps.abbreviations);
    this.index = new ProcedureIndex(deps.catalogue.summaries, this.tokeniseName, {
      province: deps.province,
      editorial,
    });
    // Typos are repaired towards the catalogue's words and the topics' words alike.
    const vocabulary = new Map(this.index.vocabulary);
    const plain = new Normaliser(deps.abbreviations as never);
    for (const phrase of deps.phrases ?? [])
      for (const w of plain.normalise(phrase).tokens) vocabulary.set(w, (vocabulary.get(w) ?? 0) + 1);
    this.normaliser = new Normaliser(deps.abbreviations as never, vocabulary);
  }

  normalise(text: string): NormalisedText {
    return this.normaliser.normalise(text);
  }

  /** A tap on one of the assistant's buttons; undefined when the payload is not ours. */
  tap(payload: string, state: ProcedureState): ProcedureDecision | undefined {
    if (!payload.startsWith(PROCEDURE_PAYLOAD_PREFIX)) return undefined;
    const [code, facet] = payload.slice(PROCEDURE_PAYLOAD_PREFIX.length).split(':');
    if (!this.visible(code)) return { kind: 'none' };
    // A choice after "which one?" answers what was asked with the family question.
    const asked = state.options.includes(code) ? state.facets.filter(isFacet) : [];
    return this.answer(code, facet && isFacet(facet) ? [facet] : asked, [], state);
  }

  /** Free text: answer, clarify, or none (then the engine answers a topic or its fallback). */
  decide(text: string, state: ProcedureState, topic?: TopicHint): ProcedureDecision {
    const normalised = this.normaliser.normalise(text);
    let tokens = normalised.tokens;
    let joined = tokens.join(' ');
    const correction = CORRECTION.exec(joined);
    if (correction) {
      joined = joined.slice(correction[0].length);
      tokens = joined.split(' ').filter(Boolean);
    }
    if (EVASION.test(joined)) return { kind: 'none' };
    // The clauses of a story, each normalised alone, for the facets its question asks.
    const clauses =
      correction || !/[,.;?!\n]/.test(text)
        ? []
        : text.split(/[,.;?!\n]+/).map((c) => this.normaliser.normalise(c).tokens.join(' '));
    let facets = detectFacets(joined, clauses);
    // "không, ý tôi là tạm trú": the same question about the procedure meant.
    if (correction && facets.length === 0) facets = state.facets.filter(isFacet);
    const sameAgain = facets.length === 0 && SAME_AGAIN.test(joined);
    if (sameAgain) facets = state.facets.filter(isFacet);

    const coverageTokens = withoutFacetCues(joined).split(' ').filter(Boolean);
    // "mất bao lâu thì có": facet words and nothing else, about the procedure in focus.
    const onlyFacets = facets.length > 0 && this.index.informativeWords(coverageTokens).length === 0;
    // "bao lâu thì được cấp" about a building permit: facet words and words of the focus's own
    // name are a follow-up about it, whatever sibling listed under it shares those words.
    if (
      state.focus &&
      facets.length > 0 &&
      !correction &&
      !onlyFacets &&
      this.saysOnly(coverageTokens, state.focus)
    )
      return this.answer(state.focus, facets, [], state);

    // A choice among the options last offered: by number or by the words that differ.
    if (state.options.length > 0 && !correction && !(onlyFacets && state.focus)) {
      const chosen = this.choose(tokens, joined, state.options, state.focus);
      if (chosen)
        return this.answer(chosen, facets.length > 0 ? facets : state.facets.filter(isFacet), [], state);
    }

    // "phí bao nhiêu" right after "which one?": the first choice offered, the others beside it.
    if (state.options.length > 0 && !state.focus && onlyFacets && !correction)
      return this.answer(state.options[0], facets, state.options.slice(1, SIBLINGS_MAX + 1), state);

    // "cái gia hạn ấy", "thế còn cấp lại": a sibling of the procedure in focus.
    if (state.focus && !correction) {
      const sibling = this.siblingOfFocus(tokens, state.focus);
      if (sibling)
        return this.answer(sibling, facets.length > 0 ? facets : state.facets.filter(isFacet), [], state);
    }
    const ranked = this.index.rank(tokens, 12, { coverageTokens }).filter((r) => this.visible(r.code));
    // Scores this close: the one whose name the message says more of is meant ("lĩnh lương
    // hưu" is "Hưởng lương hưu", not a long name sharing more of the story's words).
    // One that also accounts for clearly more of the message wins even against a strong best
    // ("photo công chứng sổ hộ khẩu, cccd" is the certified copy, not the card).
    const first = ranked[0];
    const closer = ranked
      .slice(1, 4)
      .find(
        (r) =>
          r.score >= first.score * THRESHOLDS.nearTie &&
          ((r.coverage > first.coverage * 2 && !this.isStrong(first, ranked[1], topic)) ||
            (r.coverage > first.coverage && r.queryCoverage >= first.queryCoverage + THRESHOLDS.nearTieLead)),
      );
    if (closer) ranked.unshift(...ranked.splice(ranked.indexOf(closer), 1));
    const top = ranked[0];
    const strong =
      top !== undefined &&
      this.isStrong(top, ranked[1], topic) &&
      (!NOT_A_PROCEDURE.test(joined) || top.coverage >= THRESHOLDS.lookAlikeCoverage);

    // A follow-up about the procedure in focus: facet words and nothing that names another.
    // "VNeID là gì" asks what something is: a topic, even with an online cue in it.
    const definition = DEFINITION.test(joined) && !!topic?.intent && !PROCEDURE_TOPIC.test(topic.intent);
    if (
      state.focus &&
      facets.length > 0 &&
      !correction &&
      !definition &&
      !NOT_A_PROCEDURE.test(joined) &&
      (!strong || top.code === state.focus || this.followUpOnly(top))
    )
      return this.answer(state.focus, facets, [], state);
    const family = ranked.filter((r) => r.score >= top.score * THRESHOLDS.family).slice(0, OPTIONS_MAX);
    if (!strong) {
      // A long story the classifier is sure is about procedures, whose words match no name well
      // enough to answer: ask which of the closest it is rather than give up.
      const story =
        top !== undefined &&
        topic?.intent &&
        PROCEDURE_TOPIC.test(topic.intent) &&
        topic.confidence >= THRESHOLDS.storyConfidence &&
        top.score >= THRESHOLDS.lowScore &&
        top.coverage >= THRESHOLDS.storyCoverage &&
        family.length >= 2 &&
        !NOT_A_PROCEDURE.test(joined);
      // A story asking a facet: the closest answered, the others offered beside it.
      if (story && facets.length > 0)
        return this.answer(
          top.code,
          facets,
          family.slice(1).map((r) => r.code),
          state,
        );
      return story
        ? this.clarify(
            family.map((r) => r.code),
            facets,
            state,
          )
        : { kind: 'none' };
    }

    const siblings = ranked.filter((r) => r.score >= top.score * THRESHOLDS.sibling);
    const second = ranked[1];
    const ambiguous =
      second !== undefined &&
      second.score >= top.score * THRESHOLDS.ambiguous &&
      top.coverage < THRESHOLDS.familyCoverage &&
      second.coverage >= top.coverage * THRESHOLDS.familySecondCoverage &&
      // A runner-up that accounts for much less of the message is a sibling, not the question.
      second.queryCoverage >= top.queryCoverage * THRESHOLDS.familyQueryCoverage;
    // A family asked a question about: the most likely answered, the family offered beside
    // it; named only ("đăng ký lại giấy tờ hộ tịch"): which one?
    if (ambiguous && !(facets.length > 0 && asksQuestion(joined)))
      return this.clarify(
        family.map((r) => r.code),
        facets,
        state,
      );
    const beside = ambiguous ? family : siblings;
    return this.answer(
      top.code,
      facets,
      beside.slice(1, SIBLINGS_MAX + 1).map((r) => r.code),
      state,
    );
  }

  /** Whether a candidate is a convincing answer to the message. */
  private isStrong(top: Ranked, runnerUp: Ranked | undefined, topic?: TopicHint): boolean {
    const t = THRESHOLDS;
    const enough =
      (top.score >= t.score && top.coverage >= t.coverage) ||
      (top.score >= t.lowScore && top.coverage >= t.lowScoreCoverage);
    if (!enough) return false;
    if (top.coverage < t.partialCoverage && top.queryCoverage < t.partialQueryCoverage) return false;
    if (!topic) return true;
    if (topic.intent === null && topic.confidence < t.outOfScopeConfidence)
      return top.coverage >= t.outOfScopeCoverage;
    if (topic.intent && !PROCEDURE_TOPIC.test(topic.intent))
      return (
        top.coverage >= t.topicCoverage &&
        (top.queryCoverage >= t.topicQueryCoverage ||
          // A name said nearly whole, far ahead of the rest ("tách hộ ra riêng"): not the topic.
          (top.coverage >= t.clearCoverage && top.score >= (runnerUp?.score ?? 0) * t.clearLead))
      );
    return true;
  }

  /** Whether every informative word of the message is a word of the procedure's name. */
  private saysOnly(tokens: string[], code: string): boolean {
    const summary = this.deps.catalogue.summary(code);
    if (!summary) return false;
    const title = this.deps.content.get(code)?.title ?? '';
    const own = new Set(this.tokeniseName(`${summary.name} ${title}`));
    return this.index.informativeWords(tokens).every((w) => own.has(w));
  }

  /** A candidate that only matched question words (a weak match) does not replace the focus. */
  private followUpOnly(top: Ranked): boolean {
    return top.queryCoverage < 0.6;
  }

  /**
   * When a message says a sibling word the focus lacks ("gia hạn" about a building permit),
   * the sibling: ranked on the focus's name plus the message, it must have that word.
   */
  private siblingOfFocus(tokens: string[], focus: string): string | undefined {
    const own = this.index.rank(tokens, 1, { restrictTo: new Set([focus]) })[0];
    const said = this.index.queryMarkers(tokens);
    if (said.length === 0 || (own && own.unmatchedMarkers.length === 0)) return undefined;
    if (tokens.length > 10) return undefined; // a long message names its own procedure
    const summary = this.deps.catalogue.summary(focus);
    if (!summary) return undefined;
    const context = this.tokeniseName(summary.name);
    const ranked = this.index.rank([...context, ...tokens], 8).filter((r) => this.visible(r.code));
    const focusScore = ranked.find((r) => r.code === focus)?.score ?? 0;
    const best = ranked.find((r) => r.code !== focus && r.unmatchedMarkers.length === 0);
    return best && best.score >= focusScore * 0.5 ? best.code : undefined;
  }

  private choose(
    tokens: string[],
    joined: string,
    options: string[],
    focus: string | null,
  ): string | undefined {
    if (tokens.length <= 8)
      for (const [pattern, index] of ORDINALS)
        if (pattern.test(joined) && options[index]) return options[index];
    if (/\b(cai cuoi|cuoi cung)\b/.test(joined)) return options[options.length - 1];
    // The procedure in focus ranks with its siblings: "bao lâu thì được cấp" after an answer
    // about the building permit is about that permit, not about the options listed under it.
    const pool = new Set(focus ? [...options, focus] : options);
    const ranked = this.index.rank(tokens, OPTIONS_MAX + 1, { restrictTo: pool });
    if (ranked[0]?.code === focus) return undefined;
    const within = ranked.filter((r) => r.code !== focus);
    if (within.length === 0) return undefined;
    // "cái gia hạn", "cấp lại": the one option whose name has the sibling word said.
    const said = within.filter((r) => r.unmatchedMarkers.length === 0);
    if (said.length === 1 && within.some((r) => r.unmatchedMarkers.length > 0)) return said[0].code;
    const [best, next] = within;
    if (next && best.score < next.score * 1.15) return undefined;
    // A message naming some other procedure more strongly is a new question, not a choice. The
    // sibling word the question was about ("đăng ký lại" → "kết hôn") counts as said.
    const global = this.index.rank(tokens, 1)[0];
    // The procedure in focus named again ("làm khai tử mất bao lâu") is a follow-up about it.
    if (global && global.code === focus) return undefined;
    const asked = best.score / Math.pow(MARKER_PENALTY, best.missingMarkers.length);
    if (global && !options.includes(global.code) && global.score > asked * 1.5) return undefined;
    return best.score > 0 ? best.code : undefined;
  }

  private visible(code: string): boolean {
    return this.deps.catalogue.summary(code) !== undefined && !this.deps.content.get(code)?.hidden;
  }

  ref(code: string): ProcedureRef {
    const summary = this.deps.catalogue.summary(code)!;
    return { code, title: displayTitle(summary, this.deps.content.get(code)) };
  }

  private answer(
    code: string,
    facets: Facet[],
    siblings: string[],
    state: ProcedureState,
  ): ProcedureDecision {
    const procedure = this.deps.catalogue.get(code)!;
    const content = this.deps.content.get(code);
    const rendered = renderProcedure(procedure, facets, {
      content,
      agencies: this.deps.agencies,
      formUrl: this.deps.formUrl,
      maxChars: this.deps.maxChars,
    });
    const blocks = [...rendered.blocks];
    const options = siblings.map((c) => this.ref(c));
    if (options.length > 0) {
      const list = options.map((o, i) => `${i + 1}. ${o.title}`).join('\n');
      blocks.push({
        type: 'text',
        text: clip(`Nếu bạn hỏi thủ tục khác, có thể là:\n${list}`, this.deps.maxChars ?? 2000),
      });
    }
    // The other facets as buttons, leaving room for the siblings.
    const siblingButtons = options.slice(0, 1).map((o, i) => ({
      label: label(`${i + 1}. ${o.title}`),
      payload: procedurePayload(o.code),
    }));
    const facetButtons = FACETS.filter((f) => !rendered.covered.includes(f))
      .slice(0, BUTTONS_MAX - siblingButtons.length)
      .map((f) => ({ label: FACET_LABELS[f].button, payload: procedurePayload(code, f) }));
    const others = FACETS.filter((f) => !rendered.covered.includes(f)).map((f) => FACET_LABELS[f].ask);
    blocks.push({ type: 'text', text: `Bạn có thể hỏi thêm: ${others.join(', ')}.` });
    state.focus = code;
    state.options = options.map((o) => o.code);
    state.facets = rendered.covered.filter((f) => facets.includes(f));
    return {
      kind: 'answer',
      reply: {
        blocks,
        buttons: [...facetButtons, ...siblingButtons],
        procedure: this.ref(code),
        options,
        facets: rendered.covered,
      },
    };
  }

  private clarify(codes: string[], facets: Facet[], state: ProcedureState): ProcedureDecision {
    const options = codes.map((c) => this.ref(c));
    const list = options.map((o, i) => `${i + 1}. ${o.title} (mã ${o.code})`).join('\n');
    const text = clip(
      `Có ${options.length} thủ tục gần với câu hỏi của bạn. Bạn hỏi thủ tục nào? Bấm chọn hoặc trả lời số thứ tự:\n${list}`,
      this.deps.maxChars ?? 2000,
    );
    state.focus = null;
    state.options = codes;
    state.facets = facets;
    return {
      kind: 'clarify',
      reply: {
        blocks: [{ type: 'text', text }],
        buttons: options.slice(0, BUTTONS_MAX).map((o, i) => ({
          label: label(`${i + 1}. ${o.title}`),
          payload: procedurePayload(o.code, facets.length === 1 ? facets[0] : undefined),
        })),
        procedure: null,
        options,
        facets: [],
      },
    };
  }
}

/** A button label within 20 characters, cut at a word with an ellipsis. */
function label(text: string): string {
  if (text.length <= LABEL_MAX) return text;
  const cut = text.slice(0, LABEL_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > 8 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
