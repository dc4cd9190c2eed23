/**
 * Reads content/ and intents/ into one immutable `Knowledge` snapshot, collecting every
 * problem as a `ContentError` (file, line, field) instead of stopping at the first. The steps,
 * in order: reading (read.ts), parsing per file kind (locality-file.ts, the NLU's
 * intent-files.ts, answer-file.ts, system-file.ts), then the rules across files (rules.ts).
 */
import path from 'node:path';
import { contentError, type ContentWarning } from '../core/content-messages';
import type { SourceFile } from '../core/yaml-file';
import { ContentError } from '../errors';
import { parseIntentFiles, type IntentsParse } from '../nlu/intent-files';
import { parseAnswerFile } from './answer-file';
import { LOCALITY_FILE, parseLocalityFile } from './locality-file';
import { missingDirs, readDir, readKnowledgeFiles } from './read';
import {
  buttonBudget,
  everyAnswerHasIntent,
  everyButtonTargetExists,
  everyIntentAnswered,
  everyMainTopicExists,
  oneAnswerPerIntent,
} from './rules';
import { parseSystemFile, SYSTEM_FILE } from './system-file';
import type { Answer, CheckOptions, Knowledge, KnowledgeCheck, KnowledgeDirs, LocalityValue } from './types';

export type * from './types';
export { guideStepText, REVIEW_MAX_AGE_DAYS } from './answer-file';

/**
 * Zalo shows at most 5 buttons under a message, the smallest limit of all channels: the
 * default when no limit is passed (tests/channels/limits.test.ts keeps it equal to the
 * channels' smallest).
 */
export const BUTTONS_MAX = 5;

/** Reads intents/ (training phrases, out-of-scope phrases, abbreviations) on its own. */
export function readIntentsDir(intentsDir: string): IntentsParse {
  return parseIntentFiles(readDir(intentsDir, /\.ya?ml$/));
}

/** Reads and validates everything; `knowledge` is set only when there is no error. */
export function checkKnowledge(dirs: KnowledgeDirs, options: CheckOptions = {}): KnowledgeCheck {
  const errors: ContentError[] = missingDirs(dirs);
  const warnings: ContentWarning[] = [];
  if (errors.length > 0) return { errors, warnings };
  const { intentFiles, contentFiles, version } = readKnowledgeFiles(dirs);

  /** A file content/ must hold: reported as missing when it is not there. */
  const requiredContentFile = (name: string): SourceFile | undefined => {
    const file = contentFiles.find((f) => path.basename(f.name) === name);
    if (!file)
      errors.push(contentError(path.join(dirs.contentDir, name), undefined, undefined, 'file.missing'));
    return file;
  };

  // Locality first: answers and system messages are filled from it.
  const localityFile = requiredContentFile(LOCALITY_FILE);
  const localityParse = localityFile && parseLocalityFile(localityFile);
  const locality = localityParse?.locality ?? new Map<string, LocalityValue>();
  errors.push(...(localityParse?.errors ?? []));
  warnings.push(...(localityParse?.warnings ?? []));

  const { intents, outOfScope, abbreviations, errors: intentErrors } = parseIntentFiles(intentFiles);
  errors.push(...intentErrors);
  const intentIds = new Set(intents.map((i) => i.id));

  const answerParses = contentFiles
    .filter((f) => f.name.endsWith('.md'))
    .map((f) => parseAnswerFile(f, locality, options.today ?? new Date()));
  for (const parse of answerParses) errors.push(...parse.errors);
  for (const parse of answerParses) warnings.push(...parse.warnings);
  const unique = oneAnswerPerIntent(answerParses);
  errors.push(...unique.errors);

  const systemFile = requiredContentFile(SYSTEM_FILE);
  const systemParse = systemFile && parseSystemFile(systemFile, locality);
  if (systemParse) errors.push(...systemParse.errors, ...everyMainTopicExists(systemParse, intentIds));

  const budget = buttonBudget(unique.answers, options.buttonsMax ?? BUTTONS_MAX);
  errors.push(
    ...budget.errors,
    ...everyIntentAnswered(intents, unique.answers, unique.invalidFiles, dirs.contentDir),
    ...everyAnswerHasIntent(unique.answers, intentIds, dirs.intentsDir),
    ...everyButtonTargetExists(unique.answers, intentIds),
  );
  warnings.push(...budget.warnings);

  if (localityParse?.broken) {
    // Every placeholder looks unknown when locality.yaml itself is unreadable: report only that.
    const unknownPlaceholder = ['placeholder.unknown', 'placeholder.unknownInSystem'];
    return { errors: errors.filter((e) => !unknownPlaceholder.includes(e.detail?.id ?? '')), warnings };
  }
  const system = systemParse?.system;
  if (errors.length > 0 || !system) return { errors, warnings };
  const answers = new Map<string, Answer>(unique.answers.map(({ answer }) => [answer.intent, answer]));
  return {
    knowledge: { version, intents, outOfScope, abbreviations, answers, locality, system },
    errors,
    warnings,
  };
}

/** Loads a valid snapshot or throws the first error (all of them are in its `cause`). */
export function loadKnowledge(dirs: KnowledgeDirs): Knowledge {
  const check = checkKnowledge(dirs);
  if (!check.knowledge) {
    const [first] = check.errors;
    const more =
      check.errors.length > 1 ? ` (and ${check.errors.length - 1} more: run npm run content:check)` : '';
    throw new ContentError(first!.file, first!.line, first!.field, `${first!.problem}${more}`, {
      cause: check.errors,
    });
  }
  return check.knowledge;
}
