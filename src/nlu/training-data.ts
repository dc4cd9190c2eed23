/**
 * Reads only the training side of the knowledge (intents/*.yaml, _out_of_scope.yaml,
 * _abbreviations.yaml), for the NLU tools and tests that must not depend on the answers in
 * content/ being complete. The server trains from the full `Knowledge` snapshot instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContentError } from '../errors';
import { abbreviationsFileSchema, intentFileSchema, outOfScopeFileSchema } from '../knowledge/schema';
import { parseYaml } from '../knowledge/yaml-file';
import type { TrainingData } from './classifier';

/** Throws the first `ContentError` (file, line, field) when a file is invalid. */
export function readTrainingData(intentsDir: string): TrainingData {
  const data: TrainingData = { intents: [], outOfScope: [], abbreviations: {} };
  for (const base of fs
    .readdirSync(intentsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const file = path.join(intentsDir, base);
    const text = fs.readFileSync(file, 'utf8');
    const fail = (errors: ContentError[]) => {
      if (errors.length > 0) throw errors[0];
    };
    if (/^_out_of_scope\.ya?ml$/.test(base)) {
      const parsed = parseYaml(file, text, outOfScopeFileSchema);
      fail(parsed.errors);
      data.outOfScope = parsed.value!.phrases;
    } else if (/^_abbreviations\.ya?ml$/.test(base)) {
      const parsed = parseYaml(file, text, abbreviationsFileSchema);
      fail(parsed.errors);
      data.abbreviations = parsed.value!.abbreviations;
    } else {
      const parsed = parseYaml(file, text, intentFileSchema);
      fail(parsed.errors);
      data.intents.push({ id: parsed.value!.id, phrases: parsed.value!.phrases, file });
    }
  }
  if (data.intents.length === 0)
    throw new ContentError(intentsDir, undefined, undefined, 'no intent file (*.yaml) found');
  return data;
}
