/** Characters that break naive text handling, for the fuzz tests. */
import fc from 'fast-check';

// prettier-ignore
export const nastyChar = fc.constantFrom(
  // control characters, NEL, line/paragraph separators
  '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u2028',
  // zero-width and byte-order marks
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff',
  // bidirectional controls and right-to-left letters
  '\u200e', '\u200f', '\u202a', '\u202d', '\u202e', '\u2066', '\u061c', '\u0645', '\u05d0',
  // lone surrogates, an emoji, Vietnamese letters and a combining accent
  '\ud800', '\udfff', '\ud83d\ude00', 'ễ', 'đ', '\u0301',
  // characters that matter to JSON, HTML and URLs
  '"', '\\', '<', '%',
);
