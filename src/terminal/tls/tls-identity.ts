/**
 * TLS identities for federation links between terminals.
 *
 * Terminals do not use a certificate authority: each terminal holds a self-signed X.509
 * certificate, and its peers pin the SHA-256 fingerprint of the certificate's public key
 * (DER SubjectPublicKeyInfo, lowercase hex) as published in the terminal's signed party card.
 * Only the key matters; subject, issuer and validity dates are never relied upon.
 */
import { X509Certificate, createHash, createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';

/** A terminal's TLS key pair and self-signed certificate, with the pin its peers use. */
export interface TlsIdentity {
  /** The private key, PKCS#8 PEM. Keep it secret; never put it in a party card. */
  keyPem: string;
  /** The self-signed certificate, PEM. Presented as both server and client certificate. */
  certPem: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo of the certificate's key, lowercase hex (64 chars). */
  spkiFingerprint: string;
}

/** Options for {@link generateTlsIdentity}. */
export interface TlsIdentityOptions {
  /** How long the certificate claims to be valid (default 3650 days). Peers pin the key, not dates. */
  validityDays?: number;
  /** The issue time (default: now). The certificate is back-dated one hour against clock skew. */
  now?: Date;
}

/** A SPKI fingerprint: 64 lowercase hex characters. */
export const SPKI_FINGERPRINT_PATTERN = /^[0-9a-f]{64}$/;

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Generate a fresh ECDSA P-256 key pair and a self-signed X.509 certificate for it, usable by
 * Node's `tls` as both server and client certificate (TLS 1.3).
 */
export async function generateTlsIdentity(commonName: string, options: TlsIdentityOptions = {}): Promise<TlsIdentity> {
  if (commonName.trim() === '') throw new Error('generateTlsIdentity: the common name must not be empty');
  const validityDays = options.validityDays ?? 3650;
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new Error(`generateTlsIdentity: validityDays must be a positive number, got ${validityDays}`);
  }
  const now = options.now ?? new Date();
  const crypto = webcrypto;
  const keys = await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive INTEGER
  // Loaded here, not at start-up: only making a certificate needs it (a few hundred ms to load).
  const x509 = await import('@peculiar/x509');
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: [{ CN: [commonName] }],
      notBefore: new Date(now.getTime() - HOUR_MS),
      notAfter: new Date(now.getTime() + validityDays * DAY_MS),
      signingAlgorithm: ECDSA_P256,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  const certPem = cert.toString('pem') + '\n';
  return { keyPem, certPem, spkiFingerprint: spkiFingerprintOfCert(certPem) };
}

/** SHA-256 fingerprint (lowercase hex) of the SubjectPublicKeyInfo of a certificate given as PEM or DER. */
export function spkiFingerprintOfCert(cert: string | Buffer | Uint8Array): string {
  const parsed = new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert));
  return fingerprintOfPublicKey(parsed.publicKey);
}

/** SHA-256 fingerprint (lowercase hex) of the SubjectPublicKeyInfo of a key given as PEM (private or public). */
export function spkiFingerprintOfKey(keyPem: string): string {
  return fingerprintOfPublicKey(createPublicKey(keyPem));
}

/**
 * Check that `fingerprint` is a SPKI fingerprint and return it in canonical form (lowercase).
 * Throws an error naming the problem otherwise.
 */
export function normalizeSpkiFingerprint(fingerprint: string): string {
  const lower = fingerprint.trim().toLowerCase();
  if (!SPKI_FINGERPRINT_PATTERN.test(lower)) {
    throw new Error(
      `not a TLS key fingerprint: expected 64 hex characters (SHA-256 of the SubjectPublicKeyInfo), got ${JSON.stringify(fingerprint.slice(0, 80))}`,
    );
  }
  return lower;
}

function fingerprintOfPublicKey(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}
