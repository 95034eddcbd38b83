/**
 * Party identities (docs/protocol.md §3): a party IS its Ed25519 root public key. The root key
 * certifies terminal keys; cards publish them; revocations withdraw them from a point in time.
 */
import { canonicalBytes } from './encoding.js';
import { protocolError, type ProtocolError } from './errors.js';
import { DOMAIN, signDomain, verifyDomain, type Signer } from './keys.js';
import {
  validateCard,
  validateCert,
  validateRevocation,
  type KeyRevocation,
  type PartyCard,
  type TerminalCertificate,
} from './schemas.js';

type Unsigned<T> = Omit<T, 'sig'>;

function withoutSig<T extends { sig: string }>(value: T): Unsigned<T> {
  const { sig: _sig, ...rest } = value;
  return rest;
}

/** Issues a terminal certificate: the root key binds a terminal signing key and TLS key to a period. */
export function issueTerminalCertificate(
  root: Signer,
  fields: { key: string; tls: string; notBefore: number; notAfter: number },
): TerminalCertificate {
  const unsigned: Unsigned<TerminalCertificate> = {
    type: 'hotline.terminal-cert',
    v: 1,
    party: root.publicKey,
    key: fields.key,
    tls: fields.tls,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
  };
  return Object.freeze({ ...unsigned, sig: signDomain(root, DOMAIN.terminalCert, canonicalBytes(unsigned)) });
}

/** Revokes a terminal key from `from` onwards, signed by the root key. */
export function issueRevocation(root: Signer, fields: { key: string; from: number; reason: string }): KeyRevocation {
  const unsigned: Unsigned<KeyRevocation> = {
    type: 'hotline.key-revocation',
    v: 1,
    party: root.publicKey,
    key: fields.key,
    from: fields.from,
    reason: fields.reason,
  };
  return Object.freeze({ ...unsigned, sig: signDomain(root, DOMAIN.keyRevocation, canonicalBytes(unsigned)) });
}

/** Issues a party card signed by the root key. */
export function issuePartyCard(
  root: Signer,
  fields: {
    code: string;
    names: Record<string, string>;
    terminals: TerminalCertificate[];
    revocations?: KeyRevocation[];
    endpoints: string[];
    issued: number;
  },
): PartyCard {
  const unsigned: Unsigned<PartyCard> = {
    type: 'hotline.party-card',
    v: 1,
    party: root.publicKey,
    code: fields.code,
    names: fields.names,
    terminals: fields.terminals,
    revocations: fields.revocations ?? [],
    endpoints: fields.endpoints,
    issued: fields.issued,
  };
  return Object.freeze({ ...unsigned, sig: signDomain(root, DOMAIN.partyCard, canonicalBytes(unsigned)) });
}

/** Checks a terminal certificate's shape and root signature. */
export function checkTerminalCertificate(cert: unknown): ProtocolError | undefined {
  const problem = validateCert.firstError(cert);
  if (problem) return protocolError('CERT_INVALID', { detail: problem });
  const c = cert as TerminalCertificate;
  if (c.notAfter <= c.notBefore) return protocolError('CERT_INVALID', { detail: 'notAfter must be later than notBefore' });
  if (!verifyDomain(c.party, DOMAIN.terminalCert, canonicalBytes(withoutSig(c)), c.sig))
    return protocolError('CERT_INVALID', { detail: 'signature does not verify against the party root key' });
  return undefined;
}

/** Checks a revocation's shape and root signature. */
export function checkRevocation(rev: unknown): ProtocolError | undefined {
  const problem = validateRevocation.firstError(rev);
  if (problem) return protocolError('CERT_INVALID', { detail: `revocation ${problem}` });
  const r = rev as KeyRevocation;
  if (!verifyDomain(r.party, DOMAIN.keyRevocation, canonicalBytes(withoutSig(r)), r.sig))
    return protocolError('CERT_INVALID', { detail: 'revocation signature does not verify against the party root key' });
  return undefined;
}

