/**
 * What editors add to the official records: content/procedures/<code>.md (aliases citizens
 * use, a plain-language summary, fees with the document that sets them, local notes, hiding a
 * procedure). Read and checked here, with every problem as file:line (field): message, for
 * both `npm run content:check` and the running server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContentError } from '../errors';
import { contentError, contentWarning, type MessageRef } from '../core/content-messages';
import { parseYaml } from '../core/yaml-file';
import type { Knowledge } from '../knowledge/loader';
import { sharedCatalogue, type ProcedureCatalogue } from './catalogue';
import { readAgencies, type Agency, type LocalityValues } from './locality';
import { procedureFrontMatterSchema, type EditorFee } from './schema';
import { foldWords } from './text';

export const PROCEDURES_CONTENT_DIR = 'procedures';
/** The summary is the first message of an overview: short enough to read on a phone. */
export const PROCEDURE_SUMMARY_MAX = 600;
/** A title is shown in lists of options: one line. */
export const PROCEDURE_TITLE_MAX = 80;
const REVIEW_MAX_AGE_DAYS = 180;

export interface ProcedureContent {
  code: string;
  title?: string;
  aliases: string[];
  summary?: string;
  fees: EditorFee[];
  notes: string[];
  hidden: boolean;
  reviewed: string;
  needsReview: boolean;
  file: string;
}

export interface ProcedureWarning {
  file: string;
  line?: number;
  message: string;
  /** The message in src/core/content-messages.ts, for content:check in Vietnamese. */
  detail?: MessageRef;
}

export interface ProcedureContentCheck {
  entries: Map<string, ProcedureContent>;
  agencies: Agency[];
  errors: ContentError[];
  warnings: ProcedureWarning[];
}

export interface ProcedureCheckOptions {
  /** "Today" for the review-age warning; defaults to the current date. */
  today?: Date;
  /** The flattened locality file, to check its `agencies`; skipped when absent. */
  locality?: LocalityValues;
  /** The locality file's name, for messages. */
  localityFile?: string;
  /** The line of a locality key, for messages. */
  localityLine?: (key: string) => number | undefined;
}

