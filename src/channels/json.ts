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

/**
 * Reads top-level members of a JSON object from its raw text without parsing the rest:
 * string values (each one unescaped on its own) and number tokens, as strings.
 * Zalo's signature covers `app_id` and `timestamp` from the body itself, and they are read
 * this way so that nothing is parsed before the signature is checked. Nested objects are
 * skipped, so a `timestamp` inside `message` is never taken for the top-level one.
 */
export function topLevelFields(text: string, keys: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  let i = text.indexOf('{');
  if (i < 0) return found;
  i++;
  let depth = 1;
  let expectKey = true;
  let key: string | undefined;
  while (i < text.length && depth > 0) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        const value = text.slice(i + 1, j);
        if (expectKey) key = value;
        else if (key !== undefined && keys.includes(key) && !(key in found))
          found[key] = value.includes('\\') ? unescapeJsonString(text.slice(i, j + 1)) : value;
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (depth === 1 && c === ':') expectKey = false;
    else if (depth === 1 && c === ',') {
      expectKey = true;
      key = undefined;
    } else if (depth === 1 && !expectKey && (c === '-' || (c >= '0' && c <= '9'))) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
      if (key !== undefined && keys.includes(key) && !(key in found)) found[key] = text.slice(i, j);
      i = j;
      continue;
    }
    i++;
  }
  return found;
}

/** One JSON string token's value; '' when the token is malformed. */
function unescapeJsonString(token: string): string {
  try {
    return JSON.parse(token) as string;
  } catch {
    return '';
  }
}
