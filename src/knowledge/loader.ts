/**
 * Reads content/ and intents/ into one immutable `Knowledge` snapshot, collecting every
 * problem as a `ContentError` (file, line, field) instead of stopping at the first.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GUIDE_BUTTONS } from '../core/payloads';
import { vietnamDay } from '../core/vietnam-day';
import { ContentError } from '../errors';
import {
  abbreviationsFileSchema,
  answerFrontMatterSchema,
  intentFileSchema,
  localityTreeSchema,
  MESSAGE_MAX,
  outOfScopeFileSchema,
  SUMMARY_MAX,
  systemFileSchema,
  type Abbreviations,
  type LinkDef,
  type PrivacyMessages,
  type QuickReplyDef,
} from './schema';
import { cleanText, foldAccents } from '../nlu/normalise';
import { contentError, contentWarning, type ContentWarning } from './messages';
import { parseYaml } from './yaml-file';

export interface IntentDef {
  id: string;
  phrases: string[];
  file: string;
}

export interface GuideStep {
  title: string;
  text: string;
}

/** One curated answer, with locality placeholders already filled in. */
export interface Answer {
  intent: string;
  title: string;
  /** The first message: short, at most 600 characters. */
  summary: string;
  /** The `## ` sections of the file, walked one at a time as a guide. */
  steps: GuideStep[];
  quickReplies: QuickReplyDef[];
  links: LinkDef[];
  sources: string[];
  /** Legal documents by number, as the editors cite them. */
  legal: string[];
  reviewed: string;
  needsReview: boolean;
  file: string;
}

export interface LocalityValue {
  value: string;
  needsReview: boolean;
  note?: string;
}

export interface SystemMessages {
  fallback: string;
  /** Answer to stickers, images, files and locations (the fallback when not written). */
  unsupportedMedia: string;
  /** The one reply a citizen gets when sending faster than flood control allows. */
  slowDown: string;
  mainTopics: QuickReplyDef[];
  privacy: PrivacyMessages;
}

export interface Knowledge {
  /** A hash of every loaded file: changes whenever any content changes. */
  version: string;
  intents: IntentDef[];
  outOfScope: string[];
  abbreviations: Abbreviations;
  answers: ReadonlyMap<string, Answer>;
  locality: ReadonlyMap<string, LocalityValue>;
  system: SystemMessages;
}

export type { ContentWarning } from './messages';

export interface KnowledgeCheck {
  knowledge?: Knowledge;
  errors: ContentError[];
  warnings: ContentWarning[];
}

export interface KnowledgeDirs {
  contentDir: string;
  intentsDir: string;
}

export interface CheckOptions {
  /** "Today" for the review-age warning; defaults to the current date. */
  today?: Date;
  /**
   * Most buttons under one message on the smallest channel; `npm run content:check` reads it
   * from the channels' limits (src/channels/index.ts PLATFORM_LIMITS). Default BUTTONS_MAX.
   */
  buttonsMax?: number;
}

/** An answer whose `reviewed` date is older than this is listed for the editors. */
export const REVIEW_MAX_AGE_DAYS = 180;
/**
 * Zalo shows at most 5 buttons under a message, the smallest limit of all channels: the
 * default when no limit is passed (tests/channels/limits.test.ts keeps it equal to the
 * channels' smallest).
 */
export const BUTTONS_MAX = 5;

const OUT_OF_SCOPE_FILE = '_out_of_scope.yaml';
const ABBREVIATIONS_FILE = '_abbreviations.yaml';
const LOCALITY_FILE = 'locality.yaml';
const SYSTEM_FILE = 'system.yaml';
const PLACEHOLDER = /\{\{\s*([a-z0-9_.]+)\s*\}\}/g;

interface SourceFile {
  /** Path shown in messages, relative to the working directory. */
  name: string;
  text: string;
}

function readDir(dir: string, pattern: RegExp): SourceFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => {
      const full = path.join(dir, f);
      const relative = path.relative(process.cwd(), full);
      const name = relative && !relative.startsWith('..') ? relative : path.resolve(full);
      return { name, text: fs.readFileSync(full, 'utf8') };
    });
}

