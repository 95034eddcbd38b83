/**
 * Key files: an Ed25519 seed stored as JSON, either plain ("encryption": "none") or sealed with a
 * passphrase: scrypt (memory-hard KDF) derives a 256-bit key that encrypts the seed with
 * AES-256-GCM. The KDF parameters, salt and nonce are stored beside the ciphertext; the purpose
 * and public key are authenticated as associated data, so a file cannot be passed off as another.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { fromBase64Url, KeySigner, toBase64Url } from '../../protocol/index.js';
import { IdentityError } from './errors.js';

/** What a key is for; part of the associated data. */
export type KeyPurpose = 'root' | 'terminal';

/** Default scrypt cost: N = 2^17 (128 MiB with r = 8). */
export const DEFAULT_KDF_COST = 17;
/** Accepted range of log2(N), on writing and on reading (a tampered file cannot demand more). */
export const KDF_COST_RANGE = Object.freeze({ min: 4, max: 22 });
const KDF_R = 8;
const KDF_P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export const KEY_FILE_TYPE = 'hotline.key';
export const SEALED = 'scrypt-aes-256-gcm';

/** A key file with the seed in clear. */
export interface PlainKeyFile {
  type: typeof KEY_FILE_TYPE;
  v: 1;
  purpose: KeyPurpose;
  publicKey: string;
  encryption: 'none';
  seed: string;
}

/** A key file with the seed sealed under a passphrase. */
export interface SealedKeyFile {
  type: typeof KEY_FILE_TYPE;
  v: 1;
  purpose: KeyPurpose;
  publicKey: string;
  encryption: typeof SEALED;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; dkLen: number; salt: string };
  cipher: { name: 'aes-256-gcm'; nonce: string; tag: string };
  ciphertext: string;
}

export type KeyFile = PlainKeyFile | SealedKeyFile;

function aad(purpose: KeyPurpose, publicKey: string): Buffer {
  return Buffer.from(`hotline/1/key-file\0${purpose}\0${publicKey}`, 'utf8');
}

