/**
 * Reads content/ and intents/ into one immutable `Knowledge` snapshot, collecting every
 * problem as a `ContentError` (file, line, field) instead of stopping at the first.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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

export interface ContentWarning {
  file: string;
  line?: number;
  message: string;
}

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
}

/** An answer whose `reviewed` date is older than this is listed for the editors. */
export const REVIEW_MAX_AGE_DAYS = 180;
/** Zalo shows at most 5 buttons under a message, the smallest limit of all channels. */
export const BUTTONS_MAX = 5;
/** Buttons the engine adds under an answer that has "## " steps ("Xem từng bước", "Xem tất cả"). */
const GUIDE_BUTTONS = 2;

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
        new ContentError(file.name, parsed.lineOf(['id']), 'id', `intent "${intent.id}" is defined twice`),
      );
      continue;
    }
    intent.phrases.forEach((phrase, i) => {
      const key = phraseKey(phrase);
      const owner = phraseOwner.get(key);
      if (owner && owner !== intent.id)
        errors.push(
          new ContentError(
            file.name,
            parsed.lineOf(['phrases', i]),
            `phrases.${i}`,
            `"${phrase}" is also a phrase of intent "${owner}"; keep it under one intent only`,
          ),
        );
      phraseOwner.set(key, intent.id);
    });
    intents.push({ id: intent.id, phrases: intent.phrases, file: file.name });
  }
  outOfScope.forEach((phrase, i) => {
    const owner = phraseOwner.get(phraseKey(phrase));
    if (owner && outOfScopeSource)
      errors.push(
        new ContentError(
          outOfScopeSource.file,
          outOfScopeSource.lineOf(['phrases', i]),
          `phrases.${i}`,
          `"${phrase}" is listed as out of scope but is also a phrase of intent "${owner}"; keep it in one place only`,
        ),
      );
  });

  return { intents, outOfScope, abbreviations, errors };
}

