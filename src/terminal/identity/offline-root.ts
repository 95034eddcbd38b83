/**
 * Offline-root mode: the party's root key never touches the terminal. Three steps, files carried
 * by hand (USB stick, diode, paper QR…):
 *
 *   terminal:      hotline init --offline-root --party XX --name ... --data DIR
 *                  generates the terminal and TLS keys and writes DIR/signing-request.json
 *   root machine:  hotline root sign-request REQUEST --data ROOTDIR --out CERT
 *                  checks the request, issues the terminal certificate and the party card
 *   terminal:      hotline cert install CERT --data DIR
 *                  checks that the card is for these keys and completes the terminal
 *
 * Renewal is the same with `hotline cert request --data DIR` instead of init. The root directory
 * (made by `hotline root init`) holds only the root key (0600, sealed when a passphrase is given),
 * the party's code and names, and the last card it issued (so a new card keeps older certificates).
 *
 *   ROOTDIR/           0700
 *     root.json        0600  the root key file (same format as a terminal's keys/root.json)
 *     party.json       0644  code, names and root public key
 *     card.json        0644  the last party card issued, if any
 *
 * Over 400 lines with its comments (under 400 of code): the three steps check one another's files,
 * and the checks read best side by side.
 */
import { verify } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  canonicalBytes,
  checkPartyCard,
  fingerprint,
  fromBase64Url,
  issuePartyCard,
  issueTerminalCertificate,
  KeySigner,
  publicKeyObject,
  sha256,
  toBase64Url,
  type PartyCard,
  type TerminalCertificate,
} from '../../protocol/index.js';
import { generateTlsIdentity, spkiFingerprintOfCert } from '../tls/tls-identity.js';
import { CONFIG_TYPE, CONFIG_VERSION, PARTY_CODE_PATTERN, type DatabaseConfig, type TerminalConfig } from './config.js';
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
import {
  checkEndpoints,
  checkNames,
  IDENTITY_LAYOUT,
  listenerConfig,
  TERMINAL_CERT_VALIDITY_MS,
  type TerminalIdentity,
} from './identity.js';
import { loadTerminalIdentity } from './load-identity.js';
import { makeKeyFile, openKeyFile, parseKeyFile } from './key-file.js';

export const ROOT_DIR_LAYOUT = Object.freeze({ key: 'root.json', party: 'party.json', card: 'card.json' });
export const SIGNING_REQUEST_TYPE = 'hotline.signing-request';
export const SIGNED_CERTIFICATE_TYPE = 'hotline.signed-certificate';
const ROOT_PARTY_TYPE = 'hotline.root-party';
/** Domain of the terminal key's signature over its request (proof that it holds the key). */
const REQUEST_DOMAIN = 'hotline/1/signing-request\0';

/** What a terminal asks its root to certify. Signed by the terminal key. */
export interface SigningRequest {
  type: typeof SIGNING_REQUEST_TYPE;
  v: 1;
  code: string;
  /** The party's root key if the terminal already knows it (renewal), else null. */
  party: string | null;
  /** The terminal signing key. */
  key: string;
  /** SPKI SHA-256 (hex) of the terminal's TLS key. */
  tls: string;
  endpoints: string[];
  requested: number;
  sig: string;
}

/** The root's answer: the new certificate and the party card that holds it. */
export interface SignedCertificate {
  type: typeof SIGNED_CERTIFICATE_TYPE;
  v: 1;
  certificate: TerminalCertificate;
  card: PartyCard;
}

export interface RootParty {
  type: typeof ROOT_PARTY_TYPE;
  v: 1;
  party: string;
  code: string;
  names: Record<string, string>;
}

function bad(file: string, what: string, detail: string): IdentityError {
  return new IdentityError('IDENTITY_BAD_SIGNING_FILE', { file, what, detail });
}

function checkNow(now: number): void {
  if (!Number.isSafeInteger(now) || now < 0)
    throw new IdentityError('IDENTITY_BAD_INPUT', { detail: `the time ${now} is not a time in milliseconds` });
}

function checkCode(raw: string): string {
  const code = raw.trim().toUpperCase();
  if (!PARTY_CODE_PATTERN.test(code))
    throw new IdentityError('IDENTITY_BAD_INPUT', { detail: `"${raw}" is not a party code: 1 to 16 letters, digits or dashes (example: US)` });
  return code;
}

function unsignedRequest(r: Omit<SigningRequest, 'sig'> | SigningRequest): Omit<SigningRequest, 'sig'> {
  const { sig: _sig, ...rest } = r as SigningRequest;
  return rest;
}

