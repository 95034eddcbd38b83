/**
 * A terminal's identity on disk (its data directory):
 *
 *   DIR/                 0700
 *     config.json        0600  party code and names, officer and federation listeners, database
 *     card.json          0644  the party card, signed by the root key (public: give it to peers)
 *     keys/              0700
 *       root.json        0600  Ed25519 root seed, sealed with a passphrase (scrypt + AES-256-GCM) or plain
 *       terminal.json    0600  Ed25519 terminal signing seed (plain: the terminal signs unattended)
 *       tls.key          0600  TLS private key (PKCS#8 PEM) for federation links
 *       tls.crt          0600  self-signed TLS certificate; peers pin its SPKI fingerprint from the card
 *     hotline.db               the SQLite database (default), created by the store
 *
 * The root key is needed only to (re)issue cards and terminal certificates; the running terminal
 * uses the terminal key and the TLS key.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  checkPartyCard,
  fingerprint,
  issuePartyCard,
  issueTerminalCertificate,
  KeySigner,
  type PartyCard,
  type TerminalCertificate,
} from '../../protocol/index.js';
import {
  generateTlsIdentity,
  spkiFingerprintOfCert,
  spkiFingerprintOfKey,
  type TlsIdentity,
} from '../tls/tls-identity.js';
import {
  CONFIG_TYPE,
  CONFIG_VERSION,
  configProblem,
  LANG_TAG_PATTERN,
  PARTY_CODE_PATTERN,
  resolveDatabase,
  type DatabaseConfig,
  type TerminalConfig,
} from './config.js';
import { IdentityError } from './errors.js';
import {
  checkPrivateFile,
  ensurePrivateDir,
  exists,
  jsonText,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  readJsonFile,
  writeFileAtomic,
} from './files.js';
import { makeKeyFile, openKeyFile, parseKeyFile, type KeyFile } from './key-file.js';

/** File names inside the data directory. */
export const IDENTITY_LAYOUT = Object.freeze({
  config: 'config.json',
  card: 'card.json',
  keys: 'keys',
  rootKey: join('keys', 'root.json'),
  terminalKey: join('keys', 'terminal.json'),
  tlsKey: join('keys', 'tls.key'),
  tlsCert: join('keys', 'tls.crt'),
  database: 'hotline.db',
  /** Offline-root mode, before the certificate is installed: the config to complete (0600). */
  offlinePending: 'offline-init.json',
  /** Offline-root mode: the signing request to carry to the root machine (public). */
  signingRequest: 'signing-request.json',
});

/** Validity of a terminal certificate issued by init or on renewal: one year. */
export const TERMINAL_CERT_VALIDITY_MS = 365 * 24 * 3_600_000;
export const DEFAULT_OFFICER_PORT = 7080;
export const DEFAULT_FEDERATION_PORT = 7443;
export const DEFAULT_HOST = '127.0.0.1';

/** Options of {@link initTerminal}. */
export interface InitTerminalOptions {
  /** The data directory; created (0700) if missing. */
  dir: string;
  /** The party's short code ("US"); upper-cased. */
  code: string;
  /** The party's name by language tag; `en` is required. */
  names: Record<string, string>;
  /** Seals the root key with this passphrase; without one the root key is stored in clear. */
  passphrase?: string | undefined;
  officerPort?: number | undefined;
  federationPort?: number | undefined;
  /** Host the federation API listens on (default 127.0.0.1). */
  host?: string | undefined;
  /** Host the officer API listens on (default 127.0.0.1, loopback). */
  officerHost?: string | undefined;
  /** Federation endpoints published in the card (default `https://HOST:FEDERATION_PORT`). */
  endpoints?: string[] | undefined;
  /** Default: SQLite in `hotline.db` inside the data directory. */
  database?: DatabaseConfig | undefined;
  /** The time of issue (ms since the epoch). */
  now: number;
  /** log2 of scrypt's N for sealing the root key (default 17). Lower only in tests. */
  kdfCost?: number | undefined;
}

