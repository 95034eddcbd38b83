/**
 * The hidden characters of signed text (SignedText.tsx, #14 D9): bidirectional controls, other
 * invisible format characters and control characters (newline excepted), split out to be shown as
 * their code points.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** A piece of signed text: plain text, or a character shown as its code point. */
export type Piece = string | { readonly code: string };

/** Splits `text` into plain runs and the characters to show as markers. */
export function visiblePieces(text: string): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of text.matchAll(HIDDEN)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push({ code: `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
