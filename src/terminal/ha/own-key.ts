/**
 * Is this instance's own terminal key revoked by its party (docs/protocol.md §3.5)? An instance
 * signing with such a key would take the lease, report ready, and then have every entry refused
 * (ENTRY_KEY_REVOKED), a standby that could serve left idle: it must not take the lease. The
 * revocations that count are those of the party's `key.revoke` entries (shared database) and of
 * its card.
 */
import { checkRevocation, type KeyRevocation } from '../../protocol/index.js';
import type { Leadership } from '../../store/index.js';
import { TERMINAL_ERRORS } from '../errors.js';
import type { TerminalIdentity } from '../identity/index.js';

/** The earliest revocation of `identity`'s signing key in force at `now`, if any. */
export async function ownKeyRevocation(identity: TerminalIdentity, leadership: Pick<Leadership, 'revocationEntries'>, now: number): Promise<KeyRevocation | undefined> {
  const key = identity.terminalSigner.publicKey;
  const candidates: unknown[] = [...identity.card.revocations];
  for (const raw of await leadership.revocationEntries(identity.party)) {
    try {
      candidates.push((JSON.parse(raw) as { body?: { revocation?: unknown } }).body?.revocation);
    } catch {
      // A stored entry that does not parse is `hotline doctor`'s to report, not a revocation.
    }
  }
  let earliest: KeyRevocation | undefined;
  for (const c of candidates) {
    const r = c as KeyRevocation;
    if (typeof c !== 'object' || c === null || r.key !== key || r.party !== identity.party || !(r.from <= now)) continue;
    if (checkRevocation(r)) continue;
    if (!earliest || r.from < earliest.from) earliest = r;
  }
  return earliest;
}

/** The HA_KEY_REVOKED sentence for the operator: what is wrong, and what to do. */
export function revokedKeySentence(identity: TerminalIdentity, instance: string, r: KeyRevocation): string {
  return TERMINAL_ERRORS.format('HA_KEY_REVOKED', { instance, party: identity.config.party.code, key: `${r.key.slice(0, 16)}…`, from: new Date(r.from).toISOString(), reason: r.reason });
}
