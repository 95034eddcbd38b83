import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPartyCard, fingerprint, KeyRegistry, type PartyCard } from '../../src/protocol/index.js';
import { spkiFingerprintOfCert } from '../../src/terminal/tls/tls-identity.js';
import {
  IDENTITY_LAYOUT,
  IdentityError,
  initTerminal,
  loadTerminalIdentity,
  readPassphrase,
  reissueCard,
  TERMINAL_CERT_VALIDITY_MS,
  type InitTerminalOptions,
} from '../../src/terminal/identity/index.js';
import { register as registerInit } from '../../src/cli/commands/init.js';
import { register as registerCard } from '../../src/cli/commands/card.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const LOW_COST = 10; // scrypt N = 2^10 in tests; the default is 2^17

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hotline-identity-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function options(extra: Partial<InitTerminalOptions> = {}): InitTerminalOptions {
  return {
    dir: join(base, 'us'),
    code: 'US',
    names: { en: 'United States', zh: '美国' },
    now: NOW,
    kdfCost: LOW_COST,
    ...extra,
  };
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<IdentityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdentityError);
  expect((error as IdentityError).code).toBe(code);
  return error as IdentityError;
}

/** Every file under `dir` with the SHA-256 of its bytes and its mode. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const m = await mode(path);
    out[path] = entry.isFile()
      ? `${m.toString(8)} ${createHash('sha256')
          .update(await readFile(path))
          .digest('hex')}`
      : `${m.toString(8)} dir`;
  }
  return out;
}

describe('initTerminal', () => {
  it('creates the data directory with private keys and a public card', async () => {
    const identity = await initTerminal(options());
    const dir = identity.dir;
    expect((await readdir(dir)).sort()).toEqual(['card.json', 'config.json', 'keys']);
    expect((await readdir(join(dir, 'keys'))).sort()).toEqual([
      'root.json',
      'terminal.json',
      'tls.crt',
      'tls.key',
    ]);
    if (process.platform !== 'win32') {
      expect(await mode(dir)).toBe(0o700);
      expect(await mode(join(dir, 'keys'))).toBe(0o700);
      for (const f of [
        IDENTITY_LAYOUT.rootKey,
        IDENTITY_LAYOUT.terminalKey,
        IDENTITY_LAYOUT.tlsKey,
        IDENTITY_LAYOUT.tlsCert,
        IDENTITY_LAYOUT.config,
      ])
        expect(await mode(join(dir, f)), f).toBe(0o600);
    }
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      version: 1,
      party: { code: 'US', names: { en: 'United States', zh: '美国' }, key: identity.party },
      officer: { host: '127.0.0.1', port: 7080 },
      federation: { host: '127.0.0.1', port: 7443, endpoints: ['https://127.0.0.1:7443'] },
      database: { kind: 'sqlite', path: 'hotline.db' },
    });
    expect(identity.database).toEqual({ kind: 'sqlite', path: join(dir, 'hotline.db') });
    const root = JSON.parse(await readFile(join(dir, IDENTITY_LAYOUT.rootKey), 'utf8'));
    expect(root).toMatchObject({ purpose: 'root', encryption: 'none', publicKey: identity.party });
    expect(identity.rootKeyEncrypted).toBe(false);
    expect((await identity.loadRootSigner()).publicKey).toBe(identity.party);
  });

  it('signs a card that verifies and certifies the terminal key and the TLS key for one year', async () => {
    const identity = await initTerminal(
      options({ endpoints: ['https://hotline.state.example:443', 'wss://backup.example:7443'] }),
    );
    const card = JSON.parse(await readFile(join(identity.dir, 'card.json'), 'utf8')) as PartyCard;
    expect(checkPartyCard(card)).toBeUndefined();
    expect(card).toEqual(identity.card);
    expect(card.party).toBe(identity.party);
    expect(card.code).toBe('US');
    expect(card.endpoints).toEqual(['https://hotline.state.example:443', 'wss://backup.example:7443']);
    expect(card.terminals).toHaveLength(1);
    const cert = card.terminals[0]!;
    expect(cert.key).toBe(identity.terminalSigner.publicKey);
    expect(cert.tls).toBe(
      spkiFingerprintOfCert(await readFile(join(identity.dir, IDENTITY_LAYOUT.tlsCert), 'utf8')),
    );
    expect(cert.tls).toBe(identity.tls.spkiFingerprint);
    expect(cert.notBefore).toBe(NOW);
    expect(cert.notAfter).toBe(NOW + TERMINAL_CERT_VALIDITY_MS);
    // A peer that holds the card accepts entries signed by the terminal key during that year.
    const registry = new KeyRegistry();
    expect(registry.addCard(card)).toBeUndefined();
    expect(registry.check(identity.party, identity.terminalSigner.publicKey, NOW + 1000).ok).toBe(true);
    expect(identity.fingerprint).toBe(fingerprint(identity.party));
    expect(identity.fingerprint).toMatch(/^\d{5}( \d{5}){5}$/);
  });

  it('refuses to overwrite an existing identity and leaves its files byte-identical', async () => {
    const first = await initTerminal(options());
    const before = await snapshot(first.dir);
    const error = await expectCode(
      initTerminal(options({ code: 'CN', names: { en: 'China' } })),
      'IDENTITY_EXISTS',
    );
    expect(error.message).toContain(first.dir);
    expect(error.message).toMatch(/--data/);
    expect(error.message).toMatch(/remove .*deliberately/);
    expect(await snapshot(first.dir)).toEqual(before);
    expect((await loadTerminalIdentity(first.dir)).party).toBe(first.party);
  });

  it('refuses a directory that holds only part of an identity, without touching it', async () => {
    const dir = join(base, 'partial');
    await mkdir(join(dir, 'keys'), { recursive: true });
    await writeFile(join(dir, 'keys', 'root.json'), 'precious');
    await expectCode(initTerminal(options({ dir })), 'IDENTITY_EXISTS');
    expect(await readFile(join(dir, 'keys', 'root.json'), 'utf8')).toBe('precious');
    await expectCode(loadTerminalIdentity(dir), 'IDENTITY_INCOMPLETE');
  });

  it('names a party in any languages, English not required', async () => {
    const identity = await initTerminal(options({ code: 'RU', names: { ru: 'Российская Федерация' } }));
    const card = JSON.parse(await readFile(join(identity.dir, 'card.json'), 'utf8')) as { names: Record<string, string> };
    expect(card.names).toEqual({ ru: 'Российская Федерация' });
  });

  it('accepts an existing empty directory and leaves no staging files behind', async () => {
    const dir = join(base, 'empty');
    await mkdir(dir);
    const identity = await initTerminal(options({ dir }));
    expect((await readdir(identity.dir)).sort()).toEqual(['card.json', 'config.json', 'keys']);
  });

  it('rejects bad input with a message naming the problem and writes nothing', async () => {
    await expectCode(initTerminal(options({ code: 'united states' })), 'IDENTITY_BAD_INPUT');
    await expectCode(initTerminal(options({ names: {} })), 'IDENTITY_BAD_INPUT');
    await expectCode(initTerminal(options({ names: { 'not a tag': 'X' } })), 'IDENTITY_BAD_INPUT');
    await expectCode(initTerminal(options({ endpoints: ['http://plain.example'] })), 'IDENTITY_BAD_INPUT');
    await expectCode(initTerminal(options({ federationPort: 70000 })), 'IDENTITY_BAD_INPUT');
    await expect(stat(join(base, 'us'))).rejects.toThrow();
  });

  it('stores a PostgreSQL database and custom listeners in config.json', async () => {
    const identity = await initTerminal(
      options({
        host: '0.0.0.0',
        officerHost: '127.0.0.2',
        officerPort: 9080,
        federationPort: 9443,
        database: {
          kind: 'postgres',
          connectionString: 'postgres://hotline@db.example/hotline',
          schema: 'us',
        },
      }),
    );
    const loaded = await loadTerminalIdentity(identity.dir);
    expect(loaded.config.officer).toEqual({ host: '127.0.0.2', port: 9080 });
    expect(loaded.config.federation.endpoints).toEqual(['https://0.0.0.0:9443']);
    expect(loaded.database).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://hotline@db.example/hotline',
      schema: 'us',
    });
  });
});

describe('loadTerminalIdentity', () => {
  it('round-trips what init created', async () => {
    const created = await initTerminal(options());
    const loaded = await loadTerminalIdentity(created.dir);
    expect(loaded.dir).toBe(created.dir);
    expect(loaded.config).toEqual(created.config);
    expect(loaded.card).toEqual(created.card);
    expect(loaded.party).toBe(created.party);
    expect(loaded.fingerprint).toBe(created.fingerprint);
    expect(loaded.terminalSigner.publicKey).toBe(created.terminalSigner.publicKey);
    expect(loaded.terminalSigner.exportSeed()).toBe(created.terminalSigner.exportSeed());
    expect(loaded.tls).toEqual(created.tls);
    expect(loaded.certificate).toEqual(created.card.terminals[0]);
    expect((await loaded.loadRootSigner()).publicKey).toBe(created.party);
  });

  it('says to run init when the directory is missing', async () => {
    const dir = join(base, 'nowhere');
    const error = await expectCode(loadTerminalIdentity(dir), 'IDENTITY_NOT_FOUND');
    expect(error.message).toContain('hotline init --party XX --name');
    expect(error.message).toContain(dir);
  });

  it.skipIf(process.platform === 'win32')('refuses a key file that others can read', async () => {
    const identity = await initTerminal(options());
    for (const file of [IDENTITY_LAYOUT.rootKey, IDENTITY_LAYOUT.terminalKey, IDENTITY_LAYOUT.tlsKey]) {
      const path = join(identity.dir, file);
      await chmod(path, 0o644);
      const error = await expectCode(loadTerminalIdentity(identity.dir), 'IDENTITY_KEY_PERMISSIONS');
      expect(error.message).toContain(`chmod 600 ${path}`);
      await chmod(path, 0o600);
    }
    await expect(loadTerminalIdentity(identity.dir)).resolves.toBeDefined();
  });

  it('refuses files that do not belong together', async () => {
    const us = await initTerminal(options());
    const cn = await initTerminal(options({ dir: join(base, 'cn'), code: 'CN', names: { en: 'China' } }));
    await writeFile(join(us.dir, 'card.json'), await readFile(join(cn.dir, 'card.json')));
    await expectCode(loadTerminalIdentity(us.dir), 'IDENTITY_MISMATCH');
  });

  it('refuses a tampered card', async () => {
    const identity = await initTerminal(options());
    const card = { ...identity.card, endpoints: ['https://attacker.example'] };
    await writeFile(join(identity.dir, 'card.json'), JSON.stringify(card));
    const error = await expectCode(loadTerminalIdentity(identity.dir), 'IDENTITY_CORRUPT');
    expect(error.message).toContain('card.json');
  });
});

describe('passphrase-sealed root key', () => {
  it('opens with the right passphrase, refuses a wrong one, and does not store the seed', async () => {
    const identity = await initTerminal(options({ passphrase: 'correct horse battery staple' }));
    expect(identity.rootKeyEncrypted).toBe(true);
    const text = await readFile(join(identity.dir, IDENTITY_LAYOUT.rootKey), 'utf8');
    const file = JSON.parse(text);
    expect(file).toMatchObject({
      encryption: 'scrypt-aes-256-gcm',
      kdf: { name: 'scrypt', N: 2 ** LOW_COST, r: 8, p: 1, dkLen: 32 },
      cipher: { name: 'aes-256-gcm' },
    });
    expect(file.seed).toBeUndefined();

    const root = await identity.loadRootSigner();
    expect(root.publicKey).toBe(identity.party);
    const seed = root.exportSeed();
    expect(text).not.toContain(seed);
    expect(text).not.toContain(Buffer.from(seed, 'base64url').toString('hex'));
    expect(text).not.toContain(Buffer.from(seed, 'base64url').toString('base64'));

    await expectCode(
      loadTerminalIdentity(identity.dir, { passphrase: 'wrong horse' }),
      'IDENTITY_BAD_PASSPHRASE',
    );
    const loaded = await loadTerminalIdentity(identity.dir, { passphrase: 'correct horse battery staple' });
    expect((await loaded.loadRootSigner()).exportSeed()).toBe(seed);
    // Without a passphrase the terminal still loads (it runs on its terminal key); the root does not open.
    const unattended = await loadTerminalIdentity(identity.dir);
    await expectCode(unattended.loadRootSigner(), 'IDENTITY_PASSPHRASE_REQUIRED');
    await expectCode(unattended.loadRootSigner('wrong horse'), 'IDENTITY_BAD_PASSPHRASE');
  });

  it('defaults to scrypt N = 2^17', async () => {
    const identity = await initTerminal(options({ passphrase: 'pass', kdfCost: undefined }));
    const file = JSON.parse(await readFile(join(identity.dir, IDENTITY_LAYOUT.rootKey), 'utf8'));
    expect(file.kdf.N).toBe(2 ** 17);
  });

  it('reads a passphrase from a file or the environment', async () => {
    const file = join(base, 'pass.txt');
    await writeFile(file, 'secret words\n');
    expect(await readPassphrase({ file })).toBe('secret words');
    expect(await readPassphrase({ env: 'HOTLINE_PASS' }, { HOTLINE_PASS: 'from env' })).toBe('from env');
    expect(await readPassphrase({})).toBeUndefined();
    await expectCode(readPassphrase({ env: 'HOTLINE_PASS' }, {}), 'IDENTITY_PASSPHRASE_SOURCE');
    await expectCode(readPassphrase({ file, env: 'X' }), 'IDENTITY_PASSPHRASE_SOURCE');
  });
});

describe('reissueCard', () => {
  it('re-signs the card with new endpoints, dated after the old one, and saves it', async () => {
    const identity = await initTerminal(options({ passphrase: 'pw' }));
    await expectCode(
      reissueCard(await loadTerminalIdentity(identity.dir), { now: NOW, endpoints: ['https://new.example'] }),
      'IDENTITY_PASSPHRASE_REQUIRED',
    );
    const updated = await reissueCard(await loadTerminalIdentity(identity.dir), {
      now: NOW - 5000, // a clock that went backwards still yields a newer card
      endpoints: ['https://new.example:7443'],
      passphrase: 'pw',
      renewCertificate: true,
    });
    expect(checkPartyCard(updated.card)).toBeUndefined();
    expect(updated.card.issued).toBe(NOW + 1);
    expect(updated.card.endpoints).toEqual(['https://new.example:7443']);
    expect(updated.card.terminals).toHaveLength(2);
    const loaded = await loadTerminalIdentity(identity.dir);
    expect(loaded.card).toEqual(updated.card);
    expect(loaded.config.federation.endpoints).toEqual(['https://new.example:7443']);
    expect(loaded.party).toBe(identity.party);
  });
});

describe('CLI: hotline init and hotline card export', () => {
  function cli(): { program: Command; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command().exitOverride();
    const io = {
      stdout: (s: string) => out.push(s),
      stderr: (s: string) => err.push(s),
      now: () => NOW,
      kdfCost: LOW_COST,
    };
    registerInit(program, io);
    registerCard(program, io);
    return { program, out, err };
  }

  it('initialises, prints the fingerprint, and exports the card', async () => {
    const dir = join(base, 'cli');
    const pass = join(base, 'pass');
    await writeFile(pass, 'pw\n');
    const init = cli();
    await init.program.parseAsync(
      [
        'init',
        '--party',
        'us',
        '--name',
        'United States',
        '--name-zh',
        '美国',
        '--data',
        dir,
        '--endpoint',
        'https://a.example',
        '--endpoint',
        'https://b.example',
        '--passphrase-file',
        pass,
      ],
      { from: 'user' },
    );
    const identity = await loadTerminalIdentity(dir, { passphrase: 'pw' });
    const printed = init.out.join('');
    expect(printed).toContain('US');
    expect(printed).toContain(identity.fingerprint);
    expect(printed).toContain(identity.dir);
    expect(identity.card.names).toEqual({ en: 'United States', zh: '美国' });
    expect(identity.card.endpoints).toEqual(['https://a.example', 'https://b.example']);
    expect(init.err.join('')).not.toContain('no other machine can reach');

    const exp = cli();
    await exp.program.parseAsync(['card', 'export', '--data', dir], { from: 'user' });
    expect(JSON.parse(exp.out.join(''))).toEqual(identity.card);
    expect(exp.err.join('')).toContain(identity.fingerprint);

    const toFile = cli();
    const out = join(base, 'us-card.json');
    await toFile.program.parseAsync(['card', 'export', '--data', dir, '--out', out], { from: 'user' });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(identity.card);

    // Without --endpoint the card names the listening address: a wildcard reaches nobody, and init says so.
    const wild = cli();
    await wild.program.parseAsync(['init', '--party', 'ZZ', '--name', 'Zulu', '--data', join(base, 'wild'), '--host', '0.0.0.0'], { from: 'user' });
    expect(wild.err.join('')).toContain('warning: the card tells peers to dial https://0.0.0.0:7443, which no other machine can reach');

    const again = cli();
    await expect(
      again.program.parseAsync(['init', '--party', 'US', '--name', 'X', '--data', dir], { from: 'user' }),
    ).rejects.toMatchObject({
      code: 'IDENTITY_EXISTS',
    });
  });
});