/**
 * The fingerprint of a request (six groups of five digits): read it on the terminal and on the
 * root machine and compare, so that a request swapped in transit is not signed.
 */
export function requestFingerprint(request: Omit<SigningRequest, 'sig'> | SigningRequest): string {
  return fingerprint(toBase64Url(sha256(canonicalBytes(unsignedRequest(request)))));
}

/** A signing request for this terminal's keys, signed by its terminal key. */
export function makeSigningRequest(fields: { code: string; party: string | null; terminal: KeySigner; tls: string; endpoints: string[]; now: number }): SigningRequest {
  const unsigned: Omit<SigningRequest, 'sig'> = {
    type: SIGNING_REQUEST_TYPE,
    v: 1,
    code: fields.code,
    party: fields.party,
    key: fields.terminal.publicKey,
    tls: fields.tls,
    endpoints: fields.endpoints,
    requested: fields.now,
  };
  const sig = toBase64Url(fields.terminal.sign(Buffer.concat([Buffer.from(REQUEST_DOMAIN, 'utf8'), canonicalBytes(unsigned)])));
  return { ...unsigned, sig };
}

/** Checks a parsed signing request (shape and the terminal key's signature). */
export function checkSigningRequest(value: unknown, file: string): SigningRequest {
  const what = 'signing request';
  const r = value as Partial<SigningRequest> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r) || r.type !== SIGNING_REQUEST_TYPE) throw bad(file, what, `it is not a ${SIGNING_REQUEST_TYPE} file`);
  const allowed = new Set(['type', 'v', 'code', 'party', 'key', 'tls', 'endpoints', 'requested', 'sig']);
  const extra = Object.keys(r).find((k) => !allowed.has(k));
  if (extra !== undefined) throw bad(file, what, `unknown member "${extra}"`);
  if (r.v !== 1) throw bad(file, what, `unsupported version ${String(r.v)}`);
  if (typeof r.code !== 'string' || !PARTY_CODE_PATTERN.test(r.code)) throw bad(file, what, 'code is not a party code');
  if (r.party !== null && (typeof r.party !== 'string' || !fromBase64Url(r.party, 32))) throw bad(file, what, 'party is not a root public key');
  if (typeof r.key !== 'string' || !publicKeyObject(r.key)) throw bad(file, what, 'key is not an Ed25519 public key');
  if (typeof r.tls !== 'string' || !/^[0-9a-f]{64}$/.test(r.tls)) throw bad(file, what, 'tls is not a SHA-256 fingerprint');
  if (!Array.isArray(r.endpoints) || !r.endpoints.every((e) => typeof e === 'string')) throw bad(file, what, 'endpoints is not a list of URLs');
  try {
    checkEndpoints(r.endpoints);
  } catch (e) {
    throw bad(file, what, (e as Error).message);
  }
  if (typeof r.requested !== 'number' || !Number.isSafeInteger(r.requested) || r.requested < 0) throw bad(file, what, 'requested is not a time');
  const sig = typeof r.sig === 'string' ? fromBase64Url(r.sig, 64) : undefined;
  const request = r as SigningRequest;
  const message = Buffer.concat([Buffer.from(REQUEST_DOMAIN, 'utf8'), canonicalBytes(unsignedRequest(request))]);
  let ok = false;
  try {
    ok = !!sig && verify(null, message, publicKeyObject(request.key)!, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw bad(file, what, 'its signature does not verify under the terminal key it names (altered in transit?)');
  return request;
}

// ---- the root machine ---------------------------------------------------------------------------

/** Options of {@link initRootDir}. */
export interface InitRootOptions {
  dir: string;
  code: string;
  names: Record<string, string>;
  passphrase?: string | undefined;
  kdfCost?: number | undefined;
}

/** Creates a root directory holding a fresh root key; refuses if one exists. */
export async function initRootDir(opts: InitRootOptions): Promise<{ dir: string; party: string; fingerprint: string; encrypted: boolean }> {
  const dir = resolve(opts.dir);
  const code = checkCode(opts.code);
  const names = checkNames(opts.names);
  if (opts.passphrase !== undefined && opts.passphrase.length === 0) throw new IdentityError('IDENTITY_BAD_INPUT', { detail: 'the passphrase is empty' });
  await ensurePrivateDir(dir);
  for (const name of [ROOT_DIR_LAYOUT.key, ROOT_DIR_LAYOUT.party]) {
    const file = join(dir, name);
    if (await exists(file)) throw new IdentityError('IDENTITY_EXISTS', { dir, file });
  }
  const root = KeySigner.generate();
  const keyFile = await makeKeyFile(root, 'root', { passphrase: opts.passphrase, kdfCost: opts.kdfCost });
  const party: RootParty = { type: ROOT_PARTY_TYPE, v: 1, party: root.publicKey, code, names };
  await writeFileAtomic(join(dir, ROOT_DIR_LAYOUT.key), jsonText(keyFile), PRIVATE_FILE_MODE);
  await writeFileAtomic(join(dir, ROOT_DIR_LAYOUT.party), jsonText(party), PUBLIC_FILE_MODE);
  return { dir, party: root.publicKey, fingerprint: fingerprint(root.publicKey), encrypted: keyFile.encryption !== 'none' };
}

export async function readRootParty(dir: string): Promise<RootParty> {
  const file = join(dir, ROOT_DIR_LAYOUT.party);
  if (!(await exists(file))) throw new IdentityError('IDENTITY_NOT_FOUND', { dir, file });
  const v = (await readJsonFile(file)) as Partial<RootParty> | null;
  if (!v || v.type !== ROOT_PARTY_TYPE || typeof v.party !== 'string' || typeof v.code !== 'string' || typeof v.names !== 'object')
    throw new IdentityError('IDENTITY_CORRUPT', { file, detail: `it is not a ${ROOT_PARTY_TYPE} file` });
  return v as RootParty;
}

/** The root key of a root directory, opened (with the passphrase if sealed) and checked against party.json. */
export async function openRootKey(dir: string, party: RootParty, passphrase: string | undefined): Promise<KeySigner> {
  const keyPath = join(dir, ROOT_DIR_LAYOUT.key);
  if (!(await exists(keyPath))) throw new IdentityError('IDENTITY_NOT_FOUND', { dir, file: keyPath });
  await checkPrivateFile(keyPath);
  const root = await openKeyFile(parseKeyFile(await readJsonFile(keyPath), keyPath, 'root'), keyPath, passphrase);
  if (root.publicKey !== party.party) throw new IdentityError('IDENTITY_MISMATCH', { dir, detail: `${keyPath} holds another key than ${ROOT_DIR_LAYOUT.party}` });
  return root;
}

/** The last card the root directory issued, if any (checked). */
export async function readRootCard(dir: string, party: RootParty): Promise<PartyCard | undefined> {
  const cardPath = join(dir, ROOT_DIR_LAYOUT.card);
  if (!(await exists(cardPath))) return undefined;
  const v = await readJsonFile(cardPath);
  const problem = checkPartyCard(v);
  if (problem || (v as PartyCard).party !== party.party) throw new IdentityError('IDENTITY_CORRUPT', { file: cardPath, detail: problem?.message ?? 'signed by another root key' });
  return v as PartyCard;
}

/** Options of {@link signRequest}. */
export interface SignRequestOptions {
  rootDir: string;
  request: unknown;
  /** For messages: where the request came from. */
  requestFile: string;
  passphrase?: string | undefined;
  /** If given, must equal the request's fingerprint (as read on the terminal). */
  expectedFingerprint?: string | undefined;
  now: number;
  validityMs?: number | undefined;
}

/**
 * On the root machine: checks a signing request and answers it with a terminal certificate and
 * a new party card (older certificates and revocations kept; the request's endpoints published).
 * Saves the card in the root directory.
 */
export async function signRequest(opts: SignRequestOptions): Promise<SignedCertificate> {
  checkNow(opts.now);
  const dir = resolve(opts.rootDir);
  const request = checkSigningRequest(opts.request, opts.requestFile);
  const party = await readRootParty(dir);
  if (request.code !== party.code)
    throw bad(opts.requestFile, 'signing request', `it is for party ${request.code}, this root key is party ${party.code}`);
  if (request.party !== null && request.party !== party.party)
    throw bad(opts.requestFile, 'signing request', 'it names another root key than this one (a terminal of another party?)');
  if (opts.expectedFingerprint !== undefined && opts.expectedFingerprint.replace(/\D/g, '') !== requestFingerprint(request).replace(/\D/g, ''))
    throw bad(opts.requestFile, 'signing request', `its fingerprint is ${requestFingerprint(request)}, not the ${opts.expectedFingerprint} read on the terminal: do not sign it`);
  const root = await openRootKey(dir, party, opts.passphrase);
  const cardPath = join(dir, ROOT_DIR_LAYOUT.card);
  const previous = await readRootCard(dir, party);
  const certificate = issueTerminalCertificate(root, {
    key: request.key,
    tls: request.tls,
    notBefore: opts.now,
    notAfter: opts.now + (opts.validityMs ?? TERMINAL_CERT_VALIDITY_MS),
  });
  // Keep older certificates (entries signed under them stay verifiable); drop expired ones only
  // when the card would exceed its limit of 64.
  const terminals = [...(previous?.terminals ?? []), certificate];
  while (terminals.length > 64) {
    const expired = terminals.findIndex((c) => c.notAfter <= opts.now);
    terminals.splice(expired >= 0 ? expired : 0, 1);
  }
  const card = issuePartyCard(root, {
    code: party.code,
    names: party.names,
    terminals,
    revocations: [...(previous?.revocations ?? [])],
    endpoints: request.endpoints,
    issued: Math.max(opts.now, (previous?.issued ?? -1) + 1),
  });
  const problem = checkPartyCard(card);
  if (problem) throw new IdentityError('IDENTITY_BAD_INPUT', { detail: problem.message });
  await writeFileAtomic(cardPath, jsonText(card), PUBLIC_FILE_MODE);
  return { type: SIGNED_CERTIFICATE_TYPE, v: 1, certificate, card };
}

// ---- the terminal -------------------------------------------------------------------------------

/** Options of {@link initOfflineTerminal}: those of initTerminal without the root key's. */
export interface InitOfflineOptions {
  dir: string;
  code: string;
  names: Record<string, string>;
  officerPort?: number | undefined;
  federationPort?: number | undefined;
  host?: string | undefined;
  /** Host the officer API listens on (default 127.0.0.1, loopback). */
  officerHost?: string | undefined;
  endpoints?: string[] | undefined;
  database?: DatabaseConfig | undefined;
  now: number;
}

/** What the terminal stores until its certificate is installed. */
interface OfflinePending {
  type: 'hotline.offline-init';
  v: 1;
  config: Omit<TerminalConfig, 'party'> & { party: Omit<TerminalConfig['party'], 'key'> };
}

/**
 * Creates a terminal without its root key: terminal key, TLS key and certificate, and a signing
 * request (DIR/signing-request.json) to carry to the root machine. The terminal is complete once
 * the answer is installed ({@link installCertificate}). Refuses (IDENTITY_EXISTS) if DIR holds an
 * identity or a pending one.
 */
export async function initOfflineTerminal(opts: InitOfflineOptions): Promise<{ dir: string; request: SigningRequest; requestPath: string; fingerprint: string }> {
  checkNow(opts.now);
  const dir = resolve(opts.dir);
  const code = checkCode(opts.code);
  const names = checkNames(opts.names);
  const { officer, federation, database } = listenerConfig(opts);
  const endpoints = federation.endpoints;

  await ensurePrivateDir(dir);
  for (const name of [IDENTITY_LAYOUT.config, IDENTITY_LAYOUT.card, IDENTITY_LAYOUT.keys, IDENTITY_LAYOUT.database, IDENTITY_LAYOUT.offlinePending]) {
    const file = join(dir, name);
    if (await exists(file)) throw new IdentityError('IDENTITY_EXISTS', { dir, file });
  }
  const terminal = KeySigner.generate();
  const tls = await generateTlsIdentity(`hotline ${code} terminal`, { now: new Date(opts.now) });
  const pending: OfflinePending = {
    type: 'hotline.offline-init',
    v: 1,
    config: { type: CONFIG_TYPE, version: CONFIG_VERSION, party: { code, names }, officer, federation, database, offlineRoot: true },
  };
  const request = makeSigningRequest({ code, party: null, terminal, tls: tls.spkiFingerprint, endpoints, now: opts.now });

  // keys/ is written in a private staging directory and renamed into place (fails if it exists).
  const staging = await mkdtemp(join(dir, '.init-'));
  try {
    await mkdir(join(staging, IDENTITY_LAYOUT.keys), { mode: PRIVATE_DIR_MODE });
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.terminalKey), jsonText(await makeKeyFile(terminal, 'terminal')), PRIVATE_FILE_MODE);
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.tlsKey), tls.keyPem, PRIVATE_FILE_MODE);
    await writeFileAtomic(join(staging, IDENTITY_LAYOUT.tlsCert), tls.certPem, PRIVATE_FILE_MODE);
    try {
      await rename(join(staging, IDENTITY_LAYOUT.keys), join(dir, IDENTITY_LAYOUT.keys));
    } catch (error) {
      throw new IdentityError('IDENTITY_EXISTS', { dir, file: join(dir, IDENTITY_LAYOUT.keys) }, { cause: error });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const requestPath = join(dir, IDENTITY_LAYOUT.signingRequest);
  await writeFileAtomic(requestPath, jsonText(request), PUBLIC_FILE_MODE);
  await writeFileAtomic(join(dir, IDENTITY_LAYOUT.offlinePending), jsonText(pending), PRIVATE_FILE_MODE);
  return { dir, request, requestPath, fingerprint: requestFingerprint(request) };
}