/** Reads and validates everything; `knowledge` is set only when there is no error. */
export function checkKnowledge(dirs: KnowledgeDirs, options: CheckOptions = {}): KnowledgeCheck {
  const errors: ContentError[] = [];
  const warnings: ContentWarning[] = [];
  const today = isoDay(options.today ?? new Date());
  for (const [dir, variable] of [
    [dirs.contentDir, 'CONTENT_DIR'],
    [dirs.intentsDir, 'INTENTS_DIR'],
  ] as const)
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      errors.push(new ContentError(dir, undefined, undefined, `folder not found; check ${variable}`));
  if (errors.length > 0) return { errors, warnings };

  const intentFiles = readDir(dirs.intentsDir, /\.ya?ml$/);
  const contentFiles = readDir(dirs.contentDir, /\.(md|ya?ml)$/);
  const version = hashFiles([...intentFiles, ...contentFiles]);

  /** A file content/ must hold: reported as missing when it is not there. */
  const requiredContentFile = (name: string) => {
    const file = contentFiles.find((f) => path.basename(f.name) === name);
    if (!file)
      errors.push(
        new ContentError(path.join(dirs.contentDir, name), undefined, undefined, 'file is missing'),
      );
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
        warnings.push({
          file: localityFile.name,
          line: parsed.lineOf(key.split('.')),
          message: `${key} needs review${entry.note ? `: ${entry.note}` : ''}`,
        });
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
      errors.push(
        new ContentError(file.name, 1, undefined, 'expected front matter between two "---" lines at the top'),
      );
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
        new ContentError(
          file.name,
          parsed.lineOf(['intent']),
          'intent',
          `another file already answers "${meta.intent}"`,
        ),
      );
      continue;
    }
    const expectedName = `${meta.intent}.md`;
    if (path.basename(file.name) !== expectedName)
      errors.push(
        new ContentError(
          file.name,
          parsed.lineOf(['intent']),
          'intent',
          `the file answers "${meta.intent}" but is named ${path.basename(file.name)}; name it ${expectedName}`,
        ),
      );
    const bodyLineOf = (marker: string, key: string) => split.bodyLine + lineIndexOf(split.body, marker, key);
    const rendered = fillPlaceholders(split.body, locality, (key) =>
      errors.push(
        new ContentError(
          file.name,
          bodyLineOf('{{', key),
          `{{${key}}}`,
          `placeholder not found in ${LOCALITY_FILE}; add "${key}" there or fix the name`,
        ),
      ),
    );
    // Whatever is left is a placeholder written wrongly ("{{ Office.Address }}", "{{office.name}").
    for (const stray of new Set(
      split.body.replace(PLACEHOLDER, '').match(/\{\{[^\n]*?(\}\}|$)|\}\}/gm) ?? [],
    ))
      errors.push(
        new ContentError(
          file.name,
          bodyLineOf(stray, ''),
          'body',
          `malformed placeholder ${JSON.stringify(stray.slice(0, 40))}; write it as {{office.address}} (lowercase, dots, two braces on each side)`,
        ),
      );
    const { summary, steps } = parseBody(rendered);
    if (!summary)
      errors.push(
        new ContentError(
          file.name,
          split.bodyLine,
          'body',
          'expected a short answer text after the front matter',
        ),
      );
    if (summary.length > SUMMARY_MAX)
      errors.push(
        new ContentError(
          file.name,
          split.bodyLine,
          'body',
          `the first message has ${summary.length} characters; keep it at most ${SUMMARY_MAX} and move details into "## " sections`,
        ),
      );
    steps.forEach((step, i) => {
      const line = bodyLineOf('## ', step.title);
      // The engine sends "Bước 2/5: <title>" and the text as one message.
      const length = guideStepText(step, i, steps.length).length;
      if (!step.title || !step.text)
        errors.push(
          new ContentError(
            file.name,
            line,
            `## ${step.title}`,
            'expected a section title after "## " and text under it',
          ),
        );
      if (length > MESSAGE_MAX)
        errors.push(
          new ContentError(
            file.name,
            line,
            `## ${step.title}`,
            `step ${i + 1} makes a message of ${length} characters; Zalo and Messenger accept at most ${MESSAGE_MAX}: split it into two "## " sections`,
          ),
        );
    });
    const guideButtons = steps.length > 0 ? GUIDE_BUTTONS : 0;
    if (guideButtons + meta.quick_replies.length > BUTTONS_MAX)
      errors.push(
        new ContentError(
          file.name,
          parsed.lineOf(['quick_replies']),
          'quick_replies',
          `Zalo shows at most ${BUTTONS_MAX} buttons under a message; ${
            guideButtons ? `with the ${guideButtons} guide buttons keep` : 'keep'
          } at most ${BUTTONS_MAX - guideButtons} quick replies (found ${meta.quick_replies.length})`,
        ),
      );
    if (meta.reviewed > today)
      errors.push(
        new ContentError(
          file.name,
          parsed.lineOf(['reviewed']),
          'reviewed',
          `the review date ${meta.reviewed} is in the future; write the day the answer was checked (YYYY-MM-DD)`,
        ),
      );
    else if (daysBetween(meta.reviewed, today) > REVIEW_MAX_AGE_DAYS)
      warnings.push({
        file: file.name,
        line: parsed.lineOf(['reviewed']),
        message: `reviewed ${meta.reviewed}, more than ${REVIEW_MAX_AGE_DAYS} days ago: check the facts again and update the date`,
      });
    if (meta.needs_review)
      warnings.push({
        file: file.name,
        line: parsed.lineOf(['needs_review']),
        message: 'needs_review: true (contains facts still to be verified)',
      });
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
            new ContentError(
              systemFile.name,
              parsed.lineOf([field]),
              field,
              `placeholder {{${key}}} not found in ${LOCALITY_FILE}`,
            ),
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
            new ContentError(
              systemFile.name,
              parsed.lineOf(['main_topics', i, 'intent']),
              `main_topics.${i}.intent`,
              `unknown intent "${topic.intent}"`,
            ),
          );
      });
    }
  }

  // Cross-file rules: every intent answered, every answer and quick reply pointing at an intent.
  for (const intent of intents) {
    if (!answers.has(intent.id) && !invalidAnswerFiles.has(`${intent.id}.md`))
      errors.push(
        new ContentError(
          intent.file,
          1,
          'id',
          `intent "${intent.id}" has no answer; add ${path.join(dirs.contentDir, `${intent.id}.md`)}`,
        ),
      );
  }
  for (const answer of answers.values()) {
    const lineOf = answerLines.get(answer.intent)!;
    if (!intentIds.has(answer.intent))
      errors.push(
        new ContentError(
          answer.file,
          lineOf(['intent']),
          'intent',
          `no intent "${answer.intent}" in ${dirs.intentsDir}/; add its training phrases there`,
        ),
      );
    answer.quickReplies.forEach((qr, i) => {
      if (!intentIds.has(qr.intent))
        errors.push(
          new ContentError(
            answer.file,
            lineOf(['quick_replies', i, 'intent']),
            `quick_replies.${i}.intent`,
            `unknown intent "${qr.intent}"`,
          ),
        );
    });
  }

  if (localityBroken) {
    // Every placeholder looks unknown when locality.yaml itself is unreadable: report only that.
    const unknownPlaceholder = `not found in ${LOCALITY_FILE}`;
    return { errors: errors.filter((e) => !e.problem.includes(unknownPlaceholder)), warnings };
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

/** Two phrases collide when the classifier would see the same tokens. */
function phraseKey(phrase: string): string {
  return foldAccents(cleanText(phrase));
}

/** YYYY-MM-DD of a date in Vietnam's time zone (UTC+7, no daylight saving). */
function isoDay(date: Date): string {
  return new Date(date.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
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
