/** Parsing content/system.yaml: the bot's own messages (fallback, menu, privacy texts). */
import { contentError } from '../core/content-messages';
import { parseYaml, type LineOf, type SourceFile } from '../core/yaml-file';
import type { ContentError } from '../errors';
import { fillPlaceholders, LOCALITY_FILE } from './locality-file';
import { systemFileSchema } from './schema';
import type { LocalityValue, SystemMessages } from './types';

export const SYSTEM_FILE = 'system.yaml';

export interface SystemParse {
  system?: SystemMessages;
  file: string;
  lineOf: LineOf;
  errors: ContentError[];
}

export function parseSystemFile(file: SourceFile, locality: ReadonlyMap<string, LocalityValue>): SystemParse {
  const parsed = parseYaml(file.name, file.text, systemFileSchema);
  const errors = [...parsed.errors];
  const result: SystemParse = { file: file.name, lineOf: parsed.lineOf, errors };
  if (!parsed.value) return result;
  const fill = (field: 'fallback' | 'unsupported_media' | 'slow_down', text: string) =>
    fillPlaceholders(text, locality, (key) =>
      errors.push(
        contentError(file.name, parsed.lineOf([field]), field, 'placeholder.unknownInSystem', {
          key,
          localityFile: LOCALITY_FILE,
        }),
      ),
    );
  result.system = {
    fallback: fill('fallback', parsed.value.fallback),
    unsupportedMedia: fill('unsupported_media', parsed.value.unsupported_media ?? parsed.value.fallback),
    slowDown: fill('slow_down', parsed.value.slow_down),
    mainTopics: parsed.value.main_topics,
    privacy: parsed.value.privacy,
  };
  return result;
}
