/**
 * What the CLI prints as text from data it did not write (a peer's messages, names, titles,
 * reasons, codes, endpoints; errors that quote them) goes through here first (docs/protocol.md
 * §8.3): control characters, newlines included, and bidirectional controls are shown escaped, so
 * that nothing a peer signed can forge a line of the output or drive the terminal. JSON output
 * (--json) stays exact: JSON escapes them itself.
 */
import { printable } from '../protocol/printable.js'; // not the barrel: the CLI loads this at start

export { printable };

/** A copy of a JSON value with every string in it (member names too) made printable. */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(printableDeep) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [printable(k), printableDeep(v)])) as T;
}
