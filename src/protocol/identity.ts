/**
 * Party identities (docs/protocol.md §3): a party IS its Ed25519 root public key. The root key
 * certifies terminal keys; cards publish them; revocations withdraw them from a point in time.
 */
import { canonicalBytes, hasLoneSurrogate } from './encoding.js';
import { fail, protocolError, type ProtocolError } from './errors.js';
import { DOMAIN, publicKeyProblem, signDomain, verifyDomain, type Signer } from './keys.js';
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
  if (hasLoneSurrogate(unsigned)) fail('JSON_LONE_SURROGATE', { what: 'key revocation' });
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
  if (hasLoneSurrogate(unsigned)) fail('JSON_LONE_SURROGATE', { what: 'party card' });
  return Object.freeze({ ...unsigned, sig: signDomain(root, DOMAIN.partyCard, canonicalBytes(unsigned)) });
}

/** Checks a terminal certificate: shape, period, keys (§3.1) and root signature (§3.4). */
export function checkTerminalCertificate(cert: unknown): ProtocolError | undefined {
  const problem = validateCert.firstError(cert);
  if (problem) return protocolError('CERT_INVALID', { detail: problem });
  const c = cert as TerminalCertificate;
  if (c.notAfter <= c.notBefore) return protocolError('CERT_INVALID', { detail: 'notAfter must be later than notBefore' });
  const weak = keyProblem(c.party, 'party') ?? keyProblem(c.key, 'key');
  if (weak) return protocolError('CERT_INVALID', { detail: weak });
  if (!verifyDomain(c.party, DOMAIN.terminalCert, canonicalBytes(withoutSig(c)), c.sig))
    return protocolError('CERT_INVALID', { detail: 'signature does not verify against the party root key' });
  return undefined;
}

function keyProblem(key: string, field: string): string | undefined {
  const why = publicKeyProblem(key);
  return why ? `${field}: not an acceptable Ed25519 public key (${why})` : undefined;
}

/** Checks a revocation: shape, keys (§3.1) and root signature (§3.5). */
export function checkRevocation(rev: unknown): ProtocolError | undefined {
  const problem = validateRevocation.firstError(rev);
  if (problem) return protocolError('CERT_INVALID', { detail: `revocation ${problem}` });
  const r = rev as KeyRevocation;
  if (hasLoneSurrogate(r)) return protocolError('JSON_LONE_SURROGATE', { what: 'key revocation' });
  const weak = keyProblem(r.party, 'party');
  if (weak) return protocolError('CERT_INVALID', { detail: `revocation ${weak}` });
  if (!verifyDomain(r.party, DOMAIN.keyRevocation, canonicalBytes(withoutSig(r)), r.sig))
    return protocolError('CERT_INVALID', { detail: 'revocation signature does not verify against the party root key' });
  return undefined;
}

/**
 * Checks a party card (§3.6): no lone surrogate in any text, shape, root key, root signature,
 * and every certificate and revocation inside it. The card's bytes (canonical form, duplicate
 * members) are the reader's to check: see verify.ts.
 */
