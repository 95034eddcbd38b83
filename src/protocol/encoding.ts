/**
 * Byte-level encodings used on the wire (docs/protocol.md §2): RFC 8785 canonical JSON,
 * base64url without padding for keys and signatures, lowercase hex for hashes.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// The package is CommonJS (`module.exports = serialize`) but its typings declare an ES default export.
const canonicalizeJson = canonicalizeModule as unknown as (value: unknown) => string | undefined;

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * True when every object in `value` already has its members in RFC 8785 order (UTF-16 code
 * units, which is how `<` compares strings) and nothing needs special handling. Then the engine's
 * own JSON.stringify, which keeps insertion order and serialises primitives exactly as RFC 8785
 * §3.2.2 requires, yields the canonical text. Array-index-like keys are excluded because engines
 * enumerate them first, numerically.
 */
function alreadyOrdered(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'number' || Number.isFinite(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!alreadyOrdered(item)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && !(previous < key)) return false;
    if (ARRAY_INDEX.test(key)) return false;
    if (!alreadyOrdered((value as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

const NOT_ORDERABLE = Symbol('not orderable');

function orderedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'number' && !Number.isFinite(value) ? NOT_ORDERABLE : value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_ORDERABLE;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const c = orderedCopy(item);
      if (c === NOT_ORDERABLE) return NOT_ORDERABLE;
      out.push(c);
    }
    return out;
  }
  // A null prototype: a "__proto__" member is then an ordinary own property, as in JSON.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) {
    if (ARRAY_INDEX.test(key)) return NOT_ORDERABLE;
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const c = orderedCopy(v);
    if (c === NOT_ORDERABLE) return NOT_ORDERABLE;
    out[key] = c;
  }
  return out;
}

/** RFC 8785 (JCS) canonical JSON text of a value. Throws on NaN, Infinity, or values JSON cannot hold. */
export function canonicalize(value: unknown): string {
  // Fast path for values parsed from canonical text (the verifier's common case).
  if (alreadyOrdered(value)) {
    const fast = JSON.stringify(value) as string | undefined;
    if (fast !== undefined) return fast;
  }
  // Otherwise a copy with members in RFC 8785 order serialises the same way; the package is the
  // reference for the rest (array-index-like keys, toJSON).
  const ordered = orderedCopy(value);
  if (ordered !== NOT_ORDERABLE) {
    const text = JSON.stringify(ordered) as string | undefined;
    if (text !== undefined) return text;
  }
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/**
 * True when `text` is already the RFC 8785 canonical text of the JSON value it spells, i.e.
 * `canonicalize(JSON.parse(text)) === text`, decided by reading the text once instead of parsing
 * it and serialising the value again (the verifier's hot path: about a third of its cost besides
 * the signatures). It accepts only: no whitespace; members in strictly increasing order of their
 * names' UTF-16 code units (so no duplicates); strings escaped as JSON.stringify escapes them
 * (\" \\ \b \f \n \r \t, \u00xx in lowercase for other control characters, everything else
 * literal, surrogates only in pairs); numbers as ECMAScript writes them. False means "not shown
 * canonical": the text may still be canonical in a case this does not decide (a member name with
 * an escape), so callers fall back to canonicalize and compare.
 */
export function isCanonicalJson(text: string): boolean {
  try {
    return scanValue(text, 0) === text.length;
  } catch {
    // Nesting deep enough to exhaust the stack: let the reference path decide.
    return false;
  }
}

/** Set by scanString: whether the string just read held an escape. */
let scannedEscape = false;

/** Index after the canonical value starting at `i`, or -1. */
function scanValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === 0x22) return scanString(t, i);
  if (c === 0x7b) return scanObject(t, i);
  if (c === 0x5b) return scanArray(t, i);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return scanNumber(t, i);
  if (c === 0x74) return t.startsWith('true', i) ? i + 4 : -1;
  if (c === 0x66) return t.startsWith('false', i) ? i + 5 : -1;
  if (c === 0x6e) return t.startsWith('null', i) ? i + 4 : -1;
  return -1;
}