/** Checks a party card: shape, root signature, and every certificate and revocation inside it. */
export function checkPartyCard(card: unknown): ProtocolError | undefined {
  const problem = validateCard.firstError(card);
  if (problem) return protocolError('CARD_INVALID', { detail: problem });
  const c = card as PartyCard;
  if (!verifyDomain(c.party, DOMAIN.partyCard, canonicalBytes(withoutSig(c)), c.sig))
    return protocolError('CARD_BAD_SIGNATURE', { code: c.code });
  for (const cert of c.terminals) {
    if (cert.party !== c.party) return protocolError('CARD_INVALID', { detail: 'a terminal certificate names another party' });
    const e = checkTerminalCertificate(cert);
    if (e) return protocolError('CARD_INVALID', { detail: e.message });
  }
  for (const rev of c.revocations) {
    if (rev.party !== c.party) return protocolError('CARD_INVALID', { detail: 'a revocation names another party' });
    const e = checkRevocation(rev);
    if (e) return protocolError('CARD_INVALID', { detail: e.message });
  }
  return undefined;
}

/** Outcome of asking whether a key may sign for a party at a time. */
export type KeyCheck =
  | { ok: true; cert: TerminalCertificate }
  | { ok: false; code: 'ENTRY_UNKNOWN_KEY' | 'ENTRY_KEY_EXPIRED' | 'ENTRY_KEY_REVOKED'; revokedAt?: number };

/**
 * Which terminal keys may sign for which party, and when (docs/protocol.md §3.2).
 * Fed with verified certificates and revocations from cards and key.rotate/key.revoke entries;
 * the answer does not depend on the order in which they were added.
 */
export class KeyRegistry {
  readonly #certs = new Map<string, TerminalCertificate[]>();
  readonly #revoked = new Map<string, number>();
  readonly #cards = new Map<string, PartyCard>();

  /** Adds a party card after checking it; returns the problem instead if it does not check. */
  addCard(card: PartyCard): ProtocolError | undefined {
    const e = checkPartyCard(card);
    if (e) return e;
    const known = this.#cards.get(card.party);
    if (!known || known.issued <= card.issued) this.#cards.set(card.party, card);
    for (const cert of card.terminals) this.#addCertUnchecked(cert);
    for (const rev of card.revocations) this.#addRevocationUnchecked(rev);
    return undefined;
  }

  /** Adds a certificate (from a key.rotate entry) after checking its root signature. */
  addCertificate(cert: TerminalCertificate): ProtocolError | undefined {
    const e = checkTerminalCertificate(cert);
    if (e) return e;
    this.#addCertUnchecked(cert);
    return undefined;
  }

  /** Adds a revocation (from a key.revoke entry or card) after checking its root signature. */
  addRevocation(rev: KeyRevocation): ProtocolError | undefined {
    const e = checkRevocation(rev);
    if (e) return e;
    this.#addRevocationUnchecked(rev);
    return undefined;
  }

  #addCertUnchecked(cert: TerminalCertificate): void {
    const id = `${cert.party}/${cert.key}`;
    const list = this.#certs.get(id) ?? [];
    if (!list.some((c) => c.sig === cert.sig)) list.push(cert);
    this.#certs.set(id, list);
  }

  #addRevocationUnchecked(rev: KeyRevocation): void {
    const id = `${rev.party}/${rev.key}`;
    const prior = this.#revoked.get(id);
    if (prior === undefined || rev.from < prior) this.#revoked.set(id, rev.from);
  }

  /** May `key` sign for `party` at `time`? */
  check(party: string, key: string, time: number): KeyCheck {
    const id = `${party}/${key}`;
    const certs = this.#certs.get(id);
    if (!certs || certs.length === 0) return { ok: false, code: 'ENTRY_UNKNOWN_KEY' };
    const revokedAt = this.#revoked.get(id);
    if (revokedAt !== undefined && time >= revokedAt) return { ok: false, code: 'ENTRY_KEY_REVOKED', revokedAt };
    const cert = certs.find((c) => c.notBefore <= time && time < c.notAfter);
    if (!cert) return { ok: false, code: 'ENTRY_KEY_EXPIRED' };
    return { ok: true, cert };
  }

  /** The newest card known for a party. */
  card(party: string): PartyCard | undefined {
    return this.#cards.get(party);
  }

  /** All cards known, in no particular order. */
  cards(): PartyCard[] {
    return [...this.#cards.values()];
  }

  /** A party's short code for display, or an abbreviated key. */
  label(party: string): string {
    return this.#cards.get(party)?.code ?? `${party.slice(0, 8)}…`;
  }
}
