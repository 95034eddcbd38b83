/**
 * Ed25519 keys, signatures and human fingerprints (docs/protocol.md §3).
 * Node's crypto does the mathematics; this module fixes encodings and domain separation.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { fromBase64Url, sha256, toBase64Url } from './encoding.js';

/** Domain-separation prefixes: a signature made for one purpose never verifies for another. */
export const DOMAIN = Object.freeze({
  entry: 'hotline/1/entry\0',
  partyCard: 'hotline/1/party-card\0',
  terminalCert: 'hotline/1/terminal-cert\0',
  keyRevocation: 'hotline/1/key-revocation\0',
  charter: 'hotline/1/charter\0',
  audit: 'hotline/1/audit\0',
  /** Version 2 (docs/protocol.md §14). */
  entry2: 'hotline/2/entry\0',
  entryHash2: 'hotline/2/entry-hash\0',
  body2: 'hotline/2/body\0',
  proof: 'hotline/2/proof\0',
  linkFrame: 'hotline/2/link-frame\0',
  checkpoint: 'hotline/2/checkpoint\0',
});
export type Domain = (typeof DOMAIN)[keyof typeof DOMAIN];

/** The narrow interface the protocol needs from a private key: terminals may keep keys elsewhere. */
export interface Signer {
  /** base64url of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** Ed25519 signature (64 bytes) over `message`. */
  sign(message: Uint8Array): Buffer;
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const publicKeyCache = new Map<string, KeyObject | null>();

/**
 * The encodings of the eight points of small order (order 1, 2, 4 and 8) with the sign bit
 * cleared; y < p is checked apart, so only canonical encodings are listed (as in libsodium's
 * `has_small_order`). The sign bit is ignored when comparing.
 *   0100…00  the identity (0, 1)                  order 1
 *   ecff…7f  (0, −1), y = p − 1                    order 2
 *   0000…00  (±√−1, 0)                             order 4
 *   26e8…05, c717…7a  the two y of the four points of order 8 (checked in test/protocol/keys.test.ts)
 */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map((hex) => Buffer.from(hex, 'hex'));

/**
 * Why 32 bytes are not an acceptable Ed25519 public key, or undefined when they are
 * (docs/protocol.md §3.1). OpenSSL verifies under any point it can decode, but:
 * - a non-canonical encoding (y ≥ p, or x = 0 with the sign bit set: RFC 8032 §5.1.3 step 4)
 *   gives a second spelling of one key, hence a second party id;
 * - under a key of small order, signatures verify for messages nobody signed (under the
 *   identity, R = identity and S = 0 verifies for every message), so it vouches for nothing.
 * These are checks of the input's bytes against fixed values, not arithmetic on the curve.
 */
export function weakPublicKey(raw: Uint8Array): string | undefined {
  if (raw.length !== 32) return 'not 32 bytes';
  // y is the little-endian number in bits 0..254; p = 2^255 − 19 is ed ff … ff 7f.
  let geP = (raw[31]! & 0x7f) === 0x7f && raw[0]! >= 0xed;
  for (let i = 1; geP && i < 31; i++) if (raw[i] !== 0xff) geP = false;
  if (geP) return 'non-canonical encoding (y >= p)';
  const sign = (raw[31]! & 0x80) !== 0;
  const cleared = Buffer.from(raw);
  cleared[31] = cleared[31]! & 0x7f;
  // y = 1 or y = p − 1 give x = 0, whose sign bit must be 0.
  if (sign && (cleared.equals(SMALL_ORDER[0]!) || cleared.equals(SMALL_ORDER[1]!))) return 'non-canonical encoding (x = 0 with the sign bit set)';
  if (SMALL_ORDER.some((p) => p.equals(cleared))) return 'a point of small order';
  return undefined;
}

/** Why a base64url public key is not acceptable (malformed, non-canonical, small order), or undefined. */
export function publicKeyProblem(publicKey: string): string | undefined {
  const raw = fromBase64Url(publicKey, 32);
  return raw ? weakPublicKey(raw) : 'not 32 bytes of base64url';
}

/** Node KeyObject of a base64url raw Ed25519 public key, cached; undefined if malformed or weak. */
export function publicKeyObject(publicKey: string): KeyObject | undefined {
  let key = publicKeyCache.get(publicKey);
  if (key === undefined) {
    const raw = fromBase64Url(publicKey, 32);
    key = raw && !weakPublicKey(raw) ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' }) : null;
    if (publicKeyCache.size > 10_000) publicKeyCache.clear();
    publicKeyCache.set(publicKey, key);
  }
  return key ?? undefined;
}

/** A Signer over an in-memory Ed25519 private key. */
export class KeySigner implements Signer {
  readonly publicKey: string;
  readonly #key: KeyObject;
  constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 private key');
    this.#key = privateKey;
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = toBase64Url(spki.subarray(SPKI_ED25519_PREFIX.length));
  }
  sign(message: Uint8Array): Buffer {
    return sign(null, message, this.#key);
  }
  /** The 32-byte seed, base64url, for storage (encrypt it at rest). */
  exportSeed(): string {
    const der = this.#key.export({ format: 'der', type: 'pkcs8' });
    return toBase64Url(der.subarray(PKCS8_ED25519_PREFIX.length));
  }
  /** PKCS#8 PEM of the private key. */
  exportPem(): string {
    return this.#key.export({ format: 'pem', type: 'pkcs8' }).toString();
  }
  /** A fresh random key. */
  static generate(): KeySigner {
    return new KeySigner(generateKeyPairSync('ed25519').privateKey);
  }
  /** From a base64url 32-byte seed (RFC 8032 private key). */
  static fromSeed(seed: string): KeySigner {
    const raw = fromBase64Url(seed, 32);
    if (!raw) throw new TypeError('an Ed25519 seed is 32 bytes of base64url');
    return new KeySigner(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, raw]), format: 'der', type: 'pkcs8' }));
  }
  /** From a PKCS#8 PEM. */
  static fromPem(pem: string): KeySigner {
    return new KeySigner(createPrivateKey(pem));
  }
}

