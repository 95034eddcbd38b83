/**
 * `hotline key revoke KEY`: revokes one of this party's terminal keys (a retired or lost
 * terminal's) and writes the revocation into every open channel's record as a `key.revoke` entry
 * (docs/protocol.md §3.5). The revocation is signed by the party's root key: here, when the root
 * key is on this terminal; with `--file`, one signed elsewhere (the offline root machine).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { KeyRevocation } from '../../protocol/index.js';
import { cliError } from '../errors.js';
import { loadProtocol, loadTerminal, officerClient } from '../lazy.js';
import { revocationFileNote, revocationOnCard } from './key-card.js';
import { installRotation, reportRotation, requestRotation, type RotateResult } from './key-rotate-offline.js';
import { DEFAULT_DATA_DIR } from './init.js';

interface RevokeOptions {
  reason?: string;
  from?: string;
  file?: string;
  passphraseFile?: string;
  passphraseEnv?: string;
  data: string;
}

function parseFrom(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(t) || t < 0) throw cliError('CLI_USER_ERROR', { detail: `--from must be a time (ISO 8601 such as 2026-12-04T00:00:00Z, or milliseconds), not "${value}". Nothing was revoked.` });
  return t;
}

interface RotateOptions {
  requestOut?: string;
  install?: string;
  passphraseFile?: string;
  passphraseEnv?: string;
  data: string;
}

/**
 * `hotline key rotate`: a new terminal key, certified by the root key in a reissued card, published
 * by the running terminal in every channel (key.rotate, signed with the current key), then used
 * (src/terminal/identity/key-rotation.ts says in which order, and why a crash is harmless). With the
 * root key offline, the certificate comes from the root machine: --request-out, then --install.
 */
async function rotate(opts: RotateOptions): Promise<void> {
  if (opts.requestOut !== undefined && opts.install !== undefined)
    throw cliError('CLI_USAGE', { detail: 'give --request-out (write the request) or --install (install the signed answer), one at a time', command: 'key rotate ' });
  if (opts.requestOut !== undefined) return requestRotation(opts.requestOut, opts.data, Date.now());
  if (opts.install !== undefined) return installRotation(opts.install, opts.data, Date.now());
  const { IdentityError, loadTerminalIdentity, readPassphrase, stageKeyRotation } = await loadTerminal();
  const passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
  const identity = await loadTerminalIdentity(opts.data, { passphrase });
  if (identity.offlineRoot) throw new IdentityError('IDENTITY_ROTATE_OFFLINE_ROOT', { dir: identity.dir });
  // The running terminal writes the entries: it must answer before anything is staged.
  const client = await officerClient(opts.data);
  await client.call('GET', '/api/v1/card');
  const staged = await stageKeyRotation(identity, { passphrase, now: Date.now() });
  const r = await client.call<RotateResult>('POST', '/api/v1/keys/rotations', { cert: staged.certificate });
  reportRotation(r, staged.resumed, opts.data);
}

export function register(program: Command): void {
  const key = program.command('key').description("this party's terminal keys");
  key
    .command('rotate')
    .description('switch this terminal to a new signing key, published in every channel (root key offline: --request-out, then --install)')
    .option('--request-out <file>', 'root key offline: stage the new key and write its signing request to this file, for `hotline root sign-request`')
    .option('--install <signed>', "root key offline: install the root machine's answer and switch (the terminal must be running)")
    .option('--passphrase-file <file>', 'file holding the root key passphrase')
    .option('--passphrase-env <var>', 'environment variable holding the root key passphrase')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(rotate);
  key
    .command('revoke')
    .description("revoke a terminal key of this party and write the revocation into every open channel's record")
    .argument('[key]', 'the terminal key to revoke (base64url), unless --file gives a signed revocation')
    .option('--reason <text>', 'why (published in every channel)')
    .option('--from <time>', 'entries signed with the key from this time on are invalid (ISO 8601 or ms; default now)')
    .option('--file <revocation.json>', 'a revocation signed on the offline root machine instead')
    .option('--passphrase-file <file>', 'file holding the root key passphrase')
    .option('--passphrase-env <var>', 'environment variable holding the root key passphrase')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (target: string | undefined, opts: RevokeOptions) => {
      let revocation: KeyRevocation;
      let passphrase: string | undefined;
      if (opts.file !== undefined) {
        try {
          revocation = JSON.parse(await readFile(opts.file, 'utf8')) as KeyRevocation;
        } catch (e) {
          throw cliError('CLI_USER_ERROR', { detail: `${opts.file} is not a revocation file (${(e as Error).message}). Nothing was revoked.` });
        }
      } else {
        if (!target || !opts.reason) throw cliError('CLI_USAGE', { detail: 'give the key to revoke and --reason (or --file with a signed revocation)', command: 'key revoke ' });
        const [{ loadTerminalIdentity, readPassphrase }, { issueRevocation }] = await Promise.all([loadTerminal(), loadProtocol()]);
        passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
        const identity = await loadTerminalIdentity(opts.data, { passphrase });
        const root = await identity.loadRootSigner(passphrase);
        revocation = issueRevocation(root, { key: target, from: parseFrom(opts.from), reason: opts.reason });
      }
      const client = await officerClient(opts.data);
      const r = await client.call<{ key: string; from: number; entries: Array<{ channel: string; entry: string }> }>('POST', '/api/v1/keys/revocations', { revocation });
      process.stdout.write(`Key ${r.key.slice(0, 16)}… revoked from ${new Date(r.from).toISOString()}, written into ${r.entries.length} channel record${r.entries.length === 1 ? '' : 's'}:\n`);
      for (const e of r.entries) process.stdout.write(`  channel ${e.channel.slice(0, 12)}  entry ${e.entry}\n`);
      process.stdout.write(opts.file !== undefined ? await revocationFileNote(opts.data) : await revocationOnCard(opts.data, revocation, passphrase));
    });
}
