/** Rendering helpers shared by the adapters: text splitting and label trimming. */
import type { Reply } from '../dialogue/types';

/**
 * Splits text into pieces of at most `max` characters, at paragraph boundaries when it
 * can, then at line breaks, then between words; a single over-long word is cut.
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
  for (const paragraph of text.split(/\n{2,}/)) {
    const trimmed = paragraph.trim();
    if (!trimmed) continue;
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
