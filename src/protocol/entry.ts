/**
 * Entries (docs/protocol.md §4): the signed, hash-chained unit of every channel log.
 *
 *   raw   = canonical JSON (RFC 8785) of the whole entry, signature included: the wire form
 *   hash  = SHA-256(canonical JSON of the entry without "sig"), lowercase hex: the entry id
 *   sig   = Ed25519(terminal key, "hotline/1/entry\0" || hash bytes), base64url
 *
 * Version 2 (§14) commits to the body by hash, so an entry can be shown without its body:
 *   hash  = SHA-256("hotline/2/entry-hash\0" || canonical JSON of the header), the header being the
 *           entry without "sig" and with "body" replaced by "bodyHash" (./body-commitment.ts)
 *   sig   = Ed25519(terminal key, "hotline/2/entry\0" || hash bytes)
 */
import { canonicalize, duplicateMember, hasLoneSurrogate, isCanonicalJson, parsedHasLoneSurrogate, sha256, sha256HexOfTextWithout } from './encoding.js';
import { fail, protocolError, type ProtocolError } from './errors.js';
import { headerHash } from './body-commitment.js';
import { DOMAIN, signDomain, verifyDomain, type Signer } from './keys.js';
import { LIMITS, validateBody, validateEnvelope, type BodyOf, type EntryKind, type Head } from './schemas.js';

/** An entry as written on the wire. Frozen once made. */
export interface Entry<K extends EntryKind = EntryKind> {
  /** Protocol version: 2 in channels whose charter in force says `"protocol": 2` (§14). */
  readonly v: ProtocolVersion;
  /** Channel id; null only in the charter.propose entry whose hash becomes the channel id. */
  readonly channel: string | null;
  /** Author party id: base64url Ed25519 root public key. */
  readonly author: string;
  /** Signing terminal key, certified by the author's root key. */
  readonly key: string;
  readonly seq: number;
  readonly prev: string | null;
  /** Heads seen of other authors' logs in this channel: causal dependencies. */
  readonly heads: Readonly<Record<string, Head>>;
  /** Author time, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly kind: K;
  readonly body: BodyOf<K>;
  readonly sig: string;
}

/** An entry with its hash and exact wire text. */
export interface SealedEntry<K extends EntryKind = EntryKind> {
  readonly entry: Entry<K>;
  readonly hash: string;
  /** Canonical JSON text: what is stored, sent and exported, byte for byte. */
  readonly raw: string;
}

/** The entry versions this implementation speaks (§10, §14). */
export type ProtocolVersion = 1 | 2;

export type UnsignedEntry<K extends EntryKind = EntryKind> = Omit<Entry<K>, 'sig' | 'v'>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    // for...in instead of Object.values: no array per object (the verifier freezes 100,000s of them).
    for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
    Object.freeze(value);
  }
  return value;
}

/** Hash of an entry: SHA-256 of the canonical form without "sig". */
export function entryHash(entry: Omit<Entry, 'sig'> | Entry): string {
  const { sig: _sig, ...unsigned } = entry as Entry;
  if (unsigned.v === 2) return headerHash(unsigned).toString('hex');
  return sha256(canonicalize(unsigned)).toString('hex');
}

const SIG_FIELD = ',"sig":"';

/**
 * Hash from the canonical text with signature: dropping the `"sig"` member from canonical text
 * yields the canonical text of the unsigned entry (members stay sorted). Only "time" and "v",
 * both numbers, sort after "sig", so its last occurrence is the top-level member.
 */
function hashOfCanonical(canonical: string, entry: Entry): string {
  if (entry.v === 2) return entryHash(entry);
  const at = canonical.lastIndexOf(SIG_FIELD);
  const end = at + SIG_FIELD.length + entry.sig.length;
  if (at < 0 || canonical[end] !== '"') return entryHash(entry);
  return sha256HexOfTextWithout(canonical, at, end + 1);
}

const TIME_FIELD = ',"time":';

/**
 * Canonical text of the signed entry from that of the unsigned one: members sort as author, body,
 * channel, heads, key, kind, prev, seq, sig, time, v, so "sig" (a string without escapes) goes
 * right before the top-level "time", whose member is the last `,"time":` of the text (everything
 * nested lies in members sorting before it). The inverse of hashOfCanonical.
 */
