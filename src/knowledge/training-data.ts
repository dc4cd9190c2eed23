/**
 * Reads only the training side of the knowledge (intents/*.yaml, _out_of_scope.yaml,
 * _abbreviations.yaml), for the NLU tools and tests that must not depend on the answers in
 * content/ being complete. The server trains from the full `Knowledge` snapshot instead;
 * both parse the files with the same loader code.
 */
import { ContentError } from '../errors';
import { readIntentsDir } from './loader';
import type { TrainingData } from '../nlu/classifier';

/** Throws the first `ContentError` (file, line, field) when a file is invalid. */
export function readTrainingData(intentsDir: string): TrainingData {
  const { intents, outOfScope, abbreviations, errors } = readIntentsDir(intentsDir);
  if (errors.length > 0) throw errors[0];
  if (intents.length === 0)
    throw new ContentError(intentsDir, undefined, undefined, 'no intent file (*.yaml) found');
  return { intents, outOfScope, abbreviations };
}
