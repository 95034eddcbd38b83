/**
 * Rotating the terminal key when the root key is kept offline (docs/operations.md "Rotating a
 * terminal key"): the same staged key, order and rotation route as key-rotation.ts, with step 2
 * (certify) done on the root machine by the ordinary `hotline root sign-request`:
 *
 *   terminal:      hotline key rotate --request-out REQUEST   stages keys/terminal-next.json and
 *                  writes a signing request for it, signed by the staged key, naming the party
 *                  and the terminal's unchanged TLS key ({@link requestKeyRotation});
 *   root machine:  hotline root sign-request REQUEST --out SIGNED   certifies the staged key and
 *                  answers with a card that keeps the current certificate beside the new one;
 *   terminal:      hotline key rotate --install SIGNED   checks the answer against the staged key
 *                  and installs the card ({@link installRotationCard}); the CLI then calls the
 *                  running terminal's rotation route (key.rotate in every channel, then switch).
 *
 * A crash between the steps is harmless as in key-rotation.ts: before the switch the card certifies
 * both keys and the terminal starts with its current one; `--install` again resumes.
 */
import { join } from 'node:path';
import { checkPartyCard, type PartyCard, type TerminalCertificate } from '../../protocol/index.js';
import { IdentityError } from './errors.js';
import { jsonText, PUBLIC_FILE_MODE, writeFileAtomic } from './files.js';
import { IDENTITY_LAYOUT } from './identity.js';
import { certificateOf, NEXT_TERMINAL_KEY, readStagedKey, stageNextKey } from './key-rotation.js';
import { loadTerminalIdentity } from './load-identity.js';
import { makeSigningRequest, requestFingerprint, SIGNED_CERTIFICATE_TYPE, type SignedCertificate, type SigningRequest } from './offline-root.js';

/** What {@link requestKeyRotation} did. */
export interface RotationRequest {
  readonly request: SigningRequest;
  readonly fingerprint: string;
  /** The staged key (base64url). */
  readonly key: string;
  /** The key the terminal signs with until the switch. */
  readonly current: string;
  /** True when an interrupted rotation's staged key was taken up again. */
  readonly resumed: boolean;
}

/** Step 1, and the signing request for step 2 on the root machine (the caller writes it out). */
export async function requestKeyRotation(dir: string, now: number): Promise<RotationRequest> {
  const identity = await loadTerminalIdentity(dir);
  const { next, resumed } = await stageNextKey(identity);
  const request = makeSigningRequest({
    code: identity.config.party.code,
    party: identity.party,
    terminal: next,
    tls: identity.tls.spkiFingerprint,
    endpoints: identity.config.federation.endpoints,
    now,
  });
  return { request, fingerprint: requestFingerprint(request), key: next.publicKey, current: identity.terminalSigner.publicKey, resumed };
}

/** The certificate a signed answer carries, if it is shaped as one (checked no further). */
export function answerCertificateKey(signed: unknown): string | undefined {
  const s = signed as Partial<SignedCertificate> | null;
  return typeof s === 'object' && s !== null && s.type === SIGNED_CERTIFICATE_TYPE && typeof s.certificate?.key === 'string' ? s.certificate.key : undefined;
}

/** What {@link installRotationCard} found. */
export type RotationInstall =
  | { readonly state: 'installed' | 'already-installed'; readonly certificate: TerminalCertificate; readonly card: PartyCard }
  /** The terminal already signs with the answer's key: the rotation was complete. */
  | { readonly state: 'complete'; readonly certificate: TerminalCertificate };

function parseAnswer(signed: unknown, file: string): { certificate: TerminalCertificate; card: PartyCard } {
  const bad = (detail: string) => new IdentityError('IDENTITY_BAD_SIGNING_FILE', { file, what: 'signed certificate', detail });
  const s = signed as Partial<SignedCertificate> | null;
  if (typeof s !== 'object' || s === null || s.type !== SIGNED_CERTIFICATE_TYPE || s.v !== 1) throw bad(`it is not a ${SIGNED_CERTIFICATE_TYPE} file`);
  const problem = checkPartyCard(s.card);
  if (problem) throw bad(problem.message);
  const certificate = s.certificate;
  if (!certificate || !s.card!.terminals.some((c) => c.sig === certificate.sig)) throw bad('its certificate is not in its card');
  return { certificate, card: s.card! };
}

/**
 * Before step 3, offline root: checks the root machine's answer against the staged key (same party,
 * the staged key and the unchanged TLS key, valid now, the card still certifying the current key)
 * and installs its card. Refuses with IDENTITY_ROTATE_NOT_STAGED or IDENTITY_ROTATE_CERT_MISMATCH,
 * having changed nothing.
 */
export async function installRotationCard(opts: { dir: string; signed: unknown; file: string; now: number }): Promise<RotationInstall> {
  const { certificate: cert, card } = parseAnswer(opts.signed, opts.file);
  const identity = await loadTerminalIdentity(opts.dir);
  const dir = identity.dir;
  const current = identity.terminalSigner.publicKey;
  const tls = identity.tls.spkiFingerprint;
  const mismatch = (detail: string) => new IdentityError('IDENTITY_ROTATE_CERT_MISMATCH', { file: opts.file, dir, detail });
  if (card.party !== identity.party) throw mismatch("the card is signed by another root key than this terminal's party");
  if (cert.key === current && identity.card.terminals.some((c) => c.sig === cert.sig)) return { state: 'complete', certificate: cert };
  const staged = await readStagedKey(dir);
  if (!staged || staged.publicKey === current) {
    if (cert.key === current) throw mismatch('it renews the certificate of the key in use, it does not rotate it: install it with `hotline cert install`');
    throw new IdentityError('IDENTITY_ROTATE_NOT_STAGED', { dir, file: join(dir, NEXT_TERMINAL_KEY) });
  }
  if (cert.key !== staged.publicKey)
    throw mismatch(`it certifies key ${cert.key.slice(0, 12)}…, the staged key is ${staged.publicKey.slice(0, 12)}… (an answer to an older request, or to another terminal's?)`);
  if (cert.tls !== tls) throw mismatch("it certifies another TLS key than this terminal's");
  if (!(cert.notBefore <= opts.now && opts.now < cert.notAfter))
    throw mismatch(`it is not valid now (valid ${new Date(cert.notBefore).toISOString()} to ${new Date(cert.notAfter).toISOString()})`);
  if (!certificateOf(card, current, tls, opts.now))
    throw mismatch(`its card no longer certifies the key in use ${current.slice(0, 12)}…, which must sign the key.rotate entries (sign with the root directory that issued this terminal's card)`);
  if (card.sig === identity.card.sig) return { state: 'already-installed', certificate: cert, card };
  if (card.issued <= identity.card.issued) throw mismatch('the card is not newer than the installed one');
  await writeFileAtomic(join(dir, IDENTITY_LAYOUT.card), jsonText(card), PUBLIC_FILE_MODE);
  return { state: 'installed', certificate: cert, card };
}