/** A terminal's identity, loaded from its data directory. */
export interface TerminalIdentity {
  /** Absolute path of the data directory. */
  readonly dir: string;
  readonly config: TerminalConfig;
  /** The database configuration with a relative SQLite path resolved against `dir`. */
  readonly database: DatabaseConfig;
  readonly card: PartyCard;
  /** The party: its root public key (base64url). */
  readonly party: string;
  /** Human fingerprint of the root key, groups of five digits, for comparison by phone. */
  readonly fingerprint: string;
  /** Whether the root key on disk is sealed with a passphrase. */
  readonly rootKeyEncrypted: boolean;
  /** Whether the root key is kept on another machine (offline-root mode; see offline-root.ts). */
  readonly offlineRoot: boolean;
  /** The terminal's signing key. */
  readonly terminalSigner: KeySigner;
  /** This terminal's certificate in the card (binds terminalSigner and the TLS key). */
  readonly certificate: TerminalCertificate;
  /** The TLS identity for federation links. */
  readonly tls: TlsIdentity;
  /**
   * Opens the root key (needed only to reissue cards and certificates). Without an argument, the
   * passphrase given to loadTerminalIdentity is used.
   */
  loadRootSigner(passphrase?: string): Promise<KeySigner>;
}

/** Options of {@link reissueCard}. */
export interface ReissueCardOptions {
  /** New federation endpoints (also saved in config.json); default: keep the card's. */
  endpoints?: string[] | undefined;
  /** The root key's passphrase, if it is sealed. */
  passphrase?: string | undefined;
  /** Adds a fresh certificate for this terminal, valid one year from `now` (older ones are kept). */
  renewCertificate?: boolean | undefined;
  now: number;
}

function badInput(detail: string): IdentityError {
  return new IdentityError('IDENTITY_BAD_INPUT', { detail });
}

export function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw badInput(`${name} must be a port number from 1 to 65535, got ${port}`);
  return port;
}

/** Where a new terminal listens and keeps its data, checked, with the defaults filled in. */
export function listenerConfig(opts: {
  host?: string | undefined;
  officerHost?: string | undefined;
  officerPort?: number | undefined;
  federationPort?: number | undefined;
  endpoints?: string[] | undefined;
  database?: DatabaseConfig | undefined;
}): Pick<TerminalConfig, 'officer' | 'federation' | 'database'> {
  const host = (opts.host ?? DEFAULT_HOST).trim();
  if (host.length === 0 || host.length > 255) throw badInput('the host is empty or too long');
  const officerPort = checkPort('the officer port', opts.officerPort ?? DEFAULT_OFFICER_PORT);
  const federationPort = checkPort('the federation port', opts.federationPort ?? DEFAULT_FEDERATION_PORT);
  const hostInUrl = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const endpoints = checkEndpoints(
    opts.endpoints && opts.endpoints.length > 0 ? opts.endpoints : [`https://${hostInUrl}:${federationPort}`],
  );
  return {
    // The officer API stays on loopback unless asked otherwise: --host opens only federation.
    officer: { host: (opts.officerHost ?? DEFAULT_HOST).trim(), port: officerPort },
    federation: { host, port: federationPort, endpoints },
    database: checkDatabase(opts.database ?? { kind: 'sqlite', path: IDENTITY_LAYOUT.database }),
  };
}

/** Checks federation endpoints: https:// or wss:// URLs, at most 16. */
export function checkEndpoints(endpoints: readonly string[]): string[] {
  if (endpoints.length > 16) throw badInput(`at most 16 endpoints can be published, got ${endpoints.length}`);
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw badInput(
        `endpoint ${JSON.stringify(endpoint)} is not a URL (example: https://hotline.example.org:7443)`,
      );
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'wss:') || !/^(https|wss):\/\//.test(endpoint))
      throw badInput(`endpoint ${endpoint} must start with https:// or wss://`);
    if (endpoint.length > 500)
      throw badInput(`endpoint ${endpoint.slice(0, 40)}… is longer than 500 characters`);
  }
  return [...endpoints];
}