function hashFiles(files: SourceFile[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(f.name).update('\0').update(f.text).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** Splits `---\nfront matter\n---\nbody`; the front matter's YAML starts on line 2. */
function splitFrontMatter(text: string): { yaml: string; body: string; bodyLine: number } | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) return undefined;
  return { yaml: match[1], body: text.slice(match[0].length), bodyLine: match[0].split('\n').length };
}

function parseBody(body: string): { summary: string; steps: GuideStep[] } {
  const [intro, ...sections] = body.split(/^## /m);
  const steps = sections.map((section) => {
    const newline = section.indexOf('\n');
    const title = (newline < 0 ? section : section.slice(0, newline)).trim();
    const text = newline < 0 ? '' : section.slice(newline + 1).trim();
    return { title, text };
  });
  return { summary: intro.trim(), steps };
}

function flattenLocality(tree: object, prefix = '', out = new Map<string, LocalityValue>()) {
  for (const [key, node] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof node === 'string') out.set(name, { value: node, needsReview: false });
    else if ('value' in node && typeof node.value === 'string')
      out.set(name, {
        value: node.value,
        needsReview: Boolean(node.needs_review),
        note: node.note as string,
      });
    else flattenLocality(node, name, out);
  }
  return out;
}

/** Fills `{{key}}` placeholders; reports each unknown key against `file:line`. */
function fillPlaceholders(
  text: string,
  locality: ReadonlyMap<string, LocalityValue>,
  onMissing: (key: string) => void,
): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => {
    const entry = locality.get(key);
    if (entry) return entry.value;
    onMissing(key);
    return whole;
  });
}

/** The training side of the knowledge, with every problem found in it. */
export interface IntentsParse {
  intents: IntentDef[];
  outOfScope: string[];
  abbreviations: Abbreviations;
  errors: ContentError[];
}

/** Reads intents/ (training phrases, out-of-scope phrases, abbreviations) on its own. */
export function readIntentsDir(intentsDir: string): IntentsParse {
  return parseIntentFiles(readDir(intentsDir, /\.ya?ml$/));
}

function parseIntentFiles(intentFiles: SourceFile[]): IntentsParse {
  const errors: ContentError[] = [];
  const intents: IntentDef[] = [];
  let outOfScope: string[] = [];
  let outOfScopeSource: { file: string; lineOf: (p: (string | number)[]) => number | undefined } | undefined;
  let abbreviations: Abbreviations = {};
  const phraseOwner = new Map<string, string>();
  for (const file of intentFiles) {
    const base = path.basename(file.name);
    if (base === OUT_OF_SCOPE_FILE) {
      const parsed = parseYaml(file.name, file.text, outOfScopeFileSchema);
      errors.push(...parsed.errors);
      outOfScope = parsed.value?.phrases ?? [];
      outOfScopeSource = { file: file.name, lineOf: parsed.lineOf };
      continue;
    }
    if (base === ABBREVIATIONS_FILE) {
      const parsed = parseYaml(file.name, file.text, abbreviationsFileSchema);
      errors.push(...parsed.errors);
      abbreviations = parsed.value?.abbreviations ?? {};
      continue;
    }
    const parsed = parseYaml(file.name, file.text, intentFileSchema);
    errors.push(...parsed.errors);
    if (!parsed.value) continue;
    const intent = parsed.value;
    if (intents.some((i) => i.id === intent.id)) {
      errors.push(
        contentError(file.name, parsed.lineOf(['id']), 'id', 'intent.duplicate', { id: intent.id }),
      );
      continue;
    }
    intent.phrases.forEach((phrase, i) => {
      const key = phraseKey(phrase);
      const owner = phraseOwner.get(key);
      if (owner && owner !== intent.id)
        errors.push(
          contentError(file.name, parsed.lineOf(['phrases', i]), `phrases.${i}`, 'phrase.twoIntents', {
            phrase,
            owner,
          }),
        );
      phraseOwner.set(key, intent.id);
    });
    intents.push({ id: intent.id, phrases: intent.phrases, file: file.name });
  }
  outOfScope.forEach((phrase, i) => {
    const owner = phraseOwner.get(phraseKey(phrase));
    if (owner && outOfScopeSource)
      errors.push(
        contentError(
          outOfScopeSource.file,
          outOfScopeSource.lineOf(['phrases', i]),
          `phrases.${i}`,
          'phrase.outOfScopeAndIntent',
          { phrase, owner },
        ),
      );
  });

  return { intents, outOfScope, abbreviations, errors };
}