/** A new signing request for a complete offline-root terminal (renewal), written to DIR/signing-request.json. */
export async function requestRenewal(dirArg: string, now: number): Promise<{ request: SigningRequest; requestPath: string; fingerprint: string }> {
  checkNow(now);
  const identity = await loadTerminalIdentity(dirArg);
  const request = makeSigningRequest({
    code: identity.config.party.code,
    party: identity.party,
    terminal: identity.terminalSigner,
    tls: identity.tls.spkiFingerprint,
    endpoints: identity.config.federation.endpoints,
    now,
  });
  const requestPath = join(identity.dir, IDENTITY_LAYOUT.signingRequest);
  await writeFileAtomic(requestPath, jsonText(request), PUBLIC_FILE_MODE);
  return { request, requestPath, fingerprint: requestFingerprint(request) };
}

/**
 * Installs the root's answer on the terminal: the card must be validly signed, hold a certificate
 * for this terminal's signing and TLS keys that is valid now, and (on renewal) come from the same
 * root and be newer than the installed card. Completes a pending terminal (writes config.json).
 */
export async function installCertificate(opts: { dir: string; signed: unknown; file: string; now: number }): Promise<TerminalIdentity> {
  checkNow(opts.now);
  const dir = resolve(opts.dir);
  const what = 'signed certificate';
  const s = opts.signed as Partial<SignedCertificate> | null;
  if (typeof s !== 'object' || s === null || s.type !== SIGNED_CERTIFICATE_TYPE || s.v !== 1) throw bad(opts.file, what, `it is not a ${SIGNED_CERTIFICATE_TYPE} file`);
  const problem = checkPartyCard(s.card);
  if (problem) throw bad(opts.file, what, problem.message);
  const card = s.card!;
  const cert = s.certificate;
  if (!cert || !card.terminals.some((c) => c.sig === cert.sig)) throw bad(opts.file, what, 'its certificate is not in its card');

  const configPath = join(dir, IDENTITY_LAYOUT.config);
  const pendingPath = join(dir, IDENTITY_LAYOUT.offlinePending);
  const mismatch = (detail: string) => new IdentityError('IDENTITY_CERT_MISMATCH', { file: opts.file, detail });
  let config: TerminalConfig;
  if (await exists(configPath)) {
    const identity = await loadTerminalIdentity(dir);
    if (!identity.offlineRoot) throw mismatch('this terminal holds its root key; renew with `hotline card reissue --renew-certificate`');
    if (card.party !== identity.party) throw mismatch('the card is signed by another root key than this terminal\'s party');
    if (card.issued <= identity.card.issued) throw mismatch('the card is not newer than the installed one');
    config = identity.config;
  } else if (await exists(pendingPath)) {
    const pending = (await readJsonFile(pendingPath)) as OfflinePending;
    if (pending?.type !== 'hotline.offline-init') throw new IdentityError('IDENTITY_CORRUPT', { file: pendingPath, detail: 'it is not a hotline.offline-init file' });
    if (card.code !== pending.config.party.code) throw mismatch(`the card is for party ${card.code}, this terminal for ${pending.config.party.code}`);
    config = { ...pending.config, party: { ...pending.config.party, key: card.party } } as TerminalConfig;
  } else {
    throw new IdentityError('IDENTITY_NOT_FOUND', { dir, file: configPath });
  }

  const terminalPath = join(dir, IDENTITY_LAYOUT.terminalKey);
  await checkPrivateFile(terminalPath);
  const terminal = await openKeyFile(parseKeyFile(await readJsonFile(terminalPath), terminalPath, 'terminal'), terminalPath);
  const tls = spkiFingerprintOfCert(await readFile(join(dir, IDENTITY_LAYOUT.tlsCert), 'utf8'));
  if (cert.key !== terminal.publicKey) throw mismatch('it certifies another terminal signing key');
  if (cert.tls !== tls) throw mismatch('it certifies another TLS key');
  if (!(cert.notBefore <= opts.now && opts.now < cert.notAfter)) throw mismatch(`it is not valid now (valid ${new Date(cert.notBefore).toISOString()} to ${new Date(cert.notAfter).toISOString()})`);

  await writeFileAtomic(join(dir, IDENTITY_LAYOUT.card), jsonText(card), PUBLIC_FILE_MODE);
  await writeFileAtomic(configPath, jsonText(config), PRIVATE_FILE_MODE);
  await rm(pendingPath, { force: true });
  return loadTerminalIdentity(dir);
}
