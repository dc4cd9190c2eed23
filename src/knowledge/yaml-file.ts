/**
 * Reads YAML and validates it with a zod schema, turning every problem into a
 * `ContentError` that names the file, the line and the field.
 */
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ContentError } from '../errors';

export interface Parsed<T> {
  value?: T;
  errors: ContentError[];
  /** The 1-based line of the node at `path`, for messages about cross-file problems. */
  lineOf: (path: readonly (string | number)[]) => number | undefined;
}

/**
 * @param lineOffset lines before the YAML text in its file (front matter starts at line 2).
 */
export function parseYaml<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  lineOffset = 0,
): Parsed<z.infer<S>> {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line + lineOffset;
  const lineOf = (path: readonly (string | number)[]) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lineAt(node.range[0]);
    }
    return undefined;
  };
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map(
        (e) =>
          new ContentError(
            file,
            lineAt(e.pos[0]),
            undefined,
            `not valid YAML: ${e.message.split('\n')[0]}${yamlHint(e.code)}`,
          ),
      ),
      lineOf,
    };
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return { value: result.data, errors: [], lineOf };
  const errors = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0];
      return new ContentError(
        file,
        lineOf([...path, key]),
        [...path, key].join('.'),
        `unknown field "${key}": check its spelling or remove it`,
      );
    }
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    const problem = missing
      ? `"${String(path[path.length - 1])}" is missing; add it (expected ${issue.expected})`
      : issue.message;
    return new ContentError(file, lineOf(path), path.join('.') || undefined, problem);
  });
  return { errors, lineOf };
}

/** Plain advice for the YAML mistakes editors make most. */
function yamlHint(code: string): string {
  switch (code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return ' (a value that contains ": " must be written in double quotes, e.g. title: "Cư trú: tạm trú")';
    case 'DUPLICATE_KEY':
      return ' (each key may appear only once)';
    case 'BAD_INDENT':
    case 'TAB_AS_INDENT':
      return ' (indent with spaces, the same number as the lines above; no tabs)';
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return ' (check for a missing or extra quote, bracket or brace on this line)';
    default:
      return '';
  }
}