export function checkNames(names: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [lang, name] of Object.entries(names)) {
    if (!LANG_TAG_PATTERN.test(lang))
      throw badInput(`"${lang}" is not a language tag (examples: en, zh, zh-Hans)`);
    const trimmed = name.trim();
    if (trimmed.length === 0) throw badInput(`the ${lang} name is empty`);
    if (trimmed.length > 500) throw badInput(`the ${lang} name is longer than 500 characters`);
    out[lang] = trimmed;
  }
  if (out.en === undefined) throw badInput('an English name is required (--name "United States")');
  return out;
}

export function checkDatabase(database: DatabaseConfig): DatabaseConfig {
  if (database.kind === 'sqlite') {
    if (database.path.length === 0) throw badInput('the SQLite path is empty');
    return { kind: 'sqlite', path: database.path };
  }
  if (!/^postgres(ql)?:\/\//.test(database.connectionString))
    throw badInput('the PostgreSQL connection string must start with postgres:// or postgresql://');
  if (database.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(database.schema))
    throw badInput(
      `"${database.schema}" is not a usable PostgreSQL schema name (lowercase letters, digits, _)`,
    );
  return database.schema === undefined
    ? { kind: 'postgres', connectionString: database.connectionString }
    : { kind: 'postgres', connectionString: database.connectionString, schema: database.schema };
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

/**
 * Creates a terminal's identity in `opts.dir`: root key, terminal key, TLS key and certificate,
 * a party card with one terminal certificate valid one year, and config.json.
 * Refuses (IDENTITY_EXISTS) if the directory already holds an identity, changing nothing.
 */
export async function initTerminal(opts: InitTerminalOptions): Promise<TerminalIdentity> {
  const dir = resolve(opts.dir);
  const code = opts.code.trim().toUpperCase();
  if (!PARTY_CODE_PATTERN.test(code))
    throw badInput(
      `"${opts.code}" is not a party code: 1 to 16 letters, digits or dashes, starting with a letter or digit (example: US)`,
    );
  const names = checkNames(opts.names);
  const { officer, federation, database } = listenerConfig(opts);
  const endpoints = federation.endpoints;
  if (!Number.isSafeInteger(opts.now) || opts.now < 0)
    throw badInput(`the time ${opts.now} is not a time in milliseconds`);
  if (opts.passphrase !== undefined && opts.passphrase.length === 0)
    throw badInput('the passphrase is empty');

  await ensurePrivateDir(dir);
  await refuseExisting(dir);

  const root = KeySigner.generate();
  const terminal = KeySigner.generate();
  const tls = await generateTlsIdentity(`hotline ${code} terminal`, { now: new Date(opts.now) });
  const certificate = issueTerminalCertificate(root, {
    key: terminal.publicKey,
    tls: tls.spkiFingerprint,
    notBefore: opts.now,
    notAfter: opts.now + TERMINAL_CERT_VALIDITY_MS,
  });
  const card = issuePartyCard(root, { code, names, terminals: [certificate], endpoints, issued: opts.now });
  const problem = checkPartyCard(card);
  if (problem) throw badInput(problem.message);
  const config: TerminalConfig = {
    type: CONFIG_TYPE,
    version: CONFIG_VERSION,
    party: { code, names, key: root.publicKey },
    officer,
    federation,
    database,
  };
  const rootFile = await makeKeyFile(root, 'root', { passphrase: opts.passphrase, kdfCost: opts.kdfCost });
  const terminalFile = await makeKeyFile(terminal, 'terminal');

  // Everything is written into a private staging directory inside DIR, then published: keys/
  // first (a rename, which fails if keys/ exists and is not empty), the card, and config.json
  // last: an identity exists once config.json does. Nothing existing is ever replaced.
  let staging: string;
  try {
    staging = await mkdtemp(join(dir, '.init-'));
  } catch (error) {
    throw new IdentityError(
      'IDENTITY_IO',
      { action: 'write the identity in', file: dir, detail: (error as Error).message },
      { cause: error },
    );
  }
  const published: string[] = [];
  try {
    await mkdir(join(staging, IDENTITY_LAYOUT.keys), { mode: PRIVATE_DIR_MODE });
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.rootKey), jsonText(rootFile), PRIVATE_FILE_MODE);
    await writeFileAtomic(
      join(staging, IDENTITY_LAYOUT.terminalKey),
      jsonText(terminalFile),
      PRIVATE_FILE_MODE,
    );
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.tlsKey), tls.keyPem, PRIVATE_FILE_MODE);
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.tlsCert), tls.certPem, PRIVATE_FILE_MODE);
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.card), jsonText(card), PUBLIC_FILE_MODE);
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.config), jsonText(config), PRIVATE_FILE_MODE);
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
      if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EISDIR' || code === 'ENOTDIR')
        throw new IdentityError(
          'IDENTITY_EXISTS',
          { dir, file: join(dir, IDENTITY_LAYOUT.config) },
          { cause: error },
        );
      throw error;
    }
  } catch (error) {
    if (error instanceof IdentityError) throw error;
    throw new IdentityError(
      'IDENTITY_IO',
      { action: 'write the identity in', file: dir, detail: (error as Error).message },
      { cause: error },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  return assemble({
    dir,
    config,
    card,
    certificate,
    rootKeyEncrypted: rootFile.encryption !== 'none',
    terminalSigner: terminal,
    tls,
    loadRootSigner: rootLoader(dir, root.publicKey, opts.passphrase),
  });
}

async function refuseExisting(dir: string): Promise<void> {
  for (const name of [
    IDENTITY_LAYOUT.config,
    IDENTITY_LAYOUT.card,
    IDENTITY_LAYOUT.keys,
    IDENTITY_LAYOUT.database,
  ]) {
    const file = join(dir, name);
    if (await exists(file)) throw new IdentityError('IDENTITY_EXISTS', { dir, file });
  }
}

function assemble(parts: {
  dir: string;
  config: TerminalConfig;
  card: PartyCard;
  certificate: TerminalCertificate;
  rootKeyEncrypted: boolean;
  terminalSigner: KeySigner;
  tls: TlsIdentity;
  loadRootSigner: (passphrase?: string) => Promise<KeySigner>;
}): TerminalIdentity {
  return Object.freeze({
    dir: parts.dir,
    config: parts.config,
    database: resolveDatabase(parts.dir, parts.config.database),
    card: parts.card,
    party: parts.card.party,
    fingerprint: fingerprint(parts.card.party),
    rootKeyEncrypted: parts.rootKeyEncrypted,
    offlineRoot: parts.config.offlineRoot === true,
    terminalSigner: parts.terminalSigner,
    certificate: parts.certificate,
    tls: parts.tls,
    loadRootSigner: parts.loadRootSigner,
  });
}

/** Opens the root key from disk each time it is needed: it is not kept in memory. */
function rootLoader(
  dir: string,
  party: string,
  remembered: string | undefined,
): (passphrase?: string) => Promise<KeySigner> {
  const rootPath = join(dir, IDENTITY_LAYOUT.rootKey);
  return async (given?: string) => {
    const rootFile = await readRootKeyFile(rootPath);
    if (rootFile.publicKey !== party)
      throw mismatch(dir, `${rootPath} holds another root key than the party card`);
    return openKeyFile(rootFile, rootPath, given ?? remembered);
  };
}

function mismatch(dir: string, detail: string): IdentityError {
  return new IdentityError('IDENTITY_MISMATCH', { dir, detail });
}

async function readRootKeyFile(file: string): Promise<KeyFile> {
  await checkPrivateFile(file);
  return parseKeyFile(await readJsonFile(file), file, 'root');
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new IdentityError(
      'IDENTITY_IO',
      { action: 'read', file, detail: (error as Error).message },
      { cause: error },
    );
  }
}

