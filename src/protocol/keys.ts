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

/** Node KeyObject of a base64url raw Ed25519 public key, cached; undefined if malformed. */
export function publicKeyObject(publicKey: string): KeyObject | undefined {
  let key = publicKeyCache.get(publicKey);
  if (key === undefined) {
    const raw = fromBase64Url(publicKey, 32);
    key = raw ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' }) : null;
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

/**
 * The 64 bytes of a signature written as base64url. Exactly 86 characters whose last one carries
 * no stray bits (its low four bits are zero: A, Q, g or w), so each signature has ONE text form
 * (docs/protocol.md §2): a second spelling of the same signature would be another line with the
 * same entry hash.
 */
function signatureBytes(signature: string): Buffer | undefined {
  return B64URL_86.test(signature) ? Buffer.from(signature, 'base64url') : undefined;
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
