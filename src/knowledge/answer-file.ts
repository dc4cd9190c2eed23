/**
 * Parsing one content/<intent>.md: front matter, body split into summary and guide steps,
 * locality placeholders filled in, and every problem that file alone shows (name, lengths,
 * review dates). Problems that need other files are rules (rules.ts).
 */
import path from 'node:path';
import { contentError, contentWarning, type ContentWarning } from '../core/content-messages';
import { parseYaml, type LineOf, type SourceFile } from '../core/yaml-file';
import { vietnamDay } from '../core/vietnam-day';
import type { ContentError } from '../errors';
import { fillPlaceholders, LOCALITY_FILE, PLACEHOLDER } from './locality-file';
import { answerFrontMatterSchema, MESSAGE_MAX, SUMMARY_MAX } from './schema';
import type { Answer, GuideStep, LocalityValue } from './types';

/** An answer whose `reviewed` date is older than this is listed for the editors. */
export const REVIEW_MAX_AGE_DAYS = 180;

export interface AnswerFileParse {
  file: string;
  /** Set when the front matter is valid (the body may still have problems). */
  answer?: Answer;
  lineOf: LineOf;
  errors: ContentError[];
  warnings: ContentWarning[];
}

/** The text of one guide message, exactly as the engine sends it. */
export function guideStepText(step: GuideStep, index: number, total: number): string {
  return `Bước ${index + 1}/${total}: ${step.title}\n\n${step.text}`.trim();
}

/** @param today the day review dates are judged against (in Vietnam). */
export function parseAnswerFile(
  file: SourceFile,
  locality: ReadonlyMap<string, LocalityValue>,
  today: Date,
): AnswerFileParse {
  const errors: ContentError[] = [];
  const warnings: ContentWarning[] = [];
  const split = splitFrontMatter(file.text);
  if (!split) {
    errors.push(contentError(file.name, 1, undefined, 'frontMatter.missing'));
    return { file: file.name, lineOf: () => 1, errors, warnings };
  }
  const parsed = parseYaml(file.name, split.yaml, answerFrontMatterSchema, 1);
  errors.push(...parsed.errors);
  const result: AnswerFileParse = { file: file.name, lineOf: parsed.lineOf, errors, warnings };
  if (!parsed.value) return result;
  const meta = parsed.value;

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
  for (const stray of new Set(split.body.replace(PLACEHOLDER, '').match(/\{\{[^\n]*?(\}\}|$)|\}\}/gm) ?? []))
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
  const day = vietnamDay(today.getTime());
  if (meta.reviewed > day)
    errors.push(
      contentError(file.name, parsed.lineOf(['reviewed']), 'reviewed', 'reviewed.future', {
        date: meta.reviewed,
      }),
    );
  else if (daysBetween(meta.reviewed, day) > REVIEW_MAX_AGE_DAYS)
    warnings.push(
      contentWarning(file.name, parsed.lineOf(['reviewed']), 'reviewed.old', {
        date: meta.reviewed,
        days: REVIEW_MAX_AGE_DAYS,
      }),
    );
  if (meta.needs_review)
    warnings.push(contentWarning(file.name, parsed.lineOf(['needs_review']), 'answer.needsReview'));
  result.answer = {
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
  };
  return result;
}

/** Splits `---\nfront matter\n---\nbody`; the front matter's YAML starts on line 2. */
function splitFrontMatter(text: string): { yaml: string; body: string; bodyLine: number } | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) return undefined;
  return { yaml: match[1]!, body: text.slice(match[0].length), bodyLine: match[0].split('\n').length };
}

function parseBody(body: string): { summary: string; steps: GuideStep[] } {
  const [intro, ...sections] = body.split(/^## /m);
  const steps = sections.map((section) => {
    const newline = section.indexOf('\n');
    const title = (newline < 0 ? section : section.slice(0, newline)).trim();
    const text = newline < 0 ? '' : section.slice(newline + 1).trim();
    return { title, text };
  });
  return { summary: intro!.trim(), steps };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/** 0-based index of the first line containing both markers, for error positions. */
function lineIndexOf(text: string, marker: string, key: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(marker) && line.includes(key));
  return Math.max(index, 0);
}