function deriveKey(passphrase: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 2 * 128 * N * r * p + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function checkCost(cost: number): void {
  if (!Number.isInteger(cost) || cost < KDF_COST_RANGE.min || cost > KDF_COST_RANGE.max) {
    throw new IdentityError('IDENTITY_BAD_INPUT', {
      detail: `the KDF cost must be an integer log2(N) between ${KDF_COST_RANGE.min} and ${KDF_COST_RANGE.max}, got ${cost}`,
    });
  }
}

/**
 * The key file of `signer`: plain without a passphrase, sealed with one.
 * `kdfCost` is log2 of scrypt's N (default 17); lower it only in tests.
 */
export async function makeKeyFile(
  signer: KeySigner,
  purpose: KeyPurpose,
  options: { passphrase?: string | undefined; kdfCost?: number | undefined } = {},
): Promise<KeyFile> {
  const seed = signer.exportSeed();
  if (options.passphrase === undefined) {
    return { type: KEY_FILE_TYPE, v: 1, purpose, publicKey: signer.publicKey, encryption: 'none', seed };
  }
  if (options.passphrase.length === 0)
    throw new IdentityError('IDENTITY_BAD_INPUT', { detail: 'the passphrase is empty' });
  const cost = options.kdfCost ?? DEFAULT_KDF_COST;
  checkCost(cost);
  const N = 2 ** cost;
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(options.passphrase, salt, N, KDF_R, KDF_P);
  const raw = fromBase64Url(seed, 32)!;
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(purpose, signer.publicKey));
  const ciphertext = Buffer.concat([cipher.update(raw), cipher.final()]);
  const tag = cipher.getAuthTag();
  raw.fill(0);
  key.fill(0);
  return {
    type: KEY_FILE_TYPE,
    v: 1,
    purpose,
    publicKey: signer.publicKey,
    encryption: SEALED,
    kdf: { name: 'scrypt', N, r: KDF_R, p: KDF_P, dkLen: KEY_BYTES, salt: toBase64Url(salt) },
    cipher: { name: 'aes-256-gcm', nonce: toBase64Url(nonce), tag: toBase64Url(tag) },
    ciphertext: toBase64Url(ciphertext),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape of a parsed key file; IDENTITY_CORRUPT naming the problem otherwise. */
export function parseKeyFile(value: unknown, file: string, purpose: KeyPurpose): KeyFile {
  const corrupt = (detail: string): never => {
    throw new IdentityError('IDENTITY_CORRUPT', { file, detail });
  };
  if (!isRecord(value) || value.type !== KEY_FILE_TYPE) return corrupt(`it is not a ${KEY_FILE_TYPE} file`);
  if (value.v !== 1) return corrupt(`unsupported key file version ${String(value.v)}`);
  if (value.purpose !== purpose)
    return corrupt(`it holds a ${String(value.purpose)} key, not the ${purpose} key`);
  if (typeof value.publicKey !== 'string' || !fromBase64Url(value.publicKey, 32))
    return corrupt('publicKey is not an Ed25519 public key');
  if (value.encryption === 'none') {
    if (typeof value.seed !== 'string' || !fromBase64Url(value.seed, 32))
      return corrupt('seed is not 32 bytes of base64url');
    return value as unknown as PlainKeyFile;
  }
  if (value.encryption !== SEALED) return corrupt(`unknown encryption "${String(value.encryption)}"`);
  const { kdf, cipher } = value;
  if (!isRecord(kdf) || kdf.name !== 'scrypt') return corrupt('kdf is not scrypt');
  const { N, r, p, dkLen, salt } = kdf;
  if (
    typeof N !== 'number' ||
    !Number.isInteger(Math.log2(N)) ||
    Math.log2(N) < KDF_COST_RANGE.min ||
    Math.log2(N) > KDF_COST_RANGE.max
  )
    return corrupt('kdf.N is not an accepted power of two');
  if (r !== KDF_R || p !== KDF_P || dkLen !== KEY_BYTES)
    return corrupt('kdf parameters r, p or dkLen are not the supported ones');
  if (typeof salt !== 'string' || !fromBase64Url(salt, SALT_BYTES)) return corrupt('kdf.salt is malformed');
  if (!isRecord(cipher) || cipher.name !== 'aes-256-gcm') return corrupt('cipher is not aes-256-gcm');
  if (typeof cipher.nonce !== 'string' || !fromBase64Url(cipher.nonce, NONCE_BYTES))
    return corrupt('cipher.nonce is malformed');
  if (typeof cipher.tag !== 'string' || !fromBase64Url(cipher.tag, TAG_BYTES))
    return corrupt('cipher.tag is malformed');
  if (typeof value.ciphertext !== 'string' || !fromBase64Url(value.ciphertext, 32))
    return corrupt('ciphertext is malformed');
  return value as unknown as SealedKeyFile;
}

/**
 * The signer held by a key file. A sealed file needs its passphrase (IDENTITY_PASSPHRASE_REQUIRED
 * without one, IDENTITY_BAD_PASSPHRASE for a wrong one); the opened key must match the stored
 * public key (IDENTITY_CORRUPT otherwise).
 */
export async function openKeyFile(keyFile: KeyFile, file: string, passphrase?: string): Promise<KeySigner> {
  let signer: KeySigner;
  if (keyFile.encryption === 'none') {
    signer = KeySigner.fromSeed(keyFile.seed);
  } else {
    if (passphrase === undefined) throw new IdentityError('IDENTITY_PASSPHRASE_REQUIRED', { file });
    const { kdf, cipher } = keyFile;
    const key = await deriveKey(passphrase, fromBase64Url(kdf.salt)!, kdf.N, kdf.r, kdf.p);
    const decipher = createDecipheriv('aes-256-gcm', key, fromBase64Url(cipher.nonce)!, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad(keyFile.purpose, keyFile.publicKey));
    decipher.setAuthTag(fromBase64Url(cipher.tag)!);
    let raw: Buffer;
    try {
      raw = Buffer.concat([decipher.update(fromBase64Url(keyFile.ciphertext)!), decipher.final()]);
    } catch (error) {
      throw new IdentityError('IDENTITY_BAD_PASSPHRASE', { file }, { cause: error });
    } finally {
      key.fill(0);
    }
    signer = KeySigner.fromSeed(toBase64Url(raw));
    raw.fill(0);
  }
  if (signer.publicKey !== keyFile.publicKey) {
    throw new IdentityError('IDENTITY_CORRUPT', {
      file,
      detail: 'the key does not match the public key stored beside it',
    });
  }
  return signer;
}
