/**
 * Reads YAML and validates it with a zod schema, turning every problem into a
 * `ContentError` that names the file, the line and the field.
 */
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ContentError } from '../errors';
import { contentError, isMessageId, renderMessage } from './content-messages';

/** One file an editor wrote, as read from disk. */
export interface SourceFile {
  /** Path shown in messages, relative to the working directory. */
  name: string;
  text: string;
}

/** Where a value sits in its file: the 1-based line of the node at a path. */
export type LineOf = (path: readonly (string | number)[]) => number | undefined;

export interface Parsed<T> {
  value?: T;
  errors: ContentError[];
  /** The 1-based line of the node at `path`, for messages about cross-file problems. */
  lineOf: LineOf;
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
      errors: doc.errors.map((e) =>
        contentError(file, lineAt(e.pos[0]), undefined, 'yaml.invalid', {
          detail: e.message.split('\n')[0]!,
          code: e.code,
        }),
      ),
      lineOf,
    };
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return { value: result.data, errors: [], lineOf };
  const errors = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      return contentError(file, lineOf([...path, key]), [...path, key].join('.'), 'field.unknown', { key });
    }
    const field = path.join('.') || undefined;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      return contentError(file, lineOf(path), field, 'field.missing', {
        name: String(path[path.length - 1]),
        expected: issue.expected,
      });
    // Our schemas name their messages by catalogue id; zod's own issues are translated by code.
    const limit = issue as { minimum?: number | bigint; maximum?: number | bigint };
    const bound = { minimum: numberOrUndefined(limit.minimum), maximum: numberOrUndefined(limit.maximum) };
    if (isMessageId(issue.message)) {
      const detail = { id: issue.message, params: bound };
      return new ContentError(file, lineOf(path), field, renderMessage(detail, 'en')!, { detail });
    }
    return contentError(file, lineOf(path), field, 'zod.issue', {
      code: issue.code,
      zodMessage: issue.message,
      expected: 'expected' in issue ? String(issue.expected) : undefined,
      origin: 'origin' in issue ? String(issue.origin) : undefined,
      format: 'format' in issue ? String(issue.format) : undefined,
      values: 'values' in issue ? (issue.values as unknown[]) : undefined,
      ...bound,
    });
  });
  return { errors, lineOf };
}

function numberOrUndefined(value: number | bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