function scanObject(t: string, i: number): number {
  i++;
  if (t.charCodeAt(i) === 0x7d) return i + 1;
  let prevStart = -1;
  let prevEnd = -1;
  for (;;) {
    if (t.charCodeAt(i) !== 0x22) return -1;
    const end = scanString(t, i);
    // A name with an escape would have to be decoded to be compared: not decided here.
    if (end < 0 || scannedEscape) return -1;
    if (prevStart >= 0 && !rangeLess(t, prevStart + 1, prevEnd - 1, i + 1, end - 1)) return -1;
    prevStart = i;
    prevEnd = end;
    if (t.charCodeAt(end) !== 0x3a) return -1;
    i = scanValue(t, end + 1);
    if (i < 0) return -1;
    const c = t.charCodeAt(i);
    if (c === 0x7d) return i + 1;
    if (c !== 0x2c) return -1;
    i++;
  }
}

function scanArray(t: string, i: number): number {
  i++;
  if (t.charCodeAt(i) === 0x5d) return i + 1;
  for (;;) {
    i = scanValue(t, i);
    if (i < 0) return -1;
    const c = t.charCodeAt(i);
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) return -1;
    i++;
  }
}

/** t[a..b) < t[c..d) in UTF-16 code units, as `<` compares strings. */
function rangeLess(t: string, a: number, b: number, c: number, d: number): boolean {
  const n = Math.min(b - a, d - c);
  for (let k = 0; k < n; k++) {
    const x = t.charCodeAt(a + k);
    const y = t.charCodeAt(c + k);
    if (x !== y) return x < y;
  }
  return b - a < d - c;
}

const HEX_LOWER = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
const hexValue = (c: number) => (c <= 0x39 ? c - 0x30 : c - 0x57);

/** A run of string characters written as they are: what most of a string is (sticky: from lastIndex). */
// eslint-disable-next-line no-control-regex -- control characters are what ends the run
const PLAIN_RUN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;

function scanString(t: string, i: number): number {
  scannedEscape = false;
  i++;
  for (;;) {
    // The native regular expression skips the plain run about twice as fast as a loop here.
    PLAIN_RUN.lastIndex = i;
    PLAIN_RUN.test(t);
    i = PLAIN_RUN.lastIndex;
    const c = t.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c !== c || c < 0x20) return -1; // end of text (NaN), or a raw control character
    if (c === 0x5c) {
      scannedEscape = true;
      const d = t.charCodeAt(i + 1);
      if (d === 0x22 || d === 0x5c || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74) {
        i += 2;
        continue;
      }
      // \u00xx, lowercase, only for the control characters that have no short escape.
      if (d !== 0x75 || t.charCodeAt(i + 2) !== 0x30 || t.charCodeAt(i + 3) !== 0x30) return -1;
      const h = t.charCodeAt(i + 4);
      const l = t.charCodeAt(i + 5);
      if ((h !== 0x30 && h !== 0x31) || !HEX_LOWER(l)) return -1;
      const v = (h - 0x30) * 16 + hexValue(l);
      if (v === 0x08 || v === 0x09 || v === 0x0a || v === 0x0c || v === 0x0d) return -1;
      i += 6;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // Only a high surrogate followed by a low one is well formed (and written literally).
      const d = t.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      i += 2;
      continue;
    }
    i++;
  }
}

/** Integers of at most 15 digits are exactly as ECMAScript writes them (below 2^53, no exponent). */
const SHORT_INTEGER_DIGITS = 15;

function scanNumber(t: string, i: number): number {
  const start = i;
  let c = t.charCodeAt(i);
  if (c === 0x2d) c = t.charCodeAt(++i);
  const intStart = i;
  if (c === 0x30) c = t.charCodeAt(++i);
  else if (c >= 0x31 && c <= 0x39) {
    do c = t.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  } else return -1;
  let plain = true;
  if (c === 0x2e) {
    plain = false;
    c = t.charCodeAt(++i);
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do c = t.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    plain = false;
    c = t.charCodeAt(++i);
    if (c === 0x2b || c === 0x2d) c = t.charCodeAt(++i);
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do c = t.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  }
  if (plain && i - intStart <= SHORT_INTEGER_DIGITS) {
    // "-0" is written "0"; any other short integer as it is.
    return i - start === 2 && t.charCodeAt(start) === 0x2d && t.charCodeAt(intStart) === 0x30 ? -1 : i;
  }
  const token = t.slice(start, i);
  return String(Number(token)) === token ? i : -1;
}

/** UTF-8 bytes of the canonical JSON text of a value. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

/** SHA-256 digest. */
export function sha256(...parts: ReadonlyArray<Uint8Array | string>): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * SHA-256 of one text's UTF-8 bytes, lowercase hex, in one call (crypto.hash, Node 20.12 and
 * later: about half the cost of a Hash object for an entry-sized text).
 */
