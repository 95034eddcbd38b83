/**
 * `node:crypto` for the browser verifier (vite alias in src/web/vite.config.ts): the few primitives
 * src/protocol uses to VERIFY, from maintained audited libraries — SHA-256 from @noble/hashes,
 * Ed25519 verification from @noble/curves (strict RFC 8032, zip215 off, as OpenSSL). Nothing here
 * signs or makes keys: a browser that verifies a bundle holds no private key, and those calls throw.
 * test/web/verify-browser.test.ts checks that the verdicts equal Node's on every test vector.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BrowserBuffer } from './browser-buffer.js';

const SPKI_ED25519_PREFIX_LENGTH = 12;
const utf8 = new TextEncoder();

/** The public key as the protocol passes it around (an opaque KeyObject in Node). */
export interface BrowserKeyObject {
  readonly asymmetricKeyType: 'ed25519';
  readonly raw: Uint8Array;
}

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`hash ${algorithm} is not available in the browser verifier`);
  const h = sha256.create();
  const hash = {
    update(data: string | Uint8Array) {
      h.update(typeof data === 'string' ? utf8.encode(data) : data);
      return hash;
    },
    digest(encoding?: 'hex') {
      const bytes = BrowserBuffer.from(h.digest());
      return encoding === 'hex' ? bytes.toString('hex') : bytes;
    },
  };
  return hash;
}

/** One-shot digest (crypto.hash): SHA-256 of a text or bytes, hex or bytes. */
export function hash(algorithm: string, data: string | Uint8Array, encoding: 'hex' | 'buffer' = 'hex') {
  const digest = createHash(algorithm).update(data).digest();
  return encoding === 'hex' ? digest.toString('hex') : digest;
}

/** Only the DER SPKI form of an Ed25519 key is used by the protocol: its last 32 bytes are the key. */
export function createPublicKey(input: { key: Uint8Array; format: 'der'; type: 'spki' }): BrowserKeyObject {
  if (input.format !== 'der' || input.type !== 'spki' || input.key.length !== SPKI_ED25519_PREFIX_LENGTH + 32)
    throw new TypeError('only a DER SPKI Ed25519 public key is supported');
  return { asymmetricKeyType: 'ed25519', raw: input.key.slice(SPKI_ED25519_PREFIX_LENGTH) };
}

export function verify(
  algorithm: null,
  message: Uint8Array,
  key: BrowserKeyObject,
  signature: Uint8Array,
): boolean {
  if (algorithm !== null || key.asymmetricKeyType !== 'ed25519') return false;
  try {
    return ed25519.verify(signature, message, key.raw, { zip215: false });
  } catch {
    return false;
  }
}

const noSecrets = (): never => {
  throw new Error('the browser verifier holds no private key: signing is done by a terminal');
};
export const createPrivateKey = noSecrets;
export const generateKeyPairSync = noSecrets;
export const sign = noSecrets;
export type KeyObject = BrowserKeyObject;
