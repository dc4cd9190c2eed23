/**
 * Parsing content/locality.yaml (the commune's own facts: address, phone, hours) and filling
 * its `{{key}}` placeholders into the other files' text.
 */
import { contentWarning, type ContentWarning } from '../core/content-messages';
import { parseYaml, type SourceFile } from '../core/yaml-file';
import type { ContentError } from '../errors';
import { localityTreeSchema } from './schema';
import type { LocalityValue } from './types';

export const LOCALITY_FILE = 'locality.yaml';
export const PLACEHOLDER = /\{\{\s*([a-z0-9_.]+)\s*\}\}/g;

export interface LocalityParse {
  locality: Map<string, LocalityValue>;
  /**
   * The file could not be read at all: every placeholder would look unknown, so the check
   * reports the file only.
   */
  broken: boolean;
  errors: ContentError[];
  /** Values flagged `needs_review`. */
  warnings: ContentWarning[];
}

export function parseLocalityFile(file: SourceFile): LocalityParse {
  const parsed = parseYaml(file.name, file.text, localityTreeSchema);
  const locality = parsed.value ? flattenLocality(parsed.value) : new Map<string, LocalityValue>();
  const warnings: ContentWarning[] = [];
  for (const [key, entry] of locality)
    if (entry.needsReview)
      warnings.push(
        contentWarning(file.name, parsed.lineOf(key.split('.')), 'locality.needsReview', {
          key,
          note: entry.note,
        }),
      );
  return { locality, broken: !parsed.value, errors: parsed.errors, warnings };
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

/** Fills `{{key}}` placeholders; tells `onMissing` each key the locality does not have. */
export function fillPlaceholders(
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
