/** Party cards, terminal certificates and fingerprints (docs/protocol.md §3). */
import { describe, expect, it } from 'vitest';
import { KeyRegistry, KeySigner, canonicalize, checkPartyCard, checkTerminalCertificate, fingerprint, issuePartyCard, issueRevocation, issueTerminalCertificate, normaliseFingerprint, shownCard, sha256, toBase64Url } from '../../src/protocol/index.js';
import { T0, makeParty } from '../../src/testkit/scenario.js';

const us = makeParty('US', { en: 'United States' });
const cn = makeParty('CN', { en: 'China' });

describe('party cards and terminal certificates', () => {
  it('accepts a card signed by the root key it names', () => {
    expect(checkPartyCard(us.card)).toBeUndefined();
  });

  it('refuses a card altered after signing, naming the party', () => {
    const e = checkPartyCard({ ...us.card, names: { en: 'Someone else' } });
    expect(e?.code).toBe('CARD_BAD_SIGNATURE');
    expect(e?.message).toContain('US');
  });

  it('refuses a card whose shape is wrong, naming the field', () => {
    const e = checkPartyCard({ ...us.card, code: 'us' });
    expect(e?.code).toBe('CARD_INVALID');
    expect(e?.message).toContain('code');
  });

  it('refuses a card carrying a certificate signed by another root', () => {
    const foreign = issueTerminalCertificate(cn.root, { key: us.terminal.publicKey, tls: 'a'.repeat(64), notBefore: T0, notAfter: T0 + 1 });
    const card = issuePartyCard(us.root, { code: 'US', names: { en: 'US' }, terminals: [foreign], endpoints: [], issued: T0 });
    expect(checkPartyCard(card)?.code).toBe('CARD_INVALID');
  });

  it('refuses a certificate whose period is empty or whose signature does not verify', () => {
    const cert = issueTerminalCertificate(us.root, { key: us.terminal.publicKey, tls: 'a'.repeat(64), notBefore: T0, notAfter: T0 });
    expect(checkTerminalCertificate(cert)?.code).toBe('CERT_INVALID');
    const good = us.card.terminals[0]!;
    expect(checkTerminalCertificate({ ...good, notAfter: good.notAfter + 1 })?.code).toBe('CERT_INVALID');
  });

  it('signs certificates under their own domain: a card signature never verifies as a certificate', () => {
    const cert = us.card.terminals[0]!;
    expect(checkTerminalCertificate({ ...cert, sig: us.card.sig })?.code).toBe('CERT_INVALID');
  });

  it('judges a key by the certificates of the cards, whatever order they were learnt in', () => {
    const later = issueTerminalCertificate(us.root, { key: cn.terminal.publicKey, tls: 'b'.repeat(64), notBefore: T0 + 5000, notAfter: T0 + 9000 });
    const card2 = issuePartyCard(us.root, { code: 'US', names: { en: 'US' }, terminals: [later], endpoints: [], issued: T0 + 1 });
    const a = new KeyRegistry();
    a.addCard(us.card);
    a.addCard(card2);
    const b = new KeyRegistry();
    b.addCard(card2);
    b.addCard(us.card);
    for (const r of [a, b]) {
      expect(r.check(us.id, us.terminal.publicKey, T0).ok).toBe(true);
      expect(r.check(us.id, cn.terminal.publicKey, T0 + 5000).ok).toBe(true);
      expect(r.check(us.id, cn.terminal.publicKey, T0 + 9000)).toMatchObject({ ok: false, code: 'ENTRY_KEY_EXPIRED' });
      expect(r.check(us.id, us.terminal.publicKey, T0 - 2 * 86_400_000)).toMatchObject({ ok: false, code: 'ENTRY_KEY_EXPIRED' });
      expect(r.check(cn.id, us.terminal.publicKey, T0)).toMatchObject({ ok: false, code: 'ENTRY_UNKNOWN_KEY' });
    }
  });

  it('keeps the revocations a card carries for display, but they decide no key (§3.2: only key.revoke entries do)', () => {
    const rev = issueRevocation(us.root, { key: us.terminal.publicKey, from: T0 + 1000, reason: 'Compromised.' });
    const card = issuePartyCard(us.root, { code: 'US', names: { en: 'US' }, terminals: [...us.card.terminals], revocations: [rev], endpoints: [], issued: T0 });
    const r = new KeyRegistry();
    expect(r.addCard(card)).toBeUndefined();
    expect(r.revocations(us.id).map((x) => x.from)).toEqual([T0 + 1000]);
    expect(r.check(us.id, us.terminal.publicKey, T0 + 5000).ok).toBe(true);
  });
});

describe('fingerprints', () => {
  it('are six groups of five digits, stable for a key', () => {
    const f = fingerprint(us.id);
    expect(f).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(fingerprint(us.id)).toBe(f);
    expect(fingerprint(cn.id)).not.toBe(f);
  });

  it('follow the documented algorithm (SHA-256, six 40-bit big-endian numbers mod 100000)', () => {
    const raw = Buffer.from(us.id, 'base64url');
    const d = sha256(raw);
    const groups = [0, 1, 2, 3, 4, 5].map((i) => String(Number(d.readUIntBE(i * 5, 5) % 100000)).padStart(5, '0'));
    expect(fingerprint(us.id)).toBe(groups.join(' '));
  });

  it('compare equal however they were typed', () => {
    const f = fingerprint(us.id);
    expect(normaliseFingerprint(f.replace(/ /g, '-'))).toBe(normaliseFingerprint(f));
  });

  it('refuse something that is not a key', () => {
    expect(() => fingerprint('not-a-key')).toThrow(TypeError);
  });
});

describe('keys', () => {
  it('derive the RFC 8032 test 1 public key from its seed', () => {
    const seed = toBase64Url(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
    expect(Buffer.from(KeySigner.fromSeed(seed).publicKey, 'base64url').toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });
  it('write keys as 43 characters of base64url without padding', () => {
    expect(us.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(canonicalize(us.card)).not.toContain('=');
  });
});

describe('the card shown (§3.6)', () => {
  it('is the greatest issued, then the greatest sig, whatever order the cards come in', () => {
    const party = makeParty('US', { en: 'United States' });
    const root = party.root;
    const make = (code: string, issued: number) => issuePartyCard(root, { code, names: { en: code }, terminals: [...party.card.terminals], endpoints: [], issued });
    const [a, b, older] = [make('AA', T0 + 5), make('BB', T0 + 5), make('OO', T0)];
    const winner = a.sig > b.sig ? a : b;
    for (const order of [[a, b, older], [b, a, older], [older, b, a]]) {
      const registry = new KeyRegistry();
      for (const c of order) expect(registry.addCard(c)).toBeUndefined();
      expect(registry.card(root.publicKey)?.code).toBe(winner.code);
      expect(order.reduce(shownCard).code).toBe(winner.code);
    }
  });
});
