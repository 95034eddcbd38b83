/**
 * Rotating the terminal's signing key (`hotline key rotate`, docs/operations.md "Rotating a
 * terminal key"; docs/protocol.md §3.2). The steps, each one durable before the next, so that a
 * crash anywhere leaves a terminal that starts and signs with a key its peers accept:
 *
 *   1. stage:   a new Ed25519 key is written to keys/terminal-next.json (0600, atomically);
 *               the terminal still loads and signs with keys/terminal.json.
 *   2. certify: the root key signs a certificate for the new key (same TLS key: the peers' TLS
 *               pins do not change) and the card is reissued listing it beside the current one.
 *   3. publish: the running terminal writes a `key.rotate` entry carrying that certificate into
 *               every channel it writes in, signed with the CURRENT key (officer API).
 *   4. switch:  only then keys/terminal.json is replaced by the new key (atomically) and the
 *               running terminal signs with it; the staged file is removed last.
 *
 * Interrupted before 4, the terminal restarts with its current key, still certified and not
 * revoked; `hotline key rotate` again resumes with the staged key (a channel that already holds
 * the key.rotate gets no second one). Interrupted after the replace, the terminal starts with the
 * new key, which every channel already certifies; a staged file naming the key in use is stale
 * and removed. The TLS key is kept: rotating it is a new terminal (docs/security.md).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPartyCard, KeySigner, type PartyCard, type Signer, type TerminalCertificate } from '../../protocol/index.js';
import { IdentityError } from './errors.js';
import { checkPrivateFile, exists, jsonText, PRIVATE_FILE_MODE, readJsonFile, writeFileAtomic } from './files.js';
import { IDENTITY_LAYOUT, reissueCard, type TerminalIdentity } from './identity.js';
import { makeKeyFile, openKeyFile, parseKeyFile } from './key-file.js';

/** The staged next terminal key of a rotation under way (0600). */
export const NEXT_TERMINAL_KEY = join('keys', 'terminal-next.json');

/** A Signer whose key the running terminal can switch (a rotation), read at every signature. */
export class SwitchableSigner implements Signer {
  #current: Signer;
  constructor(initial: Signer) {
    this.#current = initial;
  }
  get publicKey(): string {
    return this.#current.publicKey;
  }
  sign(message: Uint8Array): Buffer {
    return this.#current.sign(message);
  }
  /** From now on, signs with `next`. */
  switchTo(next: Signer): void {
    this.#current = next;
  }
}

function rotationMismatch(dir: string, detail: string): IdentityError {
  return new IdentityError('IDENTITY_ROTATION_MISMATCH', { dir, detail });
}

/** The staged next key, if any (checked private and well-formed). */
export async function readStagedKey(dir: string): Promise<KeySigner | undefined> {
  const file = join(dir, NEXT_TERMINAL_KEY);
  if (!(await exists(file))) return undefined;
  await checkPrivateFile(file);
  return openKeyFile(parseKeyFile(await readJsonFile(file), file, 'terminal'), file);
}

/**
 * Step 1: the staged key of an interrupted rotation, or a new one written to
 * keys/terminal-next.json (0600, atomically). A staged file naming the key in use is stale (a
 * rotation switched but was cut before removing it) and replaced.
 */
export async function stageNextKey(identity: TerminalIdentity): Promise<{ next: KeySigner; resumed: boolean }> {
  let next = await readStagedKey(identity.dir);
  if (next?.publicKey === identity.terminalSigner.publicKey) {
    await rm(join(identity.dir, NEXT_TERMINAL_KEY), { force: true });
    next = undefined;
  }
  if (next) return { next, resumed: true };
  next = KeySigner.generate();
  await writeFileAtomic(join(identity.dir, NEXT_TERMINAL_KEY), jsonText(await makeKeyFile(next, 'terminal')), PRIVATE_FILE_MODE);
  return { next, resumed: false };
}

/** What {@link stageKeyRotation} did. */
export interface StagedRotation {
  /** The identity with the reissued card (its terminal key is still the current one). */
  readonly identity: TerminalIdentity;
  /** The certificate of the new key, to publish in key.rotate entries. */
  readonly certificate: TerminalCertificate;
  /** True when an interrupted rotation's staged key was taken up again. */
  readonly resumed: boolean;
}

/**
 * Steps 1 and 2: stages a new key (or takes up the one an interrupted rotation staged) and has the
 * root key certify it in a reissued card. Refuses an offline root (IDENTITY_ROTATE_OFFLINE_ROOT):
 * there, key-rotation-offline.ts certifies the staged key through the root machine.
 */
