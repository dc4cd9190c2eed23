/** Rendering helpers shared by the adapters: text splitting and label trimming. */
import type { Reply } from '../core/message';

/**
 * A paragraph that introduces the next one: a guide step's "Bước 2/5: …" line, a Markdown
 * heading, or one short line ending in ':' or without closing punctuation ("Hồ sơ gồm:").
 */
export function isHeading(paragraph: string): boolean {
  if (/^(Bước \d+\/\d+:|#{1,6} )/.test(paragraph)) return !paragraph.includes('\n') || /^#/.test(paragraph);
  return !paragraph.includes('\n') && paragraph.length <= 100 && !/[.!?…;)\]"”]$/.test(paragraph);
}

/**
 * A heading and the paragraph it introduces, kept as one unit: a split never leaves a
 * heading at the end of one message and its text at the start of the next.
 */
function units(text: string): string[] {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < paragraphs.length; i++) {
    let unit = paragraphs[i];
    while (i + 1 < paragraphs.length && isHeading(paragraphs[i])) unit += `\n\n${paragraphs[++i]}`;
    out.push(unit);
  }
  return out;
}

/**
 * Splits text into pieces of at most `max` characters, at paragraph boundaries when it
 * can (never between a heading and its text), then at line breaks, then between words; a
 * single over-long word is cut.
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current = '';
  const push = (piece: string, separator: string) => {
    if (!current) current = piece;
    else if (current.length + separator.length + piece.length <= max) current += separator + piece;
    else {
      pieces.push(current);
      current = piece;
    }
  };
  for (const trimmed of units(text)) {
    if (trimmed.length <= max) push(trimmed, '\n\n');
    else
      for (const [i, piece] of splitLong(trimmed, max).entries()) {
        if (i === 0) push(piece, '\n\n');
        else {
          pieces.push(current);
          current = piece;
        }
      }
  }
  if (current) pieces.push(current);
  return pieces;
}

function splitLong(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = window.lastIndexOf('\n');
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    if (cut < max / 2) cut = max;
    // Never cut a surrogate pair (an emoji) in half.
    if (cut === max && /[\uD800-\uDBFF]/.test(rest[cut - 1])) cut--;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) out.push(rest);
  return out;
}

/** Shortens a label to `max` characters, ending with '…' when cut. */
export function truncate(label: string, max: number): string {
  const chars = Array.from(label);
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join('')}…`;
}

/** The reply's text blocks, with link blocks written as "label: url" lines where they stand. */
export function replyText(reply: Reply, options: { links: 'inline' | 'omit' }): string {
  const paragraphs: string[] = [];
  let links: string[] = [];
  const flushLinks = () => {
    if (links.length) paragraphs.push(links.join('\n'));
    links = [];
  };
  for (const block of reply.blocks) {
    if (block.type === 'text') {
      flushLinks();
      paragraphs.push(block.text);
    } else if (options.links === 'inline') links.push(`🔗 ${block.label}: ${block.url}`);
  }
  flushLinks();
  return paragraphs.join('\n\n');
}

/** The longest byte string that fits: for limits counted in UTF-8 bytes (Telegram's 64). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
