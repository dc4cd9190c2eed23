/**
 * Removes personal numbers and addresses from citizen text before anything is stored:
 * e-mail addresses, phone numbers (0… and +84…, with spaces, dots or dashes between
 * groups) and ID-card numbers (9-digit CMND, 12-digit CCCD).
 *
 * Any run of 9 or more digits — even split into groups — is treated as personal: a few
 * large amounts of money ("100.000.000") are redacted too, which costs reports nothing,
 * while a missed ID number would leak one.
 */

export const REDACTED = {
  email: '[email]',
  phone: '[số điện thoại]',
  idNumber: '[số giấy tờ]',
} as const;

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
/**
 * Digit groups joined by at most two separators (space, dot, dash, parentheses), optionally
 * led by "+": "0912 345 678", "+84 912.345.678", "(028) 3829 1234", "001234567890".
 */
const DIGIT_RUN = /\+?\(?\d(?:[\s.()-]{0,2}\d)*/g;
const MIN_DIGITS = 9;

function classify(run: string): string | null {
  const digits = run.replace(/\D/g, '');
  if (digits.length < MIN_DIGITS) return null;
  if (run.startsWith('+') || /^(?:84|0)\d{8,10}$/.test(digits)) {
    // 9 and 12 digits starting with 0 are ID numbers (CCCD starts with a 0xx province code);
    // a leading + or the 10/11-digit shape of a phone number says phone.
    if (!run.startsWith('+') && (digits.length === 9 || digits.length === 12)) return REDACTED.idNumber;
    return REDACTED.phone;
  }
  return REDACTED.idNumber;
}

/** Returns `text` with every e-mail, phone and ID number replaced by a bracketed label. */
export function redact(text: string): string {
  // Most messages hold neither digits nor '@': skip the regular expressions (the log's hot path).
  if (!/[\d@]/.test(text)) return text;
  return text.replace(EMAIL, REDACTED.email).replace(DIGIT_RUN, (run) => {
    // Keep separators that trail the digits (e.g. a space before the next word).
    const trimmed = run.replace(/[\s.()-]+$/, '');
    const label = classify(trimmed);
    return label === null ? run : label + run.slice(trimmed.length);
  });
}

/** `redact` for nullable values. */
export function redactOptional(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : redact(text);
}