/** Reads content/procedures/*.md against the catalogue; never throws for bad content. */
export function checkProcedureContent(
  contentDir: string,
  catalogue: ProcedureCatalogue,
  options: ProcedureCheckOptions = {},
): ProcedureContentCheck {
  const errors: ContentError[] = [];
  const warnings: ProcedureWarning[] = [];
  const entries = new Map<string, ProcedureContent>();
  const today = isoDay(options.today ?? new Date());
  const dir = path.join(contentDir, PROCEDURES_CONTENT_DIR);
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.md'))
        .sort()
    : [];
  const aliasOwner = new Map<string, { code: string; file: string }>();
  for (const base of files) {
    const full = path.join(dir, base);
    const relative = path.relative(process.cwd(), full);
    const file = relative && !relative.startsWith('..') ? relative : full;
    const text = fs.readFileSync(full, 'utf8');
    const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
    if (!match) {
      errors.push(contentError(file, 1, undefined, 'frontMatter.missing'));
      continue;
    }
    const parsed = parseYaml(file, match[1], procedureFrontMatterSchema, 1);
    errors.push(...parsed.errors);
    if (!parsed.value) continue;
    const meta = parsed.value;
    const bodyLine = match[0].split('\n').length;
    const summary = text.slice(match[0].length).trim();
    const codeLine = parsed.lineOf(['code']);
    if (base !== `${meta.code}.md`)
      errors.push(
        contentError(file, codeLine, 'code', 'procedure.misnamed', { code: meta.code, name: base }),
      );
    if (entries.has(meta.code)) {
      errors.push(contentError(file, codeLine, 'code', 'procedure.duplicate', { code: meta.code }));
      continue;
    }
    if (!catalogue.summary(meta.code)) {
      errors.push(contentError(file, codeLine, 'code', 'procedure.unknownCode', { code: meta.code }));
      continue;
    }
    if (meta.title && meta.title.length > PROCEDURE_TITLE_MAX)
      errors.push(
        contentError(file, parsed.lineOf(['title']), 'title', 'procedure.titleTooLong', {
          max: PROCEDURE_TITLE_MAX,
          length: meta.title.length,
        }),
      );
    if (summary.length > PROCEDURE_SUMMARY_MAX)
      errors.push(
        contentError(file, bodyLine, 'body', 'procedure.summaryTooLong', {
          max: PROCEDURE_SUMMARY_MAX,
          length: summary.length,
        }),
      );
    meta.aliases.forEach((alias, i) => {
      const key = foldWords(alias).join(' ');
      const line = parsed.lineOf(['aliases', i]);
      if (!key) {
        errors.push(contentError(file, line, `aliases.${i}`, 'procedure.aliasEmpty'));
        return;
      }
      const owner = aliasOwner.get(key);
      if (owner && owner.code !== meta.code)
        warnings.push(
          contentWarning(file, line, 'procedure.aliasShared', {
            field: `aliases.${i}`,
            alias,
            code: owner.code,
            file: owner.file,
          }),
        );
      else aliasOwner.set(key, { code: meta.code, file });
    });
    if (daysBetween(meta.reviewed, today) > REVIEW_MAX_AGE_DAYS)
      warnings.push(
        contentWarning(file, parsed.lineOf(['reviewed']), 'reviewed.old', {
          date: meta.reviewed,
          days: REVIEW_MAX_AGE_DAYS,
        }),
      );
    if (meta.reviewed > today)
      errors.push(
        contentError(file, parsed.lineOf(['reviewed']), 'reviewed', 'procedure.reviewedFuture', {
          date: meta.reviewed,
        }),
      );
    if (meta.needs_review)
      warnings.push(contentWarning(file, parsed.lineOf(['needs_review']), 'answer.needsReview'));
    entries.set(meta.code, {
      code: meta.code,
      title: meta.title,
      aliases: meta.aliases,
      summary: summary || undefined,
      fees: meta.fees,
      notes: meta.notes,
      hidden: meta.hidden,
      reviewed: meta.reviewed,
      needsReview: meta.needs_review,
      file,
    });
  }

  let agencies: Agency[] = [];
  if (options.locality) {
    const read = readAgencies(options.locality);
    agencies = read.agencies;
    const localityFile = options.localityFile ?? path.join(contentDir, 'locality.yaml');
    for (const p of read.problems) {
      const line = options.localityLine?.(p.key);
      if (p.severity === 'error')
        errors.push(new ContentError(localityFile, line, p.key, p.message, { detail: p.detail }));
      else warnings.push({ file: localityFile, line, message: `${p.key}: ${p.message}`, detail: p.detail });
    }
  }
  return { entries, agencies, errors, warnings };
}

/** YYYY-MM-DD of a date in Vietnam's time zone (UTC+7, no daylight saving). */
function isoDay(date: Date): string {
  return new Date(date.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/**
 * content:check's part for procedures: content/procedures/*.md against the shipped catalogue,
 * and the locality file's agencies (with the line of each key in locality.yaml).
 */
export function procedureContentCheck(contentDir: string, catalogue?: ProcedureCatalogue, today?: Date) {
  return (knowledge: Knowledge) => {
    const localityFile = path.join(contentDir, 'locality.yaml');
    const lines = fs.existsSync(localityFile) ? fs.readFileSync(localityFile, 'utf8').split('\n') : [];
    const localityLine = (key: string) => {
      // The line of the key's last part, looked for after the line of each part before it.
      let at = 0;
      for (const part of key.split('.')) {
        const found = lines.findIndex((l, i) => i >= at && new RegExp(`^\\s*${part}:`).test(l));
        if (found < 0) return at > 0 ? at + 1 : undefined;
        at = found;
      }
      return at + 1;
    };
    const check = checkProcedureContent(contentDir, catalogue ?? sharedCatalogue(), {
      locality: knowledge.locality,
      localityFile,
      localityLine,
      today,
    });
    const hidden = [...check.entries.values()].filter((e) => e.hidden).length;
    return {
      errors: check.errors,
      warnings: check.warnings,
      summary: {
        id: 'procedure.summary',
        params: { files: check.entries.size, hidden, agencies: check.agencies.length },
      },
    };
  };
}
