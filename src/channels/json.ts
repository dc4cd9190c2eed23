/**
 * JSON parsing that keeps big integers exact. Zalo ids such as 2468458835296117922 exceed
 * Number.MAX_SAFE_INTEGER; when one arrives as a bare number, JSON.parse would round it and
 * the reply would go to someone else (or nobody). Bare integers of 16 digits or more are
 * turned into strings in the raw text before parsing; everything else is left alone.
 */

const MIN_UNSAFE_DIGITS = 16;

export function parseJsonKeepingBigInts(text: string): unknown {
  return JSON.parse(quoteBigIntegers(text));
}

/** Rewrites bare integer tokens of 16+ digits outside strings as JSON strings. */
export function quoteBigIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // Skip the string, honouring escapes.
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      if (c === '-') i++;
      while (i < text.length && text[i] >= '0' && text[i] <= '9') i++;
      const isInteger = !/[.eE]/.test(text[i] ?? '');
      const digits = i - start - (c === '-' ? 1 : 0);
      if (isInteger && digits >= MIN_UNSAFE_DIGITS) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`;
        last = i;
      } else {
        while (i < text.length && /[0-9.eE+-]/.test(text[i])) i++;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** A string from a value that may be a string or a (safe) number; undefined otherwise. */
export function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