function withSignature(unsignedText: string, sig: string): string | undefined {
  const at = unsignedText.lastIndexOf(TIME_FIELD);
  if (at < 0) return undefined;
  return `${unsignedText.slice(0, at)}${SIG_FIELD}${sig}"${unsignedText.slice(at)}`;
}

/** Signs an entry. The caller is responsible for sequence, prev and heads (see ChannelLog). */
export function sealEntry<K extends EntryKind>(fields: UnsignedEntry<K>, signer: Signer, v: ProtocolVersion = 1): SealedEntry<K> {
  if (fields.key !== signer.publicKey) throw new TypeError('entry key does not match the signer');
  // What is signed must be what was written: a lone surrogate has no UTF-8 form (§2.5).
  if (hasLoneSurrogate(fields.body)) fail('JSON_LONE_SURROGATE', { what: `${fields.kind} entry` });
  const unsigned = { v, ...fields };
  const unsignedText = canonicalize(unsigned);
  const hashBytes = v === 2 ? headerHash(unsigned) : sha256(unsignedText);
  const sig = signDomain(signer, v === 2 ? DOMAIN.entry2 : DOMAIN.entry, hashBytes);
  const entry = deepFreeze({ ...unsigned, sig }) as Entry<K>;
  const raw = withSignature(unsignedText, sig) ?? canonicalize(entry);
  const size = Buffer.byteLength(raw, 'utf8');
  // A registered error, not a bug: a text under its character limit can still exceed the entry's
  // byte limit once encoded (each control character is written \u0001, six bytes).
  if (size > LIMITS.entryBytes) fail('ENTRY_TOO_LARGE', { size, limit: LIMITS.entryBytes });
  return Object.freeze({ entry, hash: hashBytes.toString('hex'), raw });
}

export type ParseResult = { ok: true; sealed: SealedEntry } | { ok: false; error: ProtocolError };

function label(value: unknown): { author: string; seq: string } {
  const v = value as { author?: unknown; seq?: unknown } | null;
  return {
    author: typeof v?.author === 'string' ? v.author.slice(0, 8) : '?',
    seq: typeof v?.seq === 'number' ? String(v.seq) : '?',
  };
}

/**
 * Parses wire text into an entry and checks everything that needs no context: size, JSON,
 * envelope and body schema, canonical form. It does NOT check the signature (see
 * verifyEntrySignature) nor anything that depends on other entries (see ChannelLog).
 */
export function parseEntry(raw: string): ParseResult {
  const size = utf8SizeOver(raw);
  if (size !== undefined)
    return { ok: false, error: protocolError('ENTRY_TOO_LARGE', { size, limit: LIMITS.entryBytes }) };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: `not JSON (${(e as Error).message})` }) };
  }
  return checkEntryValue(value, raw);
}

/**
 * As parseEntry, for `value` parsed from `raw` (when given, the text it was parsed from, which
 * must be canonical). Checks in the order of docs/protocol.md §4.4 from step 3 on.
 */
export function checkEntryValue(value: unknown, raw?: string): ParseResult {
  const result = checkParsed(value, raw);
  // Duplicate members (step 3) make a text non-canonical, so only a text that fails a later
  // check can hold them: looking for them then costs nothing on the common path.
  if (!result.ok && raw !== undefined) {
    const name = duplicateMember(raw);
    if (name !== undefined) return { ok: false, error: protocolError('JSON_DUPLICATE_MEMBER', { what: 'entry', name }) };
  }
  return result;
}

/**
 * The UTF-8 size of `text` when it exceeds LIMITS.entryBytes, else undefined. A UTF-16 code unit
 * takes at most 3 bytes in UTF-8, so a short text needs no counting (the common case).
 */
function utf8SizeOver(text: string): number | undefined {
  if (text.length * 3 <= LIMITS.entryBytes) return undefined;
  const size = Buffer.byteLength(text, 'utf8');
  return size > LIMITS.entryBytes ? size : undefined;
}

