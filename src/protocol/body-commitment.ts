/**
 * Version 2 body commitments (docs/protocol.md §14.2): an entry's hash covers its header, in which
 * the body is replaced by the body's hash, so an entry can be shown without its body (redacted)
 * and still be checked against its signature and its place in the hash chain.
 *
 *   bodyHash = SHA-256("hotline/2/body\0" || canonical JSON of body), lowercase hex
 *   header   = the entry without "sig", with "body" replaced by "bodyHash"
 *   hash     = SHA-256("hotline/2/entry-hash\0" || canonical JSON of header)
 */
import { canonicalize, sha256 } from './encoding.js';
import { DOMAIN } from './keys.js';

/** The body's commitment, lowercase hex. */
export function bodyHash(body: unknown): string {
  return sha256(DOMAIN.body2, canonicalize(body)).toString('hex');
}

/** The header of an unsigned (or signed: "sig" is left out) version-2 entry. */
export function entryHeader(entry: { readonly body: unknown; readonly sig?: string }): Record<string, unknown> {
  const { body, sig: _sig, ...rest } = entry as Record<string, unknown> & { body: unknown };
  return { ...rest, bodyHash: bodyHash(body) };
}

/** Hash bytes of a header (already without "sig" and with "bodyHash"). */
export function hashOfHeader(header: Readonly<Record<string, unknown>>): Buffer {
  return sha256(DOMAIN.entryHash2, canonicalize(header));
}

/** Hash bytes of a version-2 entry from its fields (with or without "sig"). */
export function headerHash(entry: { readonly body: unknown; readonly sig?: string }): Buffer {
  return hashOfHeader(entryHeader(entry));
}