/** The certificate in `card` that vouches for `key` with TLS key `tls`, the latest-expiring one. */
function certificateFor(card: PartyCard, key: string, tls: string): TerminalCertificate | undefined {
  return card.terminals
    .filter((c) => c.key === key && c.tls === tls)
    .sort((a, b) => b.notAfter - a.notAfter)[0];
}

/**
 * Loads the identity in `dir`. Checks that key files are private (IDENTITY_KEY_PERMISSIONS), that
 * the files belong together (IDENTITY_MISMATCH) and, when a passphrase is given, that it opens
 * the root key (IDENTITY_BAD_PASSPHRASE). Without a passphrase the root key is not opened.
 */
export async function loadTerminalIdentity(
  dirArg: string,
  opts: { passphrase?: string | undefined } = {},
): Promise<TerminalIdentity> {
  const dir = resolve(dirArg);
  const configPath = join(dir, IDENTITY_LAYOUT.config);
  if (!(await exists(configPath))) {
    if (await exists(join(dir, IDENTITY_LAYOUT.offlinePending)))
      throw new IdentityError('IDENTITY_AWAITING_CERTIFICATE', { dir, request: join(dir, IDENTITY_LAYOUT.signingRequest) });
    if (await exists(join(dir, IDENTITY_LAYOUT.keys)))
      throw new IdentityError('IDENTITY_INCOMPLETE', { dir, file: configPath });
    throw new IdentityError('IDENTITY_NOT_FOUND', { dir, file: (await exists(dir)) ? configPath : dir });
  }
  const configValue = await readJsonFile(configPath);
  const problem = configProblem(configValue);
  if (problem) throw new IdentityError('IDENTITY_CORRUPT', { file: configPath, detail: problem });
  const config = configValue as TerminalConfig;

  const rootPath = join(dir, IDENTITY_LAYOUT.rootKey);
  const terminalPath = join(dir, IDENTITY_LAYOUT.terminalKey);
  const tlsKeyPath = join(dir, IDENTITY_LAYOUT.tlsKey);
  const tlsCertPath = join(dir, IDENTITY_LAYOUT.tlsCert);
  const cardPath = join(dir, IDENTITY_LAYOUT.card);
  // Offline-root mode: the root key is on another machine; the party is the one in config.json.
  const offline = config.offlineRoot === true;
  const held = offline ? [terminalPath, tlsKeyPath] : [rootPath, terminalPath, tlsKeyPath];
  for (const file of [...held, tlsCertPath, cardPath]) {
    if (!(await exists(file)))
      throw new IdentityError('IDENTITY_CORRUPT', { file, detail: 'the file is missing' });
  }
  for (const file of held) await checkPrivateFile(file);

  const rootFile = offline ? undefined : await readRootKeyFile(rootPath);
  const terminalFile = parseKeyFile(await readJsonFile(terminalPath), terminalPath, 'terminal');
  const terminalSigner = await openKeyFile(terminalFile, terminalPath);

  const keyPem = await readText(tlsKeyPath);
  const certPem = await readText(tlsCertPath);
  let spkiFingerprint: string;
  try {
    spkiFingerprint = spkiFingerprintOfCert(certPem);
  } catch (error) {
    throw new IdentityError(
      'IDENTITY_CORRUPT',
      { file: tlsCertPath, detail: 'it is not a PEM certificate' },
      { cause: error },
    );
  }
  let keyFingerprint: string;
  try {
    keyFingerprint = spkiFingerprintOfKey(keyPem);
  } catch (error) {
    throw new IdentityError(
      'IDENTITY_CORRUPT',
      { file: tlsKeyPath, detail: 'it is not a PEM private key' },
      { cause: error },
    );
  }
  if (keyFingerprint !== spkiFingerprint)
    throw mismatch(dir, `${tlsKeyPath} is not the key of ${tlsCertPath}`);

  const cardValue = await readJsonFile(cardPath);
  const cardProblem = checkPartyCard(cardValue);
  if (cardProblem)
    throw new IdentityError('IDENTITY_CORRUPT', { file: cardPath, detail: cardProblem.message });
  const card = cardValue as PartyCard;
  if (rootFile && card.party !== rootFile.publicKey)
    throw mismatch(dir, `${cardPath} is signed by another root key than ${rootPath}`);
  if (config.party.key !== card.party)
    throw mismatch(dir, `${configPath} names another party than ${cardPath}`);
  const certificate = certificateFor(card, terminalSigner.publicKey, spkiFingerprint);
  if (!certificate)
    throw mismatch(
      dir,
      `${cardPath} holds no certificate for this terminal's signing key and TLS key; reissue the card`,
    );

  if (rootFile && opts.passphrase !== undefined && rootFile.encryption !== 'none')
    await openKeyFile(rootFile, rootPath, opts.passphrase);

  return assemble({
    dir,
    config,
    card,
    certificate,
    rootKeyEncrypted: rootFile !== undefined && rootFile.encryption !== 'none',
    terminalSigner,
    tls: { keyPem, certPem, spkiFingerprint },
    loadRootSigner: rootFile
      ? rootLoader(dir, card.party, opts.passphrase)
      : () => Promise.reject(new IdentityError('IDENTITY_ROOT_OFFLINE', { dir })),
  });
}