const domainBytes = new Map<string, Buffer>(Object.values(DOMAIN).map((d) => [d, Buffer.from(d, 'utf8')]));

/** Signs `payload` under `domain`: Ed25519(key, domain || payload), base64url. */
export function signDomain(signer: Signer, domain: Domain, payload: Uint8Array): string {
  return toBase64Url(signer.sign(Buffer.concat([domainBytes.get(domain)!, payload])));
}

/** Verifies a domain-separated signature; false (never throws) on any malformed input. */
export function verifyDomain(publicKey: string, domain: Domain, payload: Uint8Array, signature: string): boolean {
  const key = publicKeyObject(publicKey);
  const sig = signatureBytes(signature);
  if (!key || !sig) return false;
  const prefix = domainBytes.get(domain)!;
  const message = Buffer.allocUnsafe(prefix.length + payload.length);
  prefix.copy(message, 0);
  message.set(payload, prefix.length);
  try {
    return verify(null, message, key, sig);
  } catch {
    return false;
  }
}

const B64URL_86 = /^[A-Za-z0-9_-]{85}[AQgw]$/;

/** L, the order of the base point, little-endian (RFC 8032 §5.1). */
const GROUP_ORDER = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');

/** True when the 32 little-endian bytes of S are a number below L (RFC 8032 §5.1.7: S < L). */
function scalarBelowOrder(sig: Buffer): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = sig[32 + i]!;
    const l = GROUP_ORDER[i]!;
    if (s !== l) return s < l;
  }
  return false;
}

/**
 * The 64 bytes of a signature written as base64url. Exactly 86 characters whose last one carries
 * no stray bits (its low four bits are zero: A, Q, g or w), so each signature has ONE text form
 * (docs/protocol.md §2); and S < L, so a signature has no second, malleated value S + L
 * (§3.1; OpenSSL refuses it too, this does not rely on it). Either would be another line with
 * the same entry hash.
 */
function signatureBytes(signature: string): Buffer | undefined {
  if (!B64URL_86.test(signature)) return undefined;
  const sig = Buffer.from(signature, 'base64url');
  return scalarBelowOrder(sig) ? sig : undefined;
}

/**
 * Human fingerprint of a root key for out-of-band comparison (docs/protocol.md §3.3):
 * SHA-256 of the raw key, the first 30 bytes read as six 40-bit big-endian numbers, each
 * taken modulo 100000 and written as five digits: "12345 67890 ..." (about 100 bits).
 */
export function fingerprint(publicKey: string): string {
  const raw = fromBase64Url(publicKey, 32);
  if (!raw) throw new TypeError('not an Ed25519 public key');
  const digest = sha256(raw);
  const groups: string[] = [];
  for (let i = 0; i < 6; i++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + digest[i * 5 + j]!;
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** Normalises a typed fingerprint (spaces, dashes) for comparison. */
export function normaliseFingerprint(text: string): string {
  return text.replace(/[^0-9]/g, '');
}