export async function stageKeyRotation(identity: TerminalIdentity, opts: { passphrase?: string | undefined; now: number }): Promise<StagedRotation> {
  if (identity.offlineRoot) throw new IdentityError('IDENTITY_ROTATE_OFFLINE_ROOT', { dir: identity.dir });
  const root = await identity.loadRootSigner(opts.passphrase); // fails before anything is written
  if (root.publicKey !== identity.party) throw rotationMismatch(identity.dir, 'the root key does not match the party card');
  const { next, resumed } = await stageNextKey(identity);
  const held = certificateOf(identity.card, next.publicKey, identity.tls.spkiFingerprint, opts.now);
  if (held) return { identity, certificate: held, resumed };
  const updated = await reissueCard(identity, { passphrase: opts.passphrase, certifyKey: next.publicKey, now: opts.now });
  const certificate = certificateOf(updated.card, next.publicKey, identity.tls.spkiFingerprint, opts.now);
  if (!certificate) throw rotationMismatch(identity.dir, 'the reissued card holds no certificate for the new key');
  return { identity: updated, certificate, resumed };
}

/** The latest-expiring certificate in `card` for `key` with TLS key `tls`, valid at `now`. */
export function certificateOf(card: PartyCard, key: string, tls: string, now: number): TerminalCertificate | undefined {
  return card.terminals.filter((c) => c.key === key && c.tls === tls && c.notBefore <= now && c.notAfter > now).sort((a, b) => b.notAfter - a.notAfter)[0];
}

/**
 * Before step 3, in the running terminal: the staged key and the card on disk must both fit
 * `cert` (the CLI wrote them in steps 1 and 2). Returns the staged key and the card.
 */
export async function checkStagedRotation(dir: string, cert: TerminalCertificate, tls: string): Promise<{ next: KeySigner; card: PartyCard }> {
  const next = await readStagedKey(dir);
  if (!next) throw rotationMismatch(dir, `no key is staged in ${join(dir, NEXT_TERMINAL_KEY)}`);
  if (next.publicKey !== cert.key) throw rotationMismatch(dir, `the certificate is for key ${cert.key.slice(0, 12)}, the staged key is ${next.publicKey.slice(0, 12)}`);
  if (cert.tls !== tls) throw rotationMismatch(dir, "the certificate names another TLS key than this terminal's");
  const { card, cardPath } = await readCardFile(dir);
  if (!card.terminals.some((c) => c.sig === cert.sig)) throw rotationMismatch(dir, `${cardPath} does not list the certificate of the new key`);
  return { next, card };
}

/** Step 4: the staged key becomes the terminal key on disk (atomically), then the staged file goes. */
export async function commitStagedKey(dir: string, next: KeySigner): Promise<void> {
  await writeFileAtomic(join(dir, IDENTITY_LAYOUT.terminalKey), jsonText(await makeKeyFile(next, 'terminal')), PRIVATE_FILE_MODE);
  await rm(join(dir, NEXT_TERMINAL_KEY), { force: true });
}

/**
 * The party card on disk, re-signed since the terminal started (`hotline key revoke`, `hotline card
 * reissue`), for the running terminal to serve and judge with: valid, of this party's root key,
 * and still certifying the key this terminal signs with (a card that no longer did would make
 * peers refuse its next entries).
 */
export async function readOwnCard(dir: string, party: string, signingKey: string): Promise<PartyCard> {
  const { card, cardPath } = await readCardFile(dir);
  if (card.party !== party) throw new IdentityError('IDENTITY_CORRUPT', { file: cardPath, detail: "it is signed by another root key than this party's" });
  if (!card.terminals.some((c) => c.key === signingKey))
    throw new IdentityError('IDENTITY_CORRUPT', { file: cardPath, detail: `it lists no certificate of the key this terminal signs with (${signingKey.slice(0, 12)}…)` });
  return card;
}

/** `card.json` of `dir`, a valid party card (else IDENTITY_CORRUPT naming the file). */
async function readCardFile(dir: string): Promise<{ card: PartyCard; cardPath: string }> {
  const cardPath = join(dir, IDENTITY_LAYOUT.card);
  const value = await readJsonFile(cardPath);
  const problem = checkPartyCard(value);
  if (problem) throw new IdentityError('IDENTITY_CORRUPT', { file: cardPath, detail: problem.message });
  return { card: value as PartyCard, cardPath };
}
