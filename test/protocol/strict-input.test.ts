/**
 * Inputs two verifiers could read differently, refused by the reference implementation
 * (docs/protocol.md §2.1, §3.1): Ed25519 keys and signatures with a second spelling or no
 * meaning, JSON with duplicate members, text with lone surrogates.
 */
import { generateKeyPairSync, sign, verify, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DOMAIN,
  HotlineProtocolError,
  checkCharter,
  checkPartyCard,
  checkTerminalCertificate,
  duplicateMember,
  hasLoneSurrogate,
  issuePartyCard,
  issueTerminalCertificate,
  parseEntry,
  precheckLines,
  publicKeyProblem,
  sealEntry,
  signDomain,
  toBase64Url,
  verifyDomain,
  weakPublicKey,
  type Signer,
} from '../../src/protocol/index.js';
import { T0, bilateralScenario, makeCharter, makeParty } from '../../src/testkit/scenario.js';

const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const D = (((P - 121665n) * modInverse(121666n)) % P + P) % P;

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b %= P;
  for (; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
}
function modInverse(a: bigint): bigint {
  return modPow(a, P - 2n);
}
const le = (bytes: Uint8Array) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const toLe = (n: bigint) => Buffer.from(Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn)));
const hex = (h: string) => Buffer.from(h, 'hex');
const SPKI = hex('302a300506032b6570032100');
const raw = (bytes: Uint8Array) => toBase64Url(bytes);

describe('Ed25519 public keys (§3.1)', () => {
  const identity = hex(`01${'00'.repeat(31)}`);
  const zeroSig = Buffer.concat([identity, Buffer.alloc(32)]);

  it('OpenSSL alone accepts one signature for every message under the identity point: why keys are checked', () => {
    const key = createPublicKey({ key: Buffer.concat([SPKI, identity]), format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from('anything'), key, zeroSig)).toBe(true);
    expect(verify(null, Buffer.from('anything else'), key, zeroSig)).toBe(true);
  });

  it('refuses every small-order point, with or without its sign bit, and no signature verifies under one', () => {
    const smallOrder = [
      `01${'00'.repeat(31)}`,
      `ec${'ff'.repeat(30)}7f`,
      '00'.repeat(32),
      `${'00'.repeat(31)}80`,
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    ];
    for (const h of smallOrder) {
      expect(weakPublicKey(hex(h)), h).toBeDefined();
      expect(verifyDomain(raw(hex(h)), DOMAIN.audit, Buffer.from('x'), raw(zeroSig)), h).toBe(false);
    }
  });

  it('lists as order 8 exactly the y with d·y⁴ + 2y² − 1 = 0 (mod p): doubling gives y = 0, a point of order 4', () => {
    // For a = −1, y(2P) = (x² + y²)/(1 − d·x²y²) with x² = (y² − 1)/(d·y² + 1); y(2P) = 0 iff d·y⁴ + 2y² − 1 = 0.
    for (const h of ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a']) {
      const y = le(hex(h));
      expect((((D * y ** 4n + 2n * y * y - 1n) % P) + P) % P).toBe(0n);
    }
    // And the order-2 and order-4 points: y = −1 doubles to the identity, y = 0 to y = −1.
    expect(le(hex(`ec${'ff'.repeat(30)}7f`))).toBe(P - 1n);
  });

  it('refuses non-canonical encodings: y ≥ p, and x = 0 with the sign bit set', () => {
    for (const y of [P, P + 1n, P + 18n]) expect(weakPublicKey(toLe(y))).toMatch(/non-canonical/);
    const negativeIdentity = hex(`01${'00'.repeat(30)}80`);
    expect(weakPublicKey(negativeIdentity)).toMatch(/non-canonical/);
    expect(weakPublicKey(hex(`ec${'ff'.repeat(30)}ff`))).toMatch(/non-canonical/);
  });

  it('accepts ordinary keys, including RFC 8032 test 1', () => {
    expect(weakPublicKey(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))).toBeUndefined();
    const us = makeParty('US', { en: 'United States' });
    expect(publicKeyProblem(us.id)).toBeUndefined();
    expect(publicKeyProblem(us.terminal.publicKey)).toBeUndefined();
  });

  it('refuses a certificate naming a small-order terminal key, and a card whose root key is one', () => {
    const us = makeParty('US', { en: 'United States' });
    const cert = issueTerminalCertificate(us.root, { key: raw(identity), tls: 'a'.repeat(64), notBefore: T0, notAfter: T0 + 1 });
    expect(checkTerminalCertificate(cert)).toMatchObject({ code: 'CERT_INVALID' });
    expect(checkTerminalCertificate(cert)?.message).toMatch(/small order/);
    const anyone: Signer = { publicKey: raw(identity), sign: () => Buffer.from(zeroSig) };
    const card = issuePartyCard(anyone, { code: 'ZZ', names: { en: 'Anyone' }, terminals: [issueTerminalCertificate(anyone, { key: raw(identity), tls: 'a'.repeat(64), notBefore: T0, notAfter: T0 + 1 })], endpoints: [], issued: T0 });
    expect(checkPartyCard(card)).toMatchObject({ code: 'CARD_INVALID' });
  });

  it('refuses a charter naming a party whose id is a small-order or non-canonical key: it could never accept', () => {
    const [us, cn] = [makeParty('US', { en: 'United States' }), makeParty('CN', { en: 'China' })];
    const charter = makeCharter([us, cn]);
    expect(checkCharter(charter, us.id)).toBeUndefined();
    for (const bad of [raw(identity), raw(hex(`01${'00'.repeat(30)}80`))]) {
      const parties = charter.parties.map((p) => (p.code === 'CN' ? { ...p, party: bad } : p));
      const problem = checkCharter({ ...charter, parties }, us.id);
      expect(problem).toMatchObject({ code: 'CHARTER_INVALID' });
      expect(problem?.message).toMatch(/CN is not an acceptable Ed25519 public key/);
    }
  });
});

