/**
 * Loading a terminal's identity from its data directory (the layout is in identity.ts): every file
 * checked for presence, privacy, form, and that they belong together, before anything is used.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkPartyCard, type PartyCard, type TerminalCertificate } from '../../protocol/index.js';
import { spkiFingerprintOfCert, spkiFingerprintOfKey } from '../tls/tls-identity.js';
import { configProblem, type TerminalConfig } from './config.js';
import { IdentityError } from './errors.js';
import { checkPrivateFile, exists, readJsonFile } from './files.js';
import { assemble, IDENTITY_LAYOUT, mismatch, readRootKeyFile, rootLoader, type TerminalIdentity } from './identity.js';
import { openKeyFile, parseKeyFile } from './key-file.js';

/**
 * Loads the identity in `dir`. Checks that key files are private (IDENTITY_KEY_PERMISSIONS), that
 * the files belong together (IDENTITY_MISMATCH) and, when a passphrase is given, that it opens
 * the root key (IDENTITY_BAD_PASSPHRASE). Without a passphrase the root key is not opened.
 */
export async function loadTerminalIdentity(dirArg: string, opts: { passphrase?: string | undefined } = {}): Promise<TerminalIdentity> {
  const dir = resolve(dirArg);
  const config = await readConfig(dir);
  const path = (name: string) => join(dir, name);
  const rootPath = path(IDENTITY_LAYOUT.rootKey);
  const terminalPath = path(IDENTITY_LAYOUT.terminalKey);
  const tlsKeyPath = path(IDENTITY_LAYOUT.tlsKey);
  const tlsCertPath = path(IDENTITY_LAYOUT.tlsCert);
  const cardPath = path(IDENTITY_LAYOUT.card);
  // Offline-root mode: the root key is on another machine; the party is the one in config.json.
  const offline = config.offlineRoot === true;
  const held = offline ? [terminalPath, tlsKeyPath] : [rootPath, terminalPath, tlsKeyPath];
  for (const file of [...held, tlsCertPath, cardPath]) if (!(await exists(file))) throw new IdentityError('IDENTITY_CORRUPT', { file, detail: 'the file is missing' });
  for (const file of held) await checkPrivateFile(file);

  const rootFile = offline ? undefined : await readRootKeyFile(rootPath);
  const terminalSigner = await openKeyFile(parseKeyFile(await readJsonFile(terminalPath), terminalPath, 'terminal'), terminalPath);
  const tls = await readTls(dir, tlsKeyPath, tlsCertPath);

  const cardValue = await readJsonFile(cardPath);
  const cardProblem = checkPartyCard(cardValue);
  if (cardProblem) throw new IdentityError('IDENTITY_CORRUPT', { file: cardPath, detail: cardProblem.message });
  const card = cardValue as PartyCard;
  if (rootFile && card.party !== rootFile.publicKey) throw mismatch(dir, `${cardPath} is signed by another root key than ${rootPath}`);
  if (config.party.key !== card.party) throw mismatch(dir, `${path(IDENTITY_LAYOUT.config)} names another party than ${cardPath}`);
  const certificate = certificateFor(card, terminalSigner.publicKey, tls.spkiFingerprint);
  if (!certificate) throw mismatch(dir, `${cardPath} holds no certificate for this terminal's signing key and TLS key; reissue the card`);

  if (rootFile && opts.passphrase !== undefined && rootFile.encryption !== 'none') await openKeyFile(rootFile, rootPath, opts.passphrase);

  return assemble({
    dir,
    config,
    card,
    certificate,
    rootKeyEncrypted: rootFile !== undefined && rootFile.encryption !== 'none',
    terminalSigner,
    tls,
    loadRootSigner: rootFile ? rootLoader(dir, card.party, opts.passphrase) : () => Promise.reject(new IdentityError('IDENTITY_ROOT_OFFLINE', { dir })),
  });
}

/** config.json, or the error that says what the directory holds instead. */
async function readConfig(dir: string): Promise<TerminalConfig> {
  const configPath = join(dir, IDENTITY_LAYOUT.config);
  if (!(await exists(configPath))) {
    if (await exists(join(dir, IDENTITY_LAYOUT.offlinePending))) throw new IdentityError('IDENTITY_AWAITING_CERTIFICATE', { dir, request: join(dir, IDENTITY_LAYOUT.signingRequest) });
    if (await exists(join(dir, IDENTITY_LAYOUT.keys))) throw new IdentityError('IDENTITY_INCOMPLETE', { dir, file: configPath });
    throw new IdentityError('IDENTITY_NOT_FOUND', { dir, file: (await exists(dir)) ? configPath : dir });
  }
  const value = await readJsonFile(configPath);
  const problem = configProblem(value);
  if (problem) throw new IdentityError('IDENTITY_CORRUPT', { file: configPath, detail: problem });
  return value as TerminalConfig;
}

/** The TLS key and certificate, which must be one pair. */
async function readTls(dir: string, keyPath: string, certPath: string): Promise<{ keyPem: string; certPem: string; spkiFingerprint: string }> {
  const keyPem = await readText(keyPath);
  const certPem = await readText(certPath);
  let spkiFingerprint: string;
  try {
    spkiFingerprint = spkiFingerprintOfCert(certPem);
  } catch (error) {
    throw new IdentityError('IDENTITY_CORRUPT', { file: certPath, detail: 'it is not a PEM certificate' }, { cause: error });
  }
  let keyFingerprint: string;
  try {
    keyFingerprint = spkiFingerprintOfKey(keyPem);
  } catch (error) {
    throw new IdentityError('IDENTITY_CORRUPT', { file: keyPath, detail: 'it is not a PEM private key' }, { cause: error });
  }
  if (keyFingerprint !== spkiFingerprint) throw mismatch(dir, `${keyPath} is not the key of ${certPath}`);
  return { keyPem, certPem, spkiFingerprint };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new IdentityError('IDENTITY_IO', { action: 'read', file, detail: (error as Error).message }, { cause: error });
  }
}

/** The certificate in `card` that vouches for `key` with TLS key `tls`, the latest-expiring one. */
function certificateFor(card: PartyCard, key: string, tls: string): TerminalCertificate | undefined {
  return card.terminals.filter((c) => c.key === key && c.tls === tls).sort((a, b) => b.notAfter - a.notAfter)[0];
}