/** Reads and validates everything; `knowledge` is set only when there is no error. */
export function checkKnowledge(dirs: KnowledgeDirs, options: CheckOptions = {}): KnowledgeCheck {
  const errors: ContentError[] = [];
  const warnings: ContentWarning[] = [];
  const today = vietnamDay((options.today ?? new Date()).getTime());
  const buttonsMax = options.buttonsMax ?? BUTTONS_MAX;
  for (const [dir, variable] of [
    [dirs.contentDir, 'CONTENT_DIR'],
    [dirs.intentsDir, 'INTENTS_DIR'],
  ] as const)
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      errors.push(contentError(dir, undefined, undefined, 'dir.notFound', { variable }));
  if (errors.length > 0) return { errors, warnings };

  const intentFiles = readDir(dirs.intentsDir, /\.ya?ml$/);
  const contentFiles = readDir(dirs.contentDir, /\.(md|ya?ml)$/);
  const version = hashFiles([...intentFiles, ...contentFiles]);

  /** A file content/ must hold: reported as missing when it is not there. */
  const requiredContentFile = (name: string) => {
    const file = contentFiles.find((f) => path.basename(f.name) === name);
    if (!file)
      errors.push(contentError(path.join(dirs.contentDir, name), undefined, undefined, 'file.missing'));
    return file;
  };

  // Locality first: answers are rendered against it.
  const localityFile = requiredContentFile(LOCALITY_FILE);
  let locality = new Map<string, LocalityValue>();
  // With no readable locality file every placeholder would be reported: report the file only.
  let localityBroken = false;
  if (localityFile) {
    const parsed = parseYaml(localityFile.name, localityFile.text, localityTreeSchema);
    errors.push(...parsed.errors);
    if (parsed.value) locality = flattenLocality(parsed.value);
    else localityBroken = true;
    for (const [key, entry] of locality) {
      if (entry.needsReview)
        warnings.push(
          contentWarning(localityFile.name, parsed.lineOf(key.split('.')), 'locality.needsReview', {
            key,
            note: entry.note,
          }),
        );
    }
  }

  const { intents, outOfScope, abbreviations, errors: intentErrors } = parseIntentFiles(intentFiles);
  errors.push(...intentErrors);
  const intentIds = new Set(intents.map((i) => i.id));

  const answers = new Map<string, Answer>();
  const answerLines = new Map<string, (p: (string | number)[]) => number | undefined>();
  // Answer files already reported as invalid; their intents are not "without an answer".
  const invalidAnswerFiles = new Set<string>();
  for (const file of contentFiles.filter((f) => f.name.endsWith('.md'))) {
    const split = splitFrontMatter(file.text);
    if (!split) {
      invalidAnswerFiles.add(path.basename(file.name));
      errors.push(contentError(file.name, 1, undefined, 'frontMatter.missing'));
      continue;
    }
    const parsed = parseYaml(file.name, split.yaml, answerFrontMatterSchema, 1);
    errors.push(...parsed.errors);
    if (!parsed.value) {
      invalidAnswerFiles.add(path.basename(file.name));
      continue;
    }
    const meta = parsed.value;
    if (answers.has(meta.intent)) {
      errors.push(
        contentError(file.name, parsed.lineOf(['intent']), 'intent', 'answer.duplicate', {
          intent: meta.intent,
        }),
      );
      continue;
    }
    const expectedName = `${meta.intent}.md`;
    if (path.basename(file.name) !== expectedName)
      errors.push(
        contentError(file.name, parsed.lineOf(['intent']), 'intent', 'answer.misnamed', {
          intent: meta.intent,
          name: path.basename(file.name),
          expected: expectedName,
        }),
      );
    const bodyLineOf = (marker: string, key: string) => split.bodyLine + lineIndexOf(split.body, marker, key);
    const rendered = fillPlaceholders(split.body, locality, (key) =>
      errors.push(
        contentError(file.name, bodyLineOf('{{', key), `{{${key}}}`, 'placeholder.unknown', {
          key,
          localityFile: LOCALITY_FILE,
        }),
      ),
    );
    // Whatever is left is a placeholder written wrongly ("{{ Office.Address }}", "{{office.name}").
    for (const stray of new Set(
      split.body.replace(PLACEHOLDER, '').match(/\{\{[^\n]*?(\}\}|$)|\}\}/gm) ?? [],
    ))
      errors.push(
        contentError(file.name, bodyLineOf(stray, ''), 'body', 'placeholder.malformed', {
          text: JSON.stringify(stray.slice(0, 40)),
        }),
      );
    const { summary, steps } = parseBody(rendered);
    if (!summary) errors.push(contentError(file.name, split.bodyLine, 'body', 'body.empty'));
    if (summary.length > SUMMARY_MAX)
      errors.push(
        contentError(file.name, split.bodyLine, 'body', 'body.summaryTooLong', {
          length: summary.length,
          max: SUMMARY_MAX,
        }),
      );
    steps.forEach((step, i) => {
      const line = bodyLineOf('## ', step.title);
      // The engine sends "Bước 2/5: <title>" and the text as one message.
      const length = guideStepText(step, i, steps.length).length;
      if (!step.title || !step.text)
        errors.push(contentError(file.name, line, `## ${step.title}`, 'step.empty'));
      if (length > MESSAGE_MAX)
        errors.push(
          contentError(file.name, line, `## ${step.title}`, 'step.tooLong', {
            step: i + 1,
            length,
            max: MESSAGE_MAX,
          }),
        );
    });
    const guideButtons = steps.length > 0 ? GUIDE_BUTTONS : 0;
    if (guideButtons + meta.quick_replies.length > buttonsMax)
      errors.push(
        contentError(file.name, parsed.lineOf(['quick_replies']), 'quick_replies', 'buttons.tooMany', {
          max: buttonsMax,
          guide: guideButtons,
          found: meta.quick_replies.length,
        }),
      );
    if (meta.reviewed > today)
      errors.push(
        contentError(file.name, parsed.lineOf(['reviewed']), 'reviewed', 'reviewed.future', {
          date: meta.reviewed,
        }),
      );
    else if (daysBetween(meta.reviewed, today) > REVIEW_MAX_AGE_DAYS)
      warnings.push(
        contentWarning(file.name, parsed.lineOf(['reviewed']), 'reviewed.old', {
          date: meta.reviewed,
          days: REVIEW_MAX_AGE_DAYS,
        }),
      );
    if (meta.needs_review)
      warnings.push(contentWarning(file.name, parsed.lineOf(['needs_review']), 'answer.needsReview'));
    answers.set(meta.intent, {
      intent: meta.intent,
      title: meta.title,
      summary,
      steps,
      quickReplies: meta.quick_replies,
      links: meta.links,
      sources: meta.sources,
      legal: meta.legal,
      reviewed: meta.reviewed,
      needsReview: meta.needs_review,
      file: file.name,
    });
    answerLines.set(meta.intent, parsed.lineOf);
  }

  let system: SystemMessages | undefined;
  const systemFile = requiredContentFile(SYSTEM_FILE);
  if (systemFile) {
    const parsed = parseYaml(systemFile.name, systemFile.text, systemFileSchema);
    errors.push(...parsed.errors);
    if (parsed.value) {
      const fill = (field: 'fallback' | 'unsupported_media' | 'slow_down', text: string) =>
        fillPlaceholders(text, locality, (key) =>
          errors.push(
            contentError(systemFile.name, parsed.lineOf([field]), field, 'placeholder.unknownInSystem', {
              key,
              localityFile: LOCALITY_FILE,
            }),
          ),
        );
      const fallback = fill('fallback', parsed.value.fallback);
      const unsupportedMedia = fill(
        'unsupported_media',
        parsed.value.unsupported_media ?? parsed.value.fallback,
      );
      const slowDown = fill('slow_down', parsed.value.slow_down);
      system = {
        fallback,
        unsupportedMedia,
        slowDown,
        mainTopics: parsed.value.main_topics,
        privacy: parsed.value.privacy,
      };
      parsed.value.main_topics.forEach((topic, i) => {
        if (!intentIds.has(topic.intent))
          errors.push(
            contentError(
              systemFile.name,
              parsed.lineOf(['main_topics', i, 'intent']),
              `main_topics.${i}.intent`,
              'intent.unknown',
              { intent: topic.intent, suggestion: closestId(topic.intent, intentIds) },
            ),
          );
      });
    }
  }

  // Cross-file rules: every intent answered, every answer and quick reply pointing at an intent.
  for (const intent of intents) {
    if (!answers.has(intent.id) && !invalidAnswerFiles.has(`${intent.id}.md`))
      errors.push(
        contentError(intent.file, 1, 'id', 'intent.noAnswer', {
          id: intent.id,
          file: path.join(dirs.contentDir, `${intent.id}.md`),
        }),
      );
  }
  for (const answer of answers.values()) {
    const lineOf = answerLines.get(answer.intent)!;
    if (!intentIds.has(answer.intent))
      errors.push(
        contentError(answer.file, lineOf(['intent']), 'intent', 'answer.noIntent', {
          intent: answer.intent,
          dir: dirs.intentsDir,
        }),
      );
    answer.quickReplies.forEach((qr, i) => {
      if (!intentIds.has(qr.intent))
        errors.push(
          contentError(
            answer.file,
            lineOf(['quick_replies', i, 'intent']),
            `quick_replies.${i}.intent`,
            'intent.unknown',
            { intent: qr.intent, suggestion: closestId(qr.intent, intentIds) },
          ),
        );
    });
  }

  if (localityBroken) {
    // Every placeholder looks unknown when locality.yaml itself is unreadable: report only that.
    const unknownPlaceholder = ['placeholder.unknown', 'placeholder.unknownInSystem'];
    return { errors: errors.filter((e) => !unknownPlaceholder.includes(e.detail?.id ?? '')), warnings };
  }
  if (errors.length > 0 || !system) return { errors, warnings };
  return {
    knowledge: { version, intents, outOfScope, abbreviations, answers, locality, system },
    errors,
    warnings,
  };
}

