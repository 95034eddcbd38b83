/**
 * The revocations a party card carries (docs/protocol.md §3.5, §3.6): every revocation the party
 * issued, so that peers stop pinning the revoked terminals' TLS keys. A card holds at most 256.
 */
import type { KeyRevocation } from '../../protocol/index.js';
import { IdentityError } from './errors.js';

/** The most revocations a card holds (schemas.ts). */
export const MAX_CARD_REVOCATIONS = 256;

/** `held` followed by those of `more` not in it (the same signature is the same revocation). */
export function mergeRevocations(held: readonly KeyRevocation[], more: readonly KeyRevocation[]): KeyRevocation[] {
  const out = [...held];
  const seen = new Set(held.map((r) => r.sig));
  for (const r of more) {
    if (seen.has(r.sig)) continue;
    seen.add(r.sig);
    out.push(r);
  }
  if (out.length > MAX_CARD_REVOCATIONS)
    throw new IdentityError('IDENTITY_BAD_INPUT', { detail: `a party card holds at most ${MAX_CARD_REVOCATIONS} revocations, and this one would hold ${out.length}` });
  return out;
}
