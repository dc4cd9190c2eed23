/**
 * The report behind `npm run content:check`: every error with file, line and field, then
 * the warnings editors should act on (needs_review, old reviews). Uses the same loader and
 * zod schemas as the server, so the check and the running bot can never disagree.
 */
import { checkKnowledge, type CheckOptions, type KnowledgeDirs } from './loader';

export interface ReportOptions extends CheckOptions {
  /** Where lines go; default stdout. */
  write?: (line: string) => void;
}

/** Runs the check and prints it; returns the process exit code (1 when there is an error). */
export function runContentCheck(dirs: KnowledgeDirs, options: ReportOptions = {}): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const check = checkKnowledge(dirs, options);
  for (const e of check.errors) write(`ERROR   ${e.message}`);
  for (const w of check.warnings) write(`WARNING ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
  const counts = `${check.errors.length} error(s), ${check.warnings.length} warning(s)`;
  if (check.knowledge) {
    const { answers, intents, version } = check.knowledge;
    write(
      `OK      ${answers.size} answers, ${intents.length} intents, content version ${version}; ${counts}.`,
    );
    return 0;
  }
  write(`FAILED  ${counts}. Fix each ERROR above (file:line), then run npm run content:check again.`);
  return 1;
}