/** The text of one guide message, exactly as the engine sends it. */
export function guideStepText(step: GuideStep, index: number, total: number): string {
  return `Bước ${index + 1}/${total}: ${step.title}\n\n${step.text}`.trim();
}

/** The known id one or two typing slips away from `id` ("dvc.abuot" → "dvc.about"), if any. */
function closestId(id: string, known: ReadonlySet<string>): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(id, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { id: candidate, distance };
  }
  return best?.id;
}

/** Levenshtein distance, counting a swap of two neighbouring letters as one slip. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** Two phrases collide when the classifier would see the same tokens. */
function phraseKey(phrase: string): string {
  return foldAccents(cleanText(phrase));
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/** 0-based index of the first line containing both markers, for error positions. */
function lineIndexOf(text: string, marker: string, key: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(marker) && line.includes(key));
  return Math.max(index, 0);
}

/** Loads a valid snapshot or throws the first error (all of them are in its `cause`). */
export function loadKnowledge(dirs: KnowledgeDirs): Knowledge {
  const check = checkKnowledge(dirs);
  if (!check.knowledge) {
    const [first] = check.errors;
    const more =
      check.errors.length > 1 ? ` (and ${check.errors.length - 1} more: run npm run content:check)` : '';
    throw new ContentError(first.file, first.line, first.field, `${first.problem}${more}`, {
      cause: check.errors,
    });
  }
  return check.knowledge;
}
