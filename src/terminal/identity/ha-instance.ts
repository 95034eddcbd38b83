/**
 * `hotline ha add-instance`: another instance of this party for high availability (#19). Each
 * instance has its own terminal key and TLS key, certified by the party root in the party card,
 * never a copy of another instance's keys: a machine lost or stolen is revoked alone, and every
 * entry names the key, so the instance, that signed it. The new directory holds no root key.
 */
import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkPartyCard, issuePartyCard, issueTerminalCertificate, KeySigner, type PartyCard } from '../../protocol/index.js';
import { generateTlsIdentity } from '../tls/tls-identity.js';
import { ESCALATION_FILE, ROSTER_FILE } from '../escalation/settings.js';
import type { TerminalConfig } from './config.js';
import { ensurePrivateDir, exists, jsonText, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, writeFileAtomic } from './files.js';
import { badInput, checkEndpoints, IDENTITY_LAYOUT, listenerConfig, TERMINAL_CERT_VALIDITY_MS, type TerminalIdentity } from './identity.js';
import { publishIdentity, refuseExisting } from './init-terminal.js';
import { makeKeyFile } from './key-file.js';
import { shareOfficerToken } from './officer-token.js';

/** An instance name: lowercase letters, digits and dashes, as in config.json's `ha.instance`. */
export const INSTANCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Options of {@link addInstance}. */
export interface AddInstanceOptions {
  /** The instance whose root key signs (its directory gets the new card too). */
  readonly from: TerminalIdentity;
  /** The new instance's data directory (created; must not hold an identity). */
  readonly dir: string;
  /** The new instance's name. */
  readonly instance: string;
  /** The name of `from`, if it has none yet (default "a"). */
  readonly fromInstance?: string | undefined;
  readonly officerPort?: number | undefined;
  readonly federationPort?: number | undefined;
  readonly host?: string | undefined;
  readonly officerHost?: string | undefined;
  /** The new instance's federation endpoint published in the card (default https://HOST:PORT). */
  readonly endpoint?: string | undefined;
  readonly passphrase?: string | undefined;
  readonly now: number;
}

/** Creates the new instance's directory and reissues the card, in both directories, with its certificate and endpoint. */
export async function addInstance(o: AddInstanceOptions): Promise<{ card: PartyCard; dir: string; instance: string; fromInstance: string }> {
  const from = o.from;
  if (from.config.database.kind !== 'postgres')
    throw badInput(`high availability needs the instances to share a PostgreSQL database; ${from.dir} keeps its data in SQLite (create the party with \`hotline init --postgres URL\`)`);
  if (!INSTANCE_NAME.test(o.instance)) throw badInput(`"${o.instance}" is not an instance name: lowercase letters, digits and dashes, up to 32 (example: site-b)`);
  const fromInstance = from.config.ha?.instance ?? o.fromInstance ?? 'a';
  if (!INSTANCE_NAME.test(fromInstance)) throw badInput(`"${fromInstance}" is not an instance name: lowercase letters, digits and dashes, up to 32`);
  if (fromInstance === o.instance) throw badInput(`the new instance needs another name than ${fromInstance}`);
  const dir = resolve(o.dir);
  if (dir === from.dir) throw badInput('the new instance needs its own data directory');
  const { officer, federation } = listenerConfig({ officerPort: o.officerPort, federationPort: o.federationPort, host: o.host, officerHost: o.officerHost, endpoints: o.endpoint ? [o.endpoint] : undefined });
  const root = await from.loadRootSigner(o.passphrase);
  if (root.publicKey !== from.party) throw badInput('the root key does not match the party card');
  await ensurePrivateDir(dir);
  await refuseExisting(dir);

  const terminal = KeySigner.generate();
  const tls = await generateTlsIdentity(`hotline ${from.config.party.code} terminal ${o.instance}`, { now: new Date(o.now) });
  const certificate = issueTerminalCertificate(root, { key: terminal.publicKey, tls: tls.spkiFingerprint, notBefore: o.now, notAfter: o.now + TERMINAL_CERT_VALIDITY_MS });
  const endpoints = checkEndpoints([...from.card.endpoints, ...federation.endpoints.filter((e) => !from.card.endpoints.includes(e))]);
  const { code, names } = from.config.party;
  const card = issuePartyCard(root, { code, names, terminals: [...from.card.terminals, certificate], revocations: [...from.card.revocations], endpoints, issued: Math.max(o.now, from.card.issued + 1) });
  const problem = checkPartyCard(card);
  if (problem) throw badInput(problem.message);

  const config: TerminalConfig = { ...from.config, officer, federation: { ...federation, endpoints }, offlineRoot: true, ha: { instance: o.instance } };
  await publishIdentity(dir, [
    { name: IDENTITY_LAYOUT.terminalKey, text: jsonText(await makeKeyFile(terminal, 'terminal')), mode: PRIVATE_FILE_MODE },
    { name: IDENTITY_LAYOUT.tlsKey, text: tls.keyPem, mode: PRIVATE_FILE_MODE },
    { name: IDENTITY_LAYOUT.tlsCert, text: tls.certPem, mode: PRIVATE_FILE_MODE },
    { name: IDENTITY_LAYOUT.card, text: jsonText(card), mode: PUBLIC_FILE_MODE },
    { name: IDENTITY_LAYOUT.config, text: jsonText(config), mode: PRIVATE_FILE_MODE },
  ]);
  // The escalation policies and roster travel with the party: whichever instance is active applies them.
  for (const name of [ESCALATION_FILE, ROSTER_FILE]) if (await exists(join(from.dir, name))) await copyFile(join(from.dir, name), join(dir, name));

  // One host credential for the party: whichever instance is active takes it.
  await shareOfficerToken(from.dir, dir);
  await writeFileAtomic(join(from.dir, IDENTITY_LAYOUT.card), jsonText(card), PUBLIC_FILE_MODE);
  const fromConfig: TerminalConfig = { ...from.config, federation: { ...from.config.federation, endpoints }, ha: { instance: fromInstance } };
  await writeFileAtomic(join(from.dir, IDENTITY_LAYOUT.config), jsonText(fromConfig), PRIVATE_FILE_MODE);
  return { card, dir, instance: o.instance, fromInstance };
}
