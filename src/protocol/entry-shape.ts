/**
 * A quick test of an entry's envelope (docs/protocol.md §4.1) by plain character checks: true
 * only for values the schema (EntrySchema in ./schemas.ts) accepts. False means "not shown valid
 * here": the compiled schema then decides and names the problem, so accept/reject and the error
 * are exactly the schema's. The verifier's hot path, where the compiled schema with its regular
 * expressions cost about 2 µs an entry.
 */
import { KINDS, LIMITS } from './schemas.js';

const KIND_SET: ReadonlySet<unknown> = new Set<unknown>(KINDS);

/** The envelope's members: all required, no other (additionalProperties: false). */
const ENVELOPE_MEMBERS: ReadonlySet<string> = new Set(['v', 'channel', 'author', 'key', 'seq', 'prev', 'heads', 'time', 'kind', 'body', 'sig']);

/** ^[0-9a-f]{64}$ (HashHex). */
function isHash(x: unknown): boolean {
  if (typeof x !== 'string' || x.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = x.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** ^[A-Za-z0-9_-]{n}$ (PublicKey: 43, SignatureB64: 86). */
function isBase64Url(x: unknown, n: number): boolean {
  if (typeof x !== 'string' || x.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = x.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d)) return false;
  }
  return true;
}

const isInt = (x: unknown, min: number, max: number): boolean => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Head: { seq: integer 1..2^53-1, hash: HashHex }, nothing else. */
function isHead(x: unknown): boolean {
  if (!isPlainObject(x)) return false;
  let n = 0;
  for (const k in x) {
    if (k !== 'seq' && k !== 'hash') return false;
    n++;
  }
  return n === 2 && isInt(x.seq, 1, Number.MAX_SAFE_INTEGER) && isHash(x.hash);
}

function headsOk(x: unknown): boolean {
  if (!isPlainObject(x)) return false;
  let n = 0;
  for (const k in x) {
    if (++n > LIMITS.maxHeads || !isBase64Url(k, 43) || !isHead(x[k])) return false;
  }
  return true;
}

/** True only when EntrySchema accepts `value` (see the file comment). */
export function envelopeShapeOk(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  let n = 0;
  for (const k in value) {
    if (!ENVELOPE_MEMBERS.has(k)) return false;
    n++;
  }
  if (n !== ENVELOPE_MEMBERS.size) return false;
  const e = value;
  return (
    (e.v === 1 || e.v === 2) &&
    (e.channel === null || isHash(e.channel)) &&
    isBase64Url(e.author, 43) &&
    isBase64Url(e.key, 43) &&
    isInt(e.seq, 1, Number.MAX_SAFE_INTEGER) &&
    (e.prev === null || isHash(e.prev)) &&
    headsOk(e.heads) &&
    isInt(e.time, 0, LIMITS.maxTime) &&
    KIND_SET.has(e.kind) &&
    isPlainObject(e.body) &&
    isBase64Url(e.sig, 86)
  );
}