/**
 * Re-signs the party card with the root key, e.g. when the endpoints change (they are also saved
 * in config.json) or to renew this terminal's certificate, and saves it atomically. The new card
 * is dated strictly after the old one, so peers prefer it. Returns the updated identity.
 */
export async function reissueCard(
  identity: TerminalIdentity,
  opts: ReissueCardOptions,
): Promise<TerminalIdentity> {
  if (!Number.isSafeInteger(opts.now) || opts.now < 0)
    throw badInput(`the time ${opts.now} is not a time in milliseconds`);
  const endpoints = opts.endpoints === undefined ? identity.card.endpoints : checkEndpoints(opts.endpoints);
  const root = await identity.loadRootSigner(opts.passphrase);
  if (root.publicKey !== identity.party)
    throw mismatch(identity.dir, 'the root key does not match the party card');

  const terminals = [...identity.card.terminals];
  let certificate = identity.certificate;
  if (opts.renewCertificate) {
    certificate = issueTerminalCertificate(root, {
      key: identity.terminalSigner.publicKey,
      tls: identity.tls.spkiFingerprint,
      notBefore: opts.now,
      notAfter: opts.now + TERMINAL_CERT_VALIDITY_MS,
    });
    terminals.push(certificate);
  }
  const { code, names } = identity.config.party;
  const card = issuePartyCard(root, {
    code,
    names,
    terminals,
    revocations: [...identity.card.revocations],
    endpoints,
    issued: Math.max(opts.now, identity.card.issued + 1),
  });
  const problem = checkPartyCard(card);
  if (problem) throw badInput(problem.message);

  await writeFileAtomic(join(identity.dir, IDENTITY_LAYOUT.card), jsonText(card), PUBLIC_FILE_MODE);
  let config = identity.config;
  if (jsonText(endpoints) !== jsonText(config.federation.endpoints)) {
    config = { ...config, federation: { ...config.federation, endpoints } };
    await writeFileAtomic(join(identity.dir, IDENTITY_LAYOUT.config), jsonText(config), PRIVATE_FILE_MODE);
  }
  return assemble({
    dir: identity.dir,
    config,
    card,
    certificate,
    rootKeyEncrypted: identity.rootKeyEncrypted,
    terminalSigner: identity.terminalSigner,
    tls: identity.tls,
    loadRootSigner: (given?: string) => identity.loadRootSigner(given ?? opts.passphrase),
  });
}
