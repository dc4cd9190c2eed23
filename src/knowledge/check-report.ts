/**
 * The report behind `npm run content:check`: every error with file, line and field, then
 * the warnings editors should act on (needs_review, old reviews). Uses the same loader and
 * zod schemas as the server, so the check and the running bot can never disagree. Written in
 * Vietnamese for the editors, or in English (`--lang en`) for developers.
 */
import { checkKnowledge, type CheckOptions, type Knowledge, type KnowledgeDirs } from './loader';
import {
  formatProblem,
  renderMessage,
  type ContentWarning,
  type Lang,
  type MessageRef,
} from '../core/content-messages';
import type { ContentError } from '../errors';

/**
 * A further check over a valid snapshot (the procedure files: src/procedures/content.ts),
 * reported with the others; its summary ("119 procedure files") joins the OK line.
 */
export interface ExtraCheck {
  (knowledge: Knowledge): { errors: ContentError[]; warnings: ContentWarning[]; summary: MessageRef };
}

export interface ReportOptions extends CheckOptions {
  /** Where lines go; default stdout. */
  write?: (line: string) => void;
  /** Default Vietnamese: the editors' language. */
  lang?: Lang;
  extra?: ExtraCheck[];
}

/** The words around the messages, padded so that the messages line up. */
const WORDS = {
  en: {
    error: 'ERROR   ',
    warning: 'WARNING ',
    ok: (answers: number, intents: number, version: string, counts: string) =>
      `OK      ${answers} answers, ${intents} intents, content version ${version}; ${counts}.`,
    failed: (counts: string) =>
      `FAILED  ${counts}. Fix each ERROR above (file:line), then run npm run content:check again.`,
    counts: (errors: number, warnings: number) => `${errors} error(s), ${warnings} warning(s)`,
  },
  vi: {
    error: 'LỖI       ',
    warning: 'CẢNH BÁO  ',
    ok: (answers: number, intents: number, version: string, counts: string) =>
      `ĐẠT       ${answers} câu trả lời, ${intents} chủ đề, phiên bản nội dung ${version}; ${counts}.`,
    failed: (counts: string) =>
      `KHÔNG ĐẠT ${counts}. Sửa từng LỖI ở trên (tệp:dòng), rồi chạy lại npm run content:check.`,
    counts: (errors: number, warnings: number) => `${errors} lỗi, ${warnings} cảnh báo`,
  },
} satisfies Record<Lang, unknown>;

/** A problem in the report's language; one not (yet) in the catalogue keeps its English text. */
function errorLine(e: ContentError, lang: Lang): string {
  const text = (e.detail && renderMessage(e.detail, lang)) ?? e.problem;
  return formatProblem({ file: e.file, line: e.line, field: e.field, text }, lang);
}

function warningLine(w: ContentWarning, lang: Lang): string {
  const text = (w.detail && renderMessage(w.detail, lang)) ?? w.message;
  return formatProblem({ file: w.file, line: w.line, text }, lang);
}

/** Runs the check and prints it; returns the process exit code (1 when there is an error). */
export function runContentCheck(dirs: KnowledgeDirs, options: ReportOptions = {}): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const lang = options.lang ?? 'vi';
  const words = WORDS[lang];
  const check = checkKnowledge(dirs, options);
  const summaries: MessageRef[] = [];
  if (check.knowledge)
    for (const extra of options.extra ?? []) {
      const more = extra(check.knowledge);
      check.errors.push(...more.errors);
      check.warnings.push(...more.warnings);
      summaries.push(more.summary);
    }
  for (const e of check.errors) write(`${words.error}${errorLine(e, lang)}`);
  for (const w of check.warnings) write(`${words.warning}${warningLine(w, lang)}`);
  const counts = words.counts(check.errors.length, check.warnings.length);
  if (check.knowledge && check.errors.length === 0) {
    const { answers, intents, version } = check.knowledge;
    write(words.ok(answers.size, intents.length, version, counts));
    for (const summary of summaries)
      write(`${' '.repeat(words.error.length)}${renderMessage(summary, lang)}`);
    return 0;
  }
  write(words.failed(counts));
  return 1;
}
