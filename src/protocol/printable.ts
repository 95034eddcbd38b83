/**
 * Text from signed data, made safe to print on a terminal (docs/protocol.md §8.3): a peer writes
 * whatever it likes in a message, a name or a reason, and printed raw a newline would forge a line
 * of a report ("received; acknowledged ... by ..."), an ANSI escape would rewrite the screen, and a
 * bidirectional override would show text in another order than it was signed in.
 */

/**
 * What is escaped: C0 controls (newline and tab included), DEL, C1 controls, the bidirectional
 * controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the line and paragraph
 * separators U+2028 and U+2029, lone surrogates, and the backslash itself, so that an escape in
 * the output always means an escaped character and never text that looks like one.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]|[\ud800-\udfff]/gu;

/**
 * The first control character of `text` (C0, DEL, C1, the bidirectional controls, the line and
 * paragraph separators, and the invisible zero-width space, word joiner and byte-order mark, which
 * make look-alike names), or undefined: what a person's name or title never needs. The zero-width
 * joiner and non-joiner stay allowed: some scripts need them in names.
 */
export function controlCharacterIn(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/u.exec(text)?.[0];
}

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escape(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` with every character that could change what a terminal shows escaped visibly (`\n`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}
