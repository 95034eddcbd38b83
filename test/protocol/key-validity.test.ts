/**
 * Which keys may sign an entry (docs/protocol.md §3.2), and what counts as evidence against a
 * party (§4.2), for a terminal's ChannelLog and for the offline verifier alike.
 */
import { describe, expect, it } from 'vitest';
import {
  ChannelLog,
  KeyRegistry,
  KeySigner,
  canonicalize,
  composeEntry,
  issuePartyCard,
  issueRevocation,
  issueTerminalCertificate,
  reportJson,
  sealEntry,
  sha256,
  toBase64Url,
  verifyBundle,
  writeBundle,
  type Entry,
  type SealedEntry,
  type UnsignedEntry,
} from '../../src/protocol/index.js';
import { Scenario, T0, makeCharter, makeParty, type TestParty } from '../../src/testkit/scenario.js';

function resign(sealed: SealedEntry, signer: KeySigner, change: Partial<UnsignedEntry>): SealedEntry {
  const { sig: _s, v: _v, ...fields } = sealed.entry as Entry;
  return sealEntry({ ...fields, key: signer.publicKey, ...change } as UnsignedEntry, signer);
}

const us = makeParty('US', { en: 'United States' });
const cn = makeParty('CN', { en: 'China' });
const newKey = (label: string) => KeySigner.fromSeed(toBase64Url(sha256(`key-validity ${label}`)));
const certFor = (p: TestParty, key: KeySigner) => issueTerminalCertificate(p.root, { key: key.publicKey, tls: sha256(`${p.code} tls x`).toString('hex'), notBefore: T0, notAfter: T0 + 86_400_000 });

/** An open channel between US and CN with one message each way. */
function channel(title = 'Line'): Scenario {
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], { title: { en: title, zh: title } }));
  s.acceptAll();
  s.message(us, 'One.');
  s.message(cn, 'Two.');
  return s;
}