export function sha256HexOfText(text: string): string {
  return typeof oneShotHash === 'function' ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');
}

/** Holds the UTF-8 of an entry-sized text for sha256HexOfTextWithout (made at first use). */
let scratch: Buffer | undefined;
const SCRATCH_BYTES = 3 * 65_536;

/**
 * sha256HexOfText(text.slice(0, from) + text.slice(to)) without making that string: the two
 * pieces are written as UTF-8 into one reused buffer and hashed there. The joined string, which
 * the hash copies flat, was about 2 KB of garbage per entry on the verifier's hot path (the
 * entry hash, text without "sig"). Falls back to the joined string where the buffer cannot hold
 * the text, where no one-shot hash exists (Node before 20.12), or where a cut splits a surrogate pair.
 */
export function sha256HexOfTextWithout(text: string, from: number, to: number): string {
  const splitsPair = (text.charCodeAt(from - 1) & 0xfc00) === 0xd800 || (text.charCodeAt(to) & 0xfc00) === 0xdc00;
  if (typeof oneShotHash !== 'function' || text.length * 3 > SCRATCH_BYTES || splitsPair) return sha256HexOfText(text.slice(0, from) + text.slice(to));
  scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
  const n = scratch.write(text.slice(0, from), 0, 'utf8');
  const m = scratch.write(text.slice(to), n, 'utf8');
  return oneShotHash('sha256', scratch.subarray(0, n + m), 'hex');
}

/** SHA-256 digest as lowercase hex. */
export function sha256Hex(...parts: ReadonlyArray<Uint8Array | string>): string {
  return sha256(...parts).toString('hex');
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Strict base64url decoding: rejects padding, foreign characters and non-canonical trailing bits. */
export function fromBase64Url(text: string, expectedLength?: number): Buffer | undefined {
  if (!B64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  if (expectedLength !== undefined && bytes.length !== expectedLength) return undefined;
  return bytes;
}

/** True for a 32-byte hash written as 64 lowercase hex digits. */
export function isHashHex(text: unknown): text is string {
  return typeof text === 'string' && HEX64.test(text);
}

/**
 * The first member name that occurs twice in one object of a JSON text, or undefined
 * (docs/protocol.md §2.1: JSON_DUPLICATE_MEMBER). `text` must be JSON that JSON.parse accepted:
 * this walks its strings and brackets only, it does not validate. JSON.parse keeps the last of
 * duplicate members and other parsers the first, so such a text has no single meaning.
 */
export function duplicateMember(text: string): string | undefined {
  // One set of names per open object; null for an open array.
  const open: Array<Set<string> | null> = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else if (d === 0x22 || Number.isNaN(d)) break;
        else j++;
      }
      const names = open[open.length - 1];
      if (expectName && names) {
        const name = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = j;
    } else if (c === 0x7b) {
      open.push(new Set());
      expectName = true;
    } else if (c === 0x5b) {
      open.push(null);
      expectName = false;
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      expectName = false;
    } else if (c === 0x2c) expectName = open[open.length - 1] != null;
  }
  return undefined;
}

/** Matches a lone surrogate: in a /u regular expression a well-formed pair is one code point. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** A JSON escape of a surrogate code unit (a lone one, or a pair spelt as escapes). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** True when a string holds a lone UTF-16 surrogate, which has no UTF-8 form (RFC 8785 §3.2.2.2). */
export function isLoneSurrogateText(text: string): boolean {
  return !isWellFormed(text);
}

/** True when any string of a JSON value, member names included, holds a lone surrogate. */
export function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return !isWellFormed(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  for (const [k, v] of Object.entries(value)) if (!isWellFormed(k) || hasLoneSurrogate(v)) return true;
  return false;
}

/**
 * As hasLoneSurrogate for `value` parsed from `text`, cheaply: a lone surrogate is either in the
 * text itself or written as a \uD800..\uDFFF escape, so the value is walked only when the text
 * holds such an escape (rare: canonical JSON writes characters literally).
 */
export function parsedHasLoneSurrogate(text: string, value: unknown): boolean {
  if (!isWellFormed(text)) return true;
  return SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value);
}

/**
 * String.prototype.isWellFormed (ES2024, Node 20) where there is one: native, while a /u regular
 * expression costs about 10 µs on an entry, as much as the rest of parseEntry.
 */
function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : !LONE_SURROGATE.test(text);
}