function checkParsed(value: unknown, raw: string | undefined): ParseResult {
  // A text shown canonical by reading it (isCanonicalJson) has surrogates only in pairs and no
  // \u escape above U+001F, so it holds no lone surrogate: the check below would find none.
  const shownCanonical = raw !== undefined && isCanonicalJson(raw);
  if (!shownCanonical && (raw !== undefined ? parsedHasLoneSurrogate(raw, value) : hasLoneSurrogate(value)))
    return { ok: false, error: protocolError('JSON_LONE_SURROGATE', { what: 'entry' }) };
  if (value && typeof value === 'object' && 'v' in value && (value as { v: unknown }).v !== 1 && (value as { v: unknown }).v !== 2)
    return {
      ok: false,
      error: protocolError('ENTRY_UNSUPPORTED_VERSION', { version: String((value as { v: unknown }).v) }),
    };
  const problem = validateEnvelope.firstError(value);
  if (problem) return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: problem, ...label(value) }) };
  const entry = value as Entry;
  const bodyProblem = validateBody[entry.kind].firstError(entry.body);
  if (bodyProblem)
    return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: `${entry.kind} body ${bodyProblem}` }) };
  if ((entry.channel === null) !== (entry.kind === 'charter.propose'))
    return {
      ok: false,
      error: protocolError('ENTRY_MALFORMED', {
        detail: 'channel must be null exactly in the charter.propose entry that founds the channel',
      }),
    };
  if ((entry.prev === null) !== (entry.seq === 1))
    return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: 'prev must be null exactly when seq is 1' }) };
  if (entry.heads[entry.author])
    return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: 'heads must not name the author itself' }) };
  if (entry.kind === 'charter.propose' && entry.v !== ((entry.body as BodyOf<'charter.propose'>).charter.protocol ?? 1))
    return { ok: false, error: protocolError('ENTRY_WRONG_VERSION', { author: label(value).author, seq: entry.seq, v: entry.v, expected: (entry.body as BodyOf<'charter.propose'>).charter.protocol ?? 1 }) };
  if (entry.kind === 'message' && ('format' in entry.body) !== ('fields' in entry.body))
    return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: 'a formatted message carries both format and fields, or neither (§13.3)' }) };
  // A text shown canonical by reading it is its own canonical form; otherwise serialise again.
  const canonical = shownCanonical ? raw : canonicalOf(entry);
  if (canonical === undefined)
    return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: 'a number has no IEEE 754 double (its magnitude is beyond the largest one, as 1e400), so the entry has no canonical form (§2.4)', ...label(value) }) };
  if (raw !== undefined && canonical !== raw)
    return { ok: false, error: protocolError('ENTRY_NON_CANONICAL', { where: '' }) };
  const size = utf8SizeOver(canonical);
  if (size !== undefined) return { ok: false, error: protocolError('ENTRY_TOO_LARGE', { size, limit: LIMITS.entryBytes }) };
  deepFreeze(entry);
  return { ok: true, sealed: Object.freeze({ entry, hash: hashOfCanonical(canonical, entry), raw: canonical }) };
}

/** The canonical text of a parsed entry, or undefined when it has none (a number that overflowed to Infinity). */
function canonicalOf(entry: Entry): string | undefined {
  try {
    return canonicalize(entry);
  } catch {
    return undefined;
  }
}

/**
 * The entry of wire text that precheckLines (verify.ts) found well-formed and canonical, with the
 * hash it computed: only the JSON is parsed again. `raw` must be the very text that was checked.
 */
export function sealedFromPrechecked(raw: string, hash: string): SealedEntry {
  return Object.freeze({ entry: deepFreeze(JSON.parse(raw) as Entry), hash, raw });
}

/**
 * The entry of wire text this terminal checked completely when it arrived and stored since (a
 * restart reloads its logs): the JSON is parsed and the hash recomputed from the text itself, so
 * the entry in memory is exactly the stored text; the schema and canonical-form checks are not
 * redone. Text from anywhere else goes through parseEntry.
 */
export function sealedFromStored(raw: string): SealedEntry {
  const entry = deepFreeze(JSON.parse(raw) as Entry);
  return Object.freeze({ entry, hash: hashOfCanonical(raw, entry), raw });
}

/** Does the entry's signature verify under its stated key? (Whether that key may sign is ChannelLog's job.) */
function hashBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

export function verifyEntrySignature(sealed: SealedEntry): boolean {
  return verifyDomain(sealed.entry.key, sealed.entry.v === 2 ? DOMAIN.entry2 : DOMAIN.entry, hashBytes(sealed.hash), sealed.entry.sig);
}