describe('forged copies are not evidence of equivocation (§4.2)', () => {
  it('a terminal refuses a copy of a held entry signed by a key no certificate names, with that code', () => {
    const s = channel();
    const last = s.entries[s.entries.length - 1]!;
    const forged = resign(last, newKey('forger'), { body: { text: 'CN never said this.', lang: 'en', precedence: 'FLASH' } as Entry['body'] });
    expect(s.log.ingest(forged)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_UNKNOWN_KEY' } });
  });

  it('the verifier keeps the genuine entry and reports the forgery, whichever hash is smaller and whatever the line order', () => {
    const s = channel();
    const last = s.entries[s.entries.length - 1]!;
    const forgeries = [1, 2, 3, 4, 5, 6].map((i) => resign(last, newKey(`forger ${i}`), { body: { text: `Forgery ${i}.`, lang: 'en', precedence: 'FLASH' } as Entry['body'] }));
    // Some forgery sorts before the genuine entry: it must not displace it.
    expect(forgeries.some((f) => f.hash < last.hash)).toBe(true);
    for (const f of forgeries) {
      for (const entries of [[...s.entries, f], [f, ...s.entries]]) {
        const r = verifyBundle(s.bundle(entries));
        expect(r.errors.map((x) => x.code)).toEqual(['ENTRY_UNKNOWN_KEY']);
        expect(r.equivocations).toEqual([]);
        expect(r.integrity.verified).toBe(s.entries.length);
        expect(r.messages.map((m) => m.text)).toEqual(['One.', 'Two.']);
      }
    }
  });

  it('the verifier still reports a copy signed by the party\'s own valid key as equivocation, with both texts', () => {
    const s = channel();
    const last = s.entries[s.entries.length - 1]!;
    const twin = resign(last, cn.terminal, { body: { text: 'Three.', lang: 'en', precedence: 'FLASH' } as Entry['body'] });
    const r = verifyBundle(s.bundle([...s.entries, twin]));
    expect(r.errors.map((x) => x.code)).toEqual(['ENTRY_EQUIVOCATION']);
    expect(r.equivocations).toEqual([{ author: cn.id, seq: last.entry.seq, entries: [last, twin].sort((a, b) => (a.hash < b.hash ? -1 : 1)).map((x) => x.raw) }]);
  });

  it('reports a malleated copy of an entry (same hash, S + L) as a bad signature, whatever the line order', () => {
    const s = channel();
    const last = s.entries[s.entries.length - 1]!;
    const sig = Buffer.from(last.entry.sig, 'base64url');
    let n = 0n;
    for (let i = 63; i >= 32; i--) n = (n << 8n) | BigInt(sig[i]!);
    n += (1n << 252n) + 27742317777372353535851937790883648493n;
    for (let i = 32; i < 64; i++, n >>= 8n) sig[i] = Number(n & 0xffn);
    const copy = canonicalize({ ...last.entry, sig: toBase64Url(sig) });
    for (const entries of [[...s.entries, copy], [copy, ...s.entries]]) {
      const r = verifyBundle(s.bundle(entries));
      expect(r.errors.map((x) => [x.code, x.seq])).toEqual([['ENTRY_BAD_SIGNATURE', last.entry.seq]]);
      expect(r.integrity.verified).toBe(s.entries.length);
    }
  });
});

describe('certificates and revocations count from their place in the log on (§3.2)', () => {
  it('a key.rotate in one channel does not let the new key sign in another channel of the same terminal', () => {
    const registry = new KeyRegistry();
    registry.addCard(us.card);
    registry.addCard(cn.card);
    const a = channel('A');
    const b = channel('B');
    const logA = ChannelLog.found(a.entries[0]!, registry);
    const logB = ChannelLog.found(b.entries[0]!, registry);
    if (!logA.ok || !logB.ok) throw new Error('found');
    for (const x of a.entries.slice(1)) expect(logA.log.ingest(x).status).toBe('accepted');
    for (const x of b.entries.slice(1)) expect(logB.log.ingest(x).status).toBe('accepted');
    const k2 = newKey('US 2');
    expect(logA.log.ingest(composeEntry(logA.log, us.terminal, us.id, 'key.rotate', { cert: certFor(us, k2) }, a.tick())).status).toBe('accepted');
    expect(logA.log.ingest(composeEntry(logA.log, k2, us.id, 'message', { text: 'New key, channel A.', lang: 'en', precedence: 'ROUTINE' }, a.tick())).status).toBe('accepted');
    const inB = composeEntry(logB.log, k2, us.id, 'message', { text: 'New key, channel B.', lang: 'en', precedence: 'ROUTINE' }, b.tick());
    expect(logB.log.ingest(inB)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_UNKNOWN_KEY' } });
  });

  it('a certificate from a key.rotate does not make a copy of an earlier entry, signed by the new key, evidence', () => {
    const s = channel();
    const k2 = newKey('US 2');
    const earlier = s.entries.find((x) => x.entry.author === us.id && x.entry.kind === 'message')!;
    s.write(us, 'key.rotate', { cert: certFor(us, k2) });
    const copy = resign(earlier, k2, { body: { text: 'Rewritten with the new key.', lang: 'en', precedence: 'ROUTINE' } as Entry['body'] });
    expect(s.log.ingest(copy)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_UNKNOWN_KEY' } });
    expect(verifyBundle(s.bundle([...s.entries, copy])).errors.map((x) => x.code)).toEqual(['ENTRY_UNKNOWN_KEY']);
  });

  it('a key.revoke, however backdated, leaves the author\'s earlier entries valid and revokes the key for later ones', () => {
    const s = channel();
    const k2 = newKey('CN 2');
    const cn2: TestParty = { ...cn, terminal: k2 };
    const before = s.entries.find((x) => x.entry.author === cn.id && x.entry.kind === 'message')!;
    s.write(cn, 'key.rotate', { cert: certFor(cn, k2) });
    s.write(cn2, 'key.revoke', { revocation: issueRevocation(cn.root, { key: cn.terminal.publicKey, from: T0 - 86_400_000, reason: 'Backdated.' }) });
    expect(verifyBundle(s.bundle()).valid).toBe(true);
    // The key signed validly before the key.revoke: a second entry there is authentic, so equivocation.
    const twin = resign(before, cn.terminal, { body: { text: 'Other words.', lang: 'en', precedence: 'ROUTINE' } as Entry['body'] });
    expect(s.log.ingest(twin)).toMatchObject({ status: 'equivocation' });
    // After it, the key signs nothing.
    const after = composeEntry(s.log, cn.terminal, cn.id, 'message', { text: 'Old key again.', lang: 'en', precedence: 'ROUTINE' }, s.tick());
    expect(s.log.ingest(after)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KEY_REVOKED' } });
    expect(verifyBundle(s.bundle([...s.entries, after])).errors.map((x) => x.code)).toEqual(['ENTRY_KEY_REVOKED']);
  });

  it('a revocation carried only by a card changes no verdict: the exporter cannot flip it by choosing cards', () => {
    const s = channel();
    const rev = issueRevocation(cn.root, { key: cn.terminal.publicKey, from: T0, reason: 'Lost.' });
    const c = cn.card;
    const revoking = issuePartyCard(cn.root, { code: c.code, names: c.names, terminals: [...c.terminals], revocations: [rev], endpoints: [...c.endpoints], issued: c.issued + 1 });
    const header = { channel: s.log.id };
    const without = verifyBundle(writeBundle(header, [us.card, cn.card], s.entries));
    const withIt = verifyBundle(writeBundle(header, [us.card, cn.card, revoking], s.entries));
    expect(without.valid).toBe(true);
    expect(withIt.valid).toBe(true);
    expect(withIt.parties.find((p) => p.code === 'CN')!.revocations).toEqual([{ key: cn.terminal.publicKey, from: T0 }]);
  });
});

describe('the report depends on signed data only (§8.3)', () => {
  it('gives the same report whatever the unsigned exportedAt says', () => {
    const s = new Scenario([us, cn]);
    const p = s.propose(makeCharter([us, cn], { expires: T0 + 60_000 }));
    const at = (exportedAt: number) => verifyBundle(writeBundle({ channel: p.hash, exportedAt }, [us.card, cn.card], [p]));
    expect(at(T0 + 2000).state).toBe('proposed');
    expect(reportJson(at(T0 + 86_400_000))).toBe(reportJson(at(T0 + 2000)));
    expect(at(T0 + 86_400_000).asOf).toBe(p.entry.time);
  });
});

describe('link.echo (§6)', () => {
  it('must carry the test\'s t1 back, not another time', () => {
    const s = channel();
    const test = s.write(cn, 'link.test', { nonce: '0011223344556677', t1: s.time + 7 });
    const wrong = composeEntry(s.log, us.terminal, us.id, 'link.echo', { test: test.hash, t1: test.entry.time, t2: s.time, t3: s.time }, s.tick());
    expect(s.log.ingest(wrong)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_BAD_REFERENCE' } });
    const right = composeEntry(s.log, us.terminal, us.id, 'link.echo', { test: test.hash, t1: test.entry.body.t1, t2: s.time, t3: s.time }, s.tick());
    expect(s.log.ingest(right).status).toBe('accepted');
  });
});