describe('Ed25519 signatures (§3.1)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = toBase64Url(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  const signer: Signer = { publicKey: key, sign: (m) => sign(null, m, privateKey) };
  const message = Buffer.from('hotline');
  const good = Buffer.from(signDomain(signer, DOMAIN.audit, message), 'base64url');
  const withS = (s: bigint) => raw(Buffer.concat([good.subarray(0, 32), toLe(s)]));

  it('refuses S + L, the malleated twin of a valid signature', () => {
    const s = le(good.subarray(32));
    expect(verifyDomain(key, DOMAIN.audit, message, raw(good))).toBe(true);
    expect(verifyDomain(key, DOMAIN.audit, message, withS(s + L))).toBe(false);
  });

  it('refuses any S ≥ L even where OpenSSL is not asked (S = L, S = 2^256 − 1)', () => {
    expect(verifyDomain(key, DOMAIN.audit, message, withS(L))).toBe(false);
    expect(verifyDomain(key, DOMAIN.audit, message, withS((1n << 256n) - 1n))).toBe(false);
  });
});

describe('JSON members and text (§2.1)', () => {
  it('finds a member named twice at any depth, also when spelt with escapes', () => {
    expect(duplicateMember('{"a":1,"b":2}')).toBeUndefined();
    expect(duplicateMember('{"a":1,"a":2}')).toBe('a');
    expect(duplicateMember('{"x":{"a":[{"b":1},{"b":2}]},"y":{"b":{"c":1,"c":2}}}')).toBe('c');
    expect(duplicateMember('{"a":1,"\\u0061":2}')).toBe('a');
    expect(duplicateMember('{"a":"{\\"a\\":1}","b":["a","a"]}')).toBeUndefined();
    expect(duplicateMember('[{"a":1},{"a":1}]')).toBeUndefined();
    expect(duplicateMember('{"a":{},"b":{},"a":[]}')).toBe('a');
  });

  it('finds lone surrogates in values and member names, not in well-formed pairs', () => {
    expect(hasLoneSurrogate({ text: 'ok 😀' })).toBe(false);
    expect(hasLoneSurrogate({ text: 'broken \ud800' })).toBe(true);
    expect(hasLoneSurrogate({ deep: [{ ['\udc00']: 1 }] })).toBe(true);
  });

  const s = bilateralScenario(1);
  const [us] = s.parties;
  const last = s.entries[s.entries.length - 1]!;

  it('refuses an entry text that names a member twice, before any other check', () => {
    const twice = last.raw.replace('"kind":', '"kind":"message","kind":');
    const r = parseEntry(twice);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'JSON_DUPLICATE_MEMBER', details: { name: 'kind' } });
    // A duplicate "v" with another value would otherwise be an unsupported version.
    const v = parseEntry(last.raw.replace('{"author":', '{"v":2,"author":'));
    expect(!v.ok && v.error.code).toBe('JSON_DUPLICATE_MEMBER');
  });

  it('refuses an entry whose text holds a lone surrogate, escaped or raw', () => {
    for (const text of ['{"author":"\\ud800"}', '{"author":"\ud800"}', last.raw.replace('"kind":', '"x\\udfff":1,"kind":')]) {
      const r = parseEntry(text);
      expect(!r.ok && r.error.code, text).toBe('JSON_LONE_SURROGATE');
    }
  });

  it('will not sign a text with a lone surrogate: the signed bytes would not be the text', () => {
    const next = s.log.next(us!.id);
    const seal = () => sealEntry({ channel: s.log.id, author: us!.id, key: us!.terminal.publicKey, seq: next.seq, prev: next.prev, heads: next.heads, time: s.tick(), kind: 'message', body: { text: 'broken \ud83d', lang: 'en', precedence: 'ROUTINE' } }, us!.terminal);
    expect(seal).toThrow(HotlineProtocolError);
    expect(seal).toThrow(/lone UTF-16 surrogate/);
  });
});

describe('a number beyond the doubles (docs/protocol.md §2.4)', () => {
  // A formatted message's fields have no schema bound: 1e400 parses to Infinity, which has no
  // canonical form. The check must say so, not throw (a peer could send it to any terminal).
  const text = readFileSync(new URL('../vectors/bundles/formats-valid.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('{"author"') && l.includes('"radius":20'))!;

  it('is ENTRY_MALFORMED in an entry, and a bundle holding it is refused, not a crash', () => {
    const overflowing = text.replace('"radius":20', '"radius":1e400');
    expect(overflowing).not.toBe(text);
    const r = parseEntry(overflowing);
    expect(r.ok ? 'accepted' : r.error.code).toBe('ENTRY_MALFORMED');
    expect(r.ok ? '' : r.error.message).toMatch(/no IEEE 754 double/);
    expect(precheckLines([overflowing])[0]?.error?.code).toBe('ENTRY_MALFORMED');
    // 1e300 is a double: only its spelling is wrong here (canonical JSON writes 1e+300).
    const large = parseEntry(text.replace('"radius":20', '"radius":1e300'));
    expect(large.ok ? 'accepted' : large.error.code).toBe('ENTRY_NON_CANONICAL');
  });
});
