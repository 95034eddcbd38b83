/**
 * Offline-root mode (keys at rest): the root key lives only in a root directory on another
 * machine; the terminal holds its terminal and TLS keys and a root-signed certificate obtained by
 * carrying a signing request. Driven through the CLI commands, as an operator would.
 */
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPartyCard, KeyRegistry, type PartyCard } from '../../src/protocol/index.js';
import { register as registerCard } from '../../src/cli/commands/card.js';
import { register as registerCert } from '../../src/cli/commands/cert.js';
import { register as registerInit, type CommandIo } from '../../src/cli/commands/init.js';
import { register as registerRoot } from '../../src/cli/commands/root.js';
import { IdentityError, loadTerminalIdentity, reissueCard, type SignedCertificate } from '../../src/terminal/identity/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

let base: string;
let now = T0;
let out: string[] = [];
let err: string[] = [];
const io: CommandIo = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), now: () => now, kdfCost: 10 };

async function run(...args: string[]): Promise<string> {
  out = [];
  err = [];
  const program = new Command('hotline').exitOverride();
  registerInit(program, io);
  registerCard(program, io);
  registerRoot(program, io);
  registerCert(program, io);
  await program.parseAsync(['node', 'hotline', ...args]);
  return out.join('');
}

async function fails(code: string, ...args: string[]): Promise<IdentityError> {
  const e = await run(...args).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `hotline ${args.join(' ')}`).toBeInstanceOf(IdentityError);
  expect((e as IdentityError).code).toBe(code);
  return e as IdentityError;
}

