/**
 * Parses the files under intents/ (training phrases, out-of-scope phrases, abbreviations):
 * the classifier's input, so it lives with the classifier and the knowledge loader calls it,
 * never the other way round. The rules over several intent files (one file per id, one
 * intent per phrase, out-of-scope apart from every intent) are named functions below.
 */
import path from 'node:path';
import { contentError } from '../core/content-messages';
import { parseYaml, type LineOf, type SourceFile } from '../core/yaml-file';
import type { ContentError } from '../errors';
import {
  abbreviationsFileSchema,
  intentFileSchema,
  outOfScopeFileSchema,
  type Abbreviations,
  type IntentFile,
} from './intents-schema';
import { cleanText, foldAccents } from './normalise';

export const OUT_OF_SCOPE_FILE = '_out_of_scope.yaml';
export const ABBREVIATIONS_FILE = '_abbreviations.yaml';

export interface IntentDef {
  id: string;
  phrases: string[];
  file: string;
}

/** The training side of the knowledge, with every problem found in it. */
export interface IntentsParse {
  intents: IntentDef[];
  outOfScope: string[];
  abbreviations: Abbreviations;
  errors: ContentError[];
}

/** One valid intents/<name>.yaml, with the lines of its fields for later messages. */
export interface ParsedIntentFile {
  file: string;
  intent: IntentFile;
  lineOf: LineOf;
}

/** intents/_out_of_scope.yaml once parsed. */
export interface ParsedOutOfScope {
  file: string;
  phrases: string[];
  lineOf: LineOf;
}

/** Parses every file of intents/, then applies the rules across them. */
export function parseIntentFiles(files: readonly SourceFile[]): IntentsParse {
  const errors: ContentError[] = [];
  const parsedIntents: ParsedIntentFile[] = [];
  let outOfScope: ParsedOutOfScope | undefined;
  let abbreviations: Abbreviations = {};
  for (const file of files) {
    const base = path.basename(file.name);
    if (base === OUT_OF_SCOPE_FILE) {
      const parsed = parseYaml(file.name, file.text, outOfScopeFileSchema);
      errors.push(...parsed.errors);
      outOfScope = { file: file.name, phrases: parsed.value?.phrases ?? [], lineOf: parsed.lineOf };
    } else if (base === ABBREVIATIONS_FILE) {
      const parsed = parseYaml(file.name, file.text, abbreviationsFileSchema);
      errors.push(...parsed.errors);
      abbreviations = parsed.value?.abbreviations ?? {};
    } else {
      const parsed = parseYaml(file.name, file.text, intentFileSchema);
      errors.push(...parsed.errors);
      if (parsed.value) parsedIntents.push({ file: file.name, intent: parsed.value, lineOf: parsed.lineOf });
    }
  }
  const unique = oneFilePerIntentId(parsedIntents);
  errors.push(...unique.errors, ...onePhraseOneIntent(unique.files));
  if (outOfScope) errors.push(...outOfScopeApartFromIntents(outOfScope, unique.files));
  return {
    intents: unique.files.map(({ file, intent }) => ({ id: intent.id, phrases: intent.phrases, file })),
    outOfScope: outOfScope?.phrases ?? [],
    abbreviations,
    errors,
  };
}

/** Rule: an intent id is defined by one file; a later file with the same id is left out. */
export function oneFilePerIntentId(files: readonly ParsedIntentFile[]): {
  files: ParsedIntentFile[];
  errors: ContentError[];
} {
  const seen = new Set<string>();
  const kept: ParsedIntentFile[] = [];
  const errors: ContentError[] = [];
  for (const f of files) {
    if (seen.has(f.intent.id))
      errors.push(contentError(f.file, f.lineOf(['id']), 'id', 'intent.duplicate', { id: f.intent.id }));
    else {
      seen.add(f.intent.id);
      kept.push(f);
    }
  }
  return { files: kept, errors };
}

/** Rule: a phrase (as the classifier sees it) trains one intent only. */
export function onePhraseOneIntent(files: readonly ParsedIntentFile[]): ContentError[] {
  const owner = new Map<string, string>();
  const errors: ContentError[] = [];
  for (const { file, intent, lineOf } of files)
    intent.phrases.forEach((phrase, i) => {
      const key = phraseKey(phrase);
      const other = owner.get(key);
      if (other && other !== intent.id)
        errors.push(
          contentError(file, lineOf(['phrases', i]), `phrases.${i}`, 'phrase.twoIntents', {
            phrase,
            owner: other,
          }),
        );
      owner.set(key, intent.id);
    });
  return errors;
}

/** Rule: a phrase listed as out of scope is no intent's training phrase. */
export function outOfScopeApartFromIntents(
  outOfScope: ParsedOutOfScope,
  files: readonly ParsedIntentFile[],
): ContentError[] {
  const owner = new Map<string, string>();
  for (const { intent } of files)
    for (const phrase of intent.phrases) owner.set(phraseKey(phrase), intent.id);
  const errors: ContentError[] = [];
  outOfScope.phrases.forEach((phrase, i) => {
    const other = owner.get(phraseKey(phrase));
    if (other)
      errors.push(
        contentError(
          outOfScope.file,
          outOfScope.lineOf(['phrases', i]),
          `phrases.${i}`,
          'phrase.outOfScopeAndIntent',
          {
            phrase,
            owner: other,
          },
        ),
      );
  });
  return errors;
}

/** Two phrases collide when the classifier would see the same tokens. */
export function phraseKey(phrase: string): string {
  return foldAccents(cleanText(phrase));
}
