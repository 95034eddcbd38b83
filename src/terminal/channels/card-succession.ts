/**
 * Whether a party card fetched from a paired peer (`GET /fed/v1/card` over the pinned federation
 * link) replaces the card held for it (docs/security.md §5, docs/operations.md "Rotating a
 * terminal key"). Pure: the caller stores, logs and audits.
 *
 * Adopted only when it is a valid card (docs/protocol.md §3.6), of the same root key as the card
 * held (the fingerprint the operators compared by voice never changes without them), newer than it
 * (§3.6: the greater `issued`, then the greater `sig`), and carrying every revocation the held card
 * carries, no later (a card dropping one would make this terminal pin a revoked terminal's TLS key
 * again; a card cannot be merged, since only its root key signs it).
 */
import { checkPartyCard, shownCard, type KeyRevocation, type PartyCard } from '../../protocol/index.js';

/** What to do with a card offered for a peer. */
export type CardSuccession =
  /** Adopt it: what it adds to the card held. */
  | { readonly adopt: true; readonly card: PartyCard; readonly newKeys: readonly string[]; readonly newRevocations: readonly KeyRevocation[] }
  /** Nothing to do: the same card, or an older one (an instance of a highly available peer not yet updated). */
  | { readonly adopt: false; readonly why: 'same' | 'older' }
  /** Refused, alarm-worthy: not a valid card, another root key, or a revocation dropped. */
  | { readonly adopt: false; readonly why: 'invalid' | 'other-root' | 'drops-revocation'; readonly detail: string };

/** Judges `offered` as the successor of `held` (both cards of the peer paired as `held.party`). */
export function judgeCardSuccession(held: PartyCard, offered: unknown): CardSuccession {
  const problem = checkPartyCard(offered);
  if (problem) return { adopt: false, why: 'invalid', detail: `${problem.code}: ${problem.message}` };
  const card = offered as PartyCard;
  if (card.party !== held.party) return { adopt: false, why: 'other-root', detail: `the card served is of root key ${card.party}, not ${held.party}` };
  if (card.sig === held.sig) return { adopt: false, why: 'same' };
  if (shownCard(held, card) !== card) return { adopt: false, why: 'older' };
  for (const r of held.revocations) {
    const kept = card.revocations.some((n) => n.key === r.key && n.from <= r.from);
    if (!kept) return { adopt: false, why: 'drops-revocation', detail: `it lacks the revocation of terminal key ${r.key} (from ${new Date(r.from).toISOString()}) that the card held carries` };
  }
  const heldKeys = new Set(held.terminals.map((c) => c.key));
  const heldRevocations = new Set(held.revocations.map((r) => r.key));
  return {
    adopt: true,
    card,
    newKeys: [...new Set(card.terminals.map((c) => c.key).filter((k) => !heldKeys.has(k)))],
    newRevocations: card.revocations.filter((r) => !heldRevocations.has(r.key)),
  };
}