const fingerprintIn = (text: string) => /Request fingerprint:\s+([\d ]{35})/.exec(text)?.[1];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hotline-offline-'));
  now = T0;
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('offline root: init, sign, install, renew', () => {
  it('completes a terminal whose root key never touches it, and renews its certificate the same way', async () => {
    const rootDir = join(base, 'root');
    const dir = join(base, 'terminal');
    const pass = join(base, 'pass.txt');
    await writeFile(pass, 'correct horse battery staple\n');

    // Root machine.
    const rootOut = await run('root', 'init', '--party', 'US', '--name', 'United States', '--data', rootDir, '--passphrase-file', pass);
    expect(rootOut).toMatch(/sealed with your passphrase/);
    expect((await stat(join(rootDir, 'root.json'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(rootDir, 'root.json'), 'utf8'))).toMatchObject({ encryption: 'scrypt-aes-256-gcm' });

    // Terminal: keys and a request, no root key, not usable yet.
    const initOut = await run('init', '--offline-root', '--party', 'US', '--name', 'United States', '--data', dir, '--federation-port', '7443');
    const fp = fingerprintIn(initOut);
    expect(fp).toBeDefined();
    expect(await readdir(join(dir, 'keys'))).toEqual(expect.not.arrayContaining(['root.json']));
    expect((await stat(join(dir, 'keys', 'terminal.json'))).mode & 0o777).toBe(0o600);
    await expect(loadTerminalIdentity(dir)).rejects.toMatchObject({ code: 'IDENTITY_AWAITING_CERTIFICATE' });
    await fails('IDENTITY_EXISTS', 'init', '--offline-root', '--party', 'US', '--name', 'United States', '--data', dir);

    // Root machine signs it (the fingerprint read on the terminal must match; the passphrase is needed).
    const request = join(dir, 'signing-request.json');
    const cert = join(base, 'cert.json');
    await fails('IDENTITY_PASSPHRASE_REQUIRED', 'root', 'sign-request', request, '--data', rootDir, '--out', cert);
    await fails('IDENTITY_BAD_SIGNING_FILE', 'root', 'sign-request', request, '--data', rootDir, '--out', cert, '--passphrase-file', pass, '--fingerprint', '00000 00000 00000 00000 00000 00000');
    const signOut = await run('root', 'sign-request', request, '--data', rootDir, '--out', cert, '--passphrase-file', pass, '--fingerprint', fp!);
    expect(signOut).toContain(fp!);

    // Terminal installs it and is complete; its root key is offline.
    await run('cert', 'install', cert, '--data', dir);
    const identity = await loadTerminalIdentity(dir);
    expect(identity.offlineRoot).toBe(true);
    expect(identity.config.party.key).toBe(identity.party);
    expect(identity.certificate.notAfter).toBe(T0 + 365 * DAY);
    await expect(identity.loadRootSigner('anything')).rejects.toMatchObject({ code: 'IDENTITY_ROOT_OFFLINE' });
    await expect(reissueCard(identity, { now })).rejects.toMatchObject({ code: 'IDENTITY_ROOT_OFFLINE' });
    expect(checkPartyCard(identity.card)).toBeUndefined();
    const registry = new KeyRegistry();
    expect(registry.addCard(identity.card)).toBeUndefined();
    expect(registry.check(identity.party, identity.terminalSigner.publicKey, now).ok).toBe(true);
    // The card is exported like any other.
    await run('card', 'export', '--data', dir);
    expect((JSON.parse(out.join('')) as PartyCard).party).toBe(identity.party);

    // Renewal, eleven months later: same keys, a new certificate, the old one kept in the card.
    now = T0 + 330 * DAY;
    const renewOut = await run('cert', 'request', '--data', dir, '--out', join(base, 'renew.json'));
    const fp2 = fingerprintIn(renewOut)!;
    expect(fp2).not.toBe(fp);
    await run('root', 'sign-request', join(base, 'renew.json'), '--data', rootDir, '--out', join(base, 'cert2.json'), '--passphrase-file', pass, '--fingerprint', fp2);
    // An old answer cannot be installed over the newer card later; the new one can.
    await run('cert', 'install', join(base, 'cert2.json'), '--data', dir);
    await fails('IDENTITY_CERT_MISMATCH', 'cert', 'install', cert, '--data', dir);
    const renewed = await loadTerminalIdentity(dir);
    expect(renewed.card.terminals).toHaveLength(2);
    expect(renewed.certificate.notAfter).toBe(T0 + 330 * DAY + 365 * DAY);
    expect(renewed.card.issued).toBeGreaterThan(identity.card.issued);
  });

  it('refuses a tampered request, a request of another party, a card for other keys, and a key file readable by others', async () => {
    const rootDir = join(base, 'root');
    const us = join(base, 'us');
    const cn = join(base, 'cn');
    await run('root', 'init', '--party', 'US', '--name', 'United States', '--data', rootDir);
    expect(err.join('')).toMatch(/unencrypted/);
    await run('init', '--offline-root', '--party', 'US', '--name', 'United States', '--data', us);
    await run('init', '--offline-root', '--party', 'CN', '--name', 'China', '--data', cn);
    const req = join(us, 'signing-request.json');

    // Tampered in transit: the TLS key swapped for an attacker's.
    const tampered = JSON.parse(await readFile(req, 'utf8')) as Record<string, unknown>;
    tampered.tls = 'ab'.repeat(32);
    await writeFile(join(base, 'tampered.json'), JSON.stringify(tampered));
    const e = await fails('IDENTITY_BAD_SIGNING_FILE', 'root', 'sign-request', join(base, 'tampered.json'), '--data', rootDir, '--out', join(base, 'x.json'));
    expect(e.message).toMatch(/signature/);
    await writeFile(join(base, 'junk.json'), '{"type":"nope"}');
    await fails('IDENTITY_BAD_SIGNING_FILE', 'root', 'sign-request', join(base, 'junk.json'), '--data', rootDir, '--out', join(base, 'x.json'));
    // A CN terminal's request at the US root.
    await fails('IDENTITY_BAD_SIGNING_FILE', 'root', 'sign-request', join(cn, 'signing-request.json'), '--data', rootDir, '--out', join(base, 'x.json'));

    // The answer to US's request installed on another US terminal: wrong keys.
    await run('root', 'sign-request', req, '--data', rootDir, '--out', join(base, 'us-cert.json'));
    const other = join(base, 'us2');
    await run('init', '--offline-root', '--party', 'US', '--name', 'United States', '--data', other);
    await fails('IDENTITY_CERT_MISMATCH', 'cert', 'install', join(base, 'us-cert.json'), '--data', other);
    await fails('IDENTITY_CERT_MISMATCH', 'cert', 'install', join(base, 'us-cert.json'), '--data', cn);
    // A card whose signature was altered.
    const signed = JSON.parse(await readFile(join(base, 'us-cert.json'), 'utf8')) as SignedCertificate;
    const forged = { ...signed, card: { ...signed.card, endpoints: ['https://evil.example:7443'] } };
    await writeFile(join(base, 'forged.json'), JSON.stringify(forged));
    await fails('IDENTITY_BAD_SIGNING_FILE', 'cert', 'install', join(base, 'forged.json'), '--data', us);
    // An expired certificate.
    now = T0 + 400 * DAY;
    await fails('IDENTITY_CERT_MISMATCH', 'cert', 'install', join(base, 'us-cert.json'), '--data', us);
    now = T0;
    await run('cert', 'install', join(base, 'us-cert.json'), '--data', us);

    // Key files readable by others are refused, on the root machine and on the terminal.
    await chmod(join(rootDir, 'root.json'), 0o644);
    await fails('IDENTITY_KEY_PERMISSIONS', 'root', 'sign-request', req, '--data', rootDir, '--out', join(base, 'y.json'));
    await chmod(join(us, 'keys', 'terminal.json'), 0o640);
    await expect(loadTerminalIdentity(us)).rejects.toMatchObject({ code: 'IDENTITY_KEY_PERMISSIONS' });
  });
});
