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
 * uses the terminal key and the TLS key. Creating one is init-terminal.ts; loading one,
 * load-identity.ts; this file holds the layout, the checks of its inputs and reissuing the card.
 */
import { join } from 'node:path';
import {
  checkPartyCard,
  fingerprint,
  issuePartyCard,
  issueTerminalCertificate,
  KeySigner,
  type KeyRevocation,
  type PartyCard,
  type TerminalCertificate,
} from '../../protocol/index.js';
import type { TlsIdentity } from '../tls/tls-identity.js';
import {
  LANG_TAG_PATTERN,
  resolveDatabase,
  type DatabaseConfig,
  type TerminalConfig,
} from './config.js';
import { IdentityError } from './errors.js';
import {
  checkPrivateFile,
  jsonText,
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  readJsonFile,
  writeFileAtomic,
} from './files.js';
import { openKeyFile, parseKeyFile, type KeyFile } from './key-file.js';
import { mergeRevocations } from './revocations.js';

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
  /**
   * Adds a certificate for this other terminal key (with this terminal's TLS key), valid one year
   * from `now`: the next key of a rotation (key-rotation.ts). The terminal keeps its certificate.
   */
  certifyKey?: string | undefined;
  /**
   * Revocations the party issued to carry on the card besides those it holds (the `key.revoke`
   * entries of this party's channels, a revocation just made): merged, none dropped.
   */
  revocations?: readonly KeyRevocation[] | undefined;
  now: number;
}

/** IDENTITY_BAD_INPUT. */
export function badInput(detail: string): IdentityError {
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
  if (Object.keys(out).length === 0) throw badInput('a name is required, in any language (--name "United States", --name "ru=Российская Федерация")');
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

/** A frozen identity from its parts (init, load and reissue build one). */
export function assemble(parts: {
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

/** The root key file, private and well-formed. */
export async function readRootKeyFile(file: string): Promise<KeyFile> {
  await checkPrivateFile(file);
  return parseKeyFile(await readJsonFile(file), file, 'root');
}

/** Opens the root key from disk each time it is needed: it is not kept in memory. */
export function rootLoader(
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

/** IDENTITY_MISMATCH: files of the data directory that do not belong together. */
export function mismatch(dir: string, detail: string): IdentityError {
  return new IdentityError('IDENTITY_MISMATCH', { dir, detail });
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
  if (opts.certifyKey !== undefined)
    terminals.push(issueTerminalCertificate(root, { key: opts.certifyKey, tls: identity.tls.spkiFingerprint, notBefore: opts.now, notAfter: opts.now + TERMINAL_CERT_VALIDITY_MS }));
  const { code, names } = identity.config.party;
  const card = issuePartyCard(root, {
    code,
    names,
    terminals,
    revocations: mergeRevocations(identity.card.revocations, opts.revocations ?? []),
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