export function checkPartyCard(card: unknown): ProtocolError | undefined {
  if (hasLoneSurrogate(card)) return protocolError('JSON_LONE_SURROGATE', { what: 'party card' });
  const problem = validateCard.firstError(card);
  if (problem) return protocolError('CARD_INVALID', { detail: problem });
  const c = card as PartyCard;
  const weak = keyProblem(c.party, 'party');
  if (weak) return protocolError('CARD_INVALID', { detail: weak });
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
 * Judges a key by the certificates and revocations that count for one entry (docs/protocol.md
 * §3.2), in the order of the checks there: a certificate names the key (else unknown); no
 * revocation from at or before `time` (else revoked, the earliest `from` reported); a
 * certificate's period holds `time` (else expired).
 */
export function judgeKey(certs: readonly TerminalCertificate[], revokedFrom: number | undefined, time: number): KeyCheck {
  if (certs.length === 0) return { ok: false, code: 'ENTRY_UNKNOWN_KEY' };
  if (revokedFrom !== undefined && time >= revokedFrom) return { ok: false, code: 'ENTRY_KEY_REVOKED', revokedAt: revokedFrom };
  const cert = certs.find((c) => c.notBefore <= time && time < c.notAfter);
  return cert ? { ok: true, cert } : { ok: false, code: 'ENTRY_KEY_EXPIRED' };
}

const NO_CERTS: readonly TerminalCertificate[] = Object.freeze([]);

/**
 * Judges `key` of `party` at `time` with the key entries a channel holds of that party in view
 * (docs/protocol.md §3.2): the certificates of the cards, plus the `key.rotate` certificates held,
 * against the earliest `from` of the `key.revoke` revocations held for that key. The caller passes
 * only the key entries that count for the entry judged (those before it in the author's log). One
 * rule, used by the channel log and by a period bundle's entries before its anchor (§15.2).
 */
export function judgeKeyWithHeld(
  registry: KeyRegistry,
  party: string,
  key: string,
  time: number,
  rotated: readonly TerminalCertificate[],
  revoked: readonly KeyRevocation[],
): KeyCheck {
  let certs = registry.certificates(party, key);
  const mine = rotated.filter((c) => c.key === key);
  if (mine.length > 0) certs = [...certs, ...mine];
  let revokedFrom: number | undefined;
  for (const r of revoked) if (r.key === key && (revokedFrom === undefined || r.from < revokedFrom)) revokedFrom = r.from;
  return judgeKey(certs, revokedFrom, time);
}

/**
 * The parties' cards, and which terminal keys they certify (docs/protocol.md §3.2, §3.6).
 * The answer does not depend on the order in which cards were added. Revocations carried by
 * cards are kept for display (and for the transport, which pins no revoked terminal) but do not
 * decide whether an entry's key may sign: only `key.revoke` entries in the channel do (§3.2),
 * which ChannelLog applies, with `key.rotate` certificates, on top of this.
 */
/**
 * Of two valid cards of a party, the one shown (§3.6): the greater `issued`, then the greater `sig`
 * (UTF-16 code units), so that the choice never depends on the order the cards came in.
 */
export function shownCard(a: PartyCard, b: PartyCard): PartyCard {
  if (a.issued !== b.issued) return b.issued > a.issued ? b : a;
  return b.sig > a.sig ? b : a;
}

export class KeyRegistry {
  readonly #certs = new Map<string, TerminalCertificate[]>();
  readonly #revocations = new Map<string, KeyRevocation[]>();
  readonly #cards = new Map<string, PartyCard>();

  /** Adds a party card after checking it; returns the problem instead if it does not check. */
  addCard(card: PartyCard): ProtocolError | undefined {
    const e = checkPartyCard(card);
    if (e) return e;
    const known = this.#cards.get(card.party);
    if (!known || shownCard(known, card) === card) this.#cards.set(card.party, card);
    for (const cert of card.terminals) this.#addCertUnchecked(cert);
    for (const rev of card.revocations) {
      const list = this.#revocations.get(card.party) ?? [];
      if (!list.some((r) => r.sig === rev.sig)) list.push(rev);
      this.#revocations.set(card.party, list);
    }
    return undefined;
  }

  /** Adds a certificate learnt out of band (not from a channel), after checking it. */
  addCertificate(cert: TerminalCertificate): ProtocolError | undefined {
    const e = checkTerminalCertificate(cert);
    if (e) return e;
    this.#addCertUnchecked(cert);
    return undefined;
  }

  #addCertUnchecked(cert: TerminalCertificate): void {
    const id = `${cert.party}/${cert.key}`;
    const list = this.#certs.get(id) ?? [];
    if (!list.some((c) => c.sig === cert.sig)) list.push(cert);
    this.#certs.set(id, list);
  }

  /** The certificates of `party` for `key` known from cards. */
  certificates(party: string, key: string): readonly TerminalCertificate[] {
    return this.#certs.get(`${party}/${key}`) ?? NO_CERTS;
  }

  /** May `key` sign for `party` at `time`, by the certificates of the cards known (§3.2)? */
  check(party: string, key: string, time: number): KeyCheck {
    return judgeKey(this.certificates(party, key), undefined, time);
  }

  /** The revocations the party's cards carry (informative: see the class comment). */
  revocations(party: string): readonly KeyRevocation[] {
    return this.#revocations.get(party) ?? [];
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
