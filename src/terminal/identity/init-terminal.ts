/**
 * `hotline init`: creates a terminal's identity in its data directory (the layout is in
 * identity.ts). Keys and files are made in a private staging directory and published without ever
 * replacing anything: an identity exists once config.json does.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkPartyCard, issuePartyCard, issueTerminalCertificate, KeySigner } from '../../protocol/index.js';
import { generateTlsIdentity, type TlsIdentity } from '../tls/tls-identity.js';
import { CONFIG_TYPE, CONFIG_VERSION, PARTY_CODE_PATTERN, type TerminalConfig } from './config.js';
import { IdentityError } from './errors.js';
import { ensurePrivateDir, exists, jsonText, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, writeFileAtomic } from './files.js';
import { assemble, badInput, checkNames, IDENTITY_LAYOUT, listenerConfig, rootLoader, TERMINAL_CERT_VALIDITY_MS, type InitTerminalOptions, type TerminalIdentity } from './identity.js';
import { makeKeyFile } from './key-file.js';

/**
 * Creates a terminal's identity in `opts.dir`: root key, terminal key, TLS key and certificate,
 * a party card with one terminal certificate valid one year, and config.json.
 * Refuses (IDENTITY_EXISTS) if the directory already holds an identity, changing nothing.
 */
export async function initTerminal(opts: InitTerminalOptions): Promise<TerminalIdentity> {
  const dir = resolve(opts.dir);
  const input = checkInit(opts);
  await ensurePrivateDir(dir);
  await refuseExisting(dir);

  const root = KeySigner.generate();
  const terminal = KeySigner.generate();
  const tls = await generateTlsIdentity(`hotline ${input.code} terminal`, { now: new Date(opts.now) });
  const certificate = issueTerminalCertificate(root, { key: terminal.publicKey, tls: tls.spkiFingerprint, notBefore: opts.now, notAfter: opts.now + TERMINAL_CERT_VALIDITY_MS });
  const card = issuePartyCard(root, { code: input.code, names: input.names, terminals: [certificate], endpoints: input.federation.endpoints, issued: opts.now });
  const problem = checkPartyCard(card);
  if (problem) throw badInput(problem.message);
  const config: TerminalConfig = { type: CONFIG_TYPE, version: CONFIG_VERSION, party: { code: input.code, names: input.names, key: root.publicKey }, officer: input.officer, federation: input.federation, database: input.database };
  const rootFile = await makeKeyFile(root, 'root', { passphrase: opts.passphrase, kdfCost: opts.kdfCost });
  const terminalFile = await makeKeyFile(terminal, 'terminal');

  await publishIdentity(dir, [
    { name: IDENTITY_LAYOUT.rootKey, text: jsonText(rootFile), mode: PRIVATE_FILE_MODE },
    { name: IDENTITY_LAYOUT.terminalKey, text: jsonText(terminalFile), mode: PRIVATE_FILE_MODE },
    { name: IDENTITY_LAYOUT.tlsKey, text: tls.keyPem, mode: PRIVATE_FILE_MODE },
    { name: IDENTITY_LAYOUT.tlsCert, text: tls.certPem, mode: PRIVATE_FILE_MODE },
    { name: IDENTITY_LAYOUT.card, text: jsonText(card), mode: PUBLIC_FILE_MODE },
    { name: IDENTITY_LAYOUT.config, text: jsonText(config), mode: PRIVATE_FILE_MODE },
  ]);
  const identityTls: TlsIdentity = tls;
  return assemble({ dir, config, card, certificate, rootKeyEncrypted: rootFile.encryption !== 'none', terminalSigner: terminal, tls: identityTls, loadRootSigner: rootLoader(dir, root.publicKey, opts.passphrase) });
}

/** The options of init, checked, with the defaults filled in. */
function checkInit(opts: InitTerminalOptions) {
  const code = opts.code.trim().toUpperCase();
  if (!PARTY_CODE_PATTERN.test(code)) throw badInput(`"${opts.code}" is not a party code: 1 to 16 letters, digits or dashes, starting with a letter or digit (example: US)`);
  const names = checkNames(opts.names);
  const { officer, federation, database } = listenerConfig(opts);
  if (!Number.isSafeInteger(opts.now) || opts.now < 0) throw badInput(`the time ${opts.now} is not a time in milliseconds`);
  if (opts.passphrase !== undefined && opts.passphrase.length === 0) throw badInput('the passphrase is empty');
  return { code, names, officer, federation, database };
}

export async function refuseExisting(dir: string): Promise<void> {
  for (const name of [IDENTITY_LAYOUT.config, IDENTITY_LAYOUT.card, IDENTITY_LAYOUT.keys, IDENTITY_LAYOUT.database]) {
    const file = join(dir, name);
    if (await exists(file)) throw new IdentityError('IDENTITY_EXISTS', { dir, file });
  }
}

/**
 * Writes the files into a private staging directory inside DIR, then publishes them: keys/ first
 * (a rename, which fails if keys/ exists and is not empty), the card, and config.json last.
 * Nothing existing is ever replaced.
 */
export async function publishIdentity(dir: string, files: ReadonlyArray<{ name: string; text: string; mode: number }>): Promise<void> {
  let staging: string;
  try {
    staging = await mkdtemp(join(dir, '.init-'));
  } catch (error) {
    throw new IdentityError('IDENTITY_IO', { action: 'write the identity in', file: dir, detail: (error as Error).message }, { cause: error });
  }
  try {
    await mkdir(join(staging, IDENTITY_LAYOUT.keys), { mode: PRIVATE_DIR_MODE });
    for (const f of files) await writeFileAtomic(join(staging, f.name), f.text, f.mode);
    await publishStaged(dir, staging);
  } catch (error) {
    if (error instanceof IdentityError) throw error;
    throw new IdentityError('IDENTITY_IO', { action: 'write the identity in', file: dir, detail: (error as Error).message }, { cause: error });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function publishStaged(dir: string, staging: string): Promise<void> {
  const published: string[] = [];
  try {
    await rename(join(staging, IDENTITY_LAYOUT.keys), join(dir, IDENTITY_LAYOUT.keys));
    published.push(IDENTITY_LAYOUT.keys);
    for (const name of [IDENTITY_LAYOUT.card, IDENTITY_LAYOUT.config]) {
      await publishExclusive(join(staging, name), join(dir, name));
      published.push(name);
    }
  } catch (error) {
    // Someone else initialised DIR meanwhile: withdraw what this call published, nothing else.
    for (const name of published.reverse()) await rm(join(dir, name), { recursive: true, force: true });
    const code = errno(error);
    if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EISDIR' || code === 'ENOTDIR') throw new IdentityError('IDENTITY_EXISTS', { dir, file: join(dir, IDENTITY_LAYOUT.config) }, { cause: error });
    throw error;
  }
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Publishes `from` at `to` only if `to` does not exist (hard link; exclusive copy where links are unsupported). */
async function publishExclusive(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = errno(error);
    if (code === 'EEXIST') throw error;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}
