/**
 * The offline root machine (src/terminal/identity/offline-root.ts):
 *   `hotline root init`          creates a root directory holding only the party's root key;
 *   `hotline root sign-request`  answers a terminal's signing request with a terminal
 *                                certificate and the party card;
 *   `hotline root revoke`        signs a revocation of a terminal key, for `hotline key revoke --file`.
 */
import { hotlineCommand } from '../hint.js';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { cliError } from '../errors.js';
import { repeated, textsByLanguage } from '../lang-text.js';
import { loadTerminal } from '../lazy.js';
import { defaultIo, type CommandIo } from './init.js';

interface RootInitOptions {
  party: string;
  name: string[];
  nameZh?: string;
  data: string;
  passphraseFile?: string;
  passphraseEnv?: string;
}

interface SignOptions {
  data: string;
  out: string;
  fingerprint?: string;
  days?: string;
  passphraseFile?: string;
  passphraseEnv?: string;
}

interface RevokeOptions {
  data: string;
  out: string;
  reason: string;
  from?: string;
  passphraseFile?: string;
  passphraseEnv?: string;
}

/** --from: ISO 8601 or milliseconds; default now (as `hotline key revoke`). */
function revokedFrom(value: string | undefined, now: number): number {
  if (value === undefined) return now;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(t) || t < 0) throw cliError('CLI_USER_ERROR', { detail: `--from must be a time (ISO 8601 such as 2026-12-04T00:00:00Z, or milliseconds), not "${value}". Nothing was revoked.` });
  return t;
}

async function readJson(file: string, what: string): Promise<unknown> {
  const { IdentityError } = await loadTerminal();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IdentityError('IDENTITY_IO', { action: 'read', file, detail: (error as Error).message }, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new IdentityError('IDENTITY_BAD_SIGNING_FILE', { file, what, detail: 'it is not JSON' });
  }
}

export function register(program: Command, io: CommandIo = defaultIo): void {
  const root = program.command('root').description('the offline root machine: hold the root key, sign terminal requests');

  root
    .command('init')
    .description('create a root directory holding only the party root key (keep this machine offline)')
    .requiredOption('--party <code>', 'party code, e.g. US')
    .requiredOption('--name <name>', 'party name, as LANG=TEXT for each language (repeat); a name without LANG= is English', repeated)
    .addOption(new Option('--name-zh <name>', 'party name in Chinese (same as --name zh=NAME)').hideHelp())
    .requiredOption('--data <dir>', 'root directory')
    .option('--passphrase-file <file>', 'seal the root key with the passphrase in this file')
    .option('--passphrase-env <var>', 'seal the root key with the passphrase in this environment variable')
    .action(async (opts: RootInitOptions) => {
      const { initRootDir, readPassphrase } = await loadTerminal();
      const passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
      const names = textsByLanguage('--name', opts.name, { zh: opts.nameZh });
      const r = await initRootDir({ dir: opts.data, code: opts.party, names, passphrase, kdfCost: io.kdfCost });
      io.stdout(
        [
          `Created the root key of party ${opts.party.toUpperCase()} in ${r.dir}.`,
          `  Root-key fingerprint:  ${r.fingerprint}`,
          `  Root key:              ${r.encrypted ? 'sealed with your passphrase' : 'NOT encrypted (no passphrase given)'}`,
          '',
          'Next: on each terminal run `npx hotline init --offline-root ...`, carry its signing-request.json here and run',
          `  ${hotlineCommand('root sign-request REQUEST', opts.data)} --out CERT`,
          '',
        ].join('\n'),
      );
      if (!r.encrypted) io.stderr('warning: the root key is stored unencrypted; use --passphrase-file or --passphrase-env to seal it.\n');
    });

  root
    .command('sign-request')
    .description("answer a terminal's signing request: a terminal certificate and the party card")
    .argument('<request>', 'the signing-request.json carried from the terminal')
    .requiredOption('--data <dir>', 'root directory (made by `hotline root init`)')
    .requiredOption('--out <file>', 'where to write the answer, to carry back to the terminal')
    .option('--fingerprint <digits>', 'the request fingerprint read on the terminal; refuse to sign if it differs')
    .option('--days <n>', 'validity of the certificate in days (default 365)')
    .option('--passphrase-file <file>', 'file holding the root key passphrase')
    .option('--passphrase-env <var>', 'environment variable holding the root key passphrase')
    .action(async (requestFile: string, opts: SignOptions) => {
      const { checkSigningRequest, IdentityError, jsonText, readPassphrase, requestFingerprint, signRequest, writeFileAtomic } = await loadTerminal();
      const passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
      const value = await readJson(requestFile, 'signing request');
      const request = checkSigningRequest(value, requestFile);
      let validityMs: number | undefined;
      if (opts.days !== undefined) {
        const days = Number(opts.days);
        if (!/^\d+$/.test(opts.days) || days < 1 || days > 3650)
          throw new IdentityError('IDENTITY_BAD_INPUT', { detail: `--days must be a whole number of days from 1 to 3650, got ${opts.days}` });
        validityMs = days * 86_400_000;
      }
      const signed = await signRequest({ rootDir: opts.data, request: value, requestFile, passphrase, expectedFingerprint: opts.fingerprint, now: io.now(), validityMs });
      await writeFileAtomic(opts.out, jsonText(signed), 0o644);
      // Another key certified with the same TLS key: the terminal rotates its key (`hotline key rotate --request-out`).
      const now = signed.certificate.notBefore;
      const rotates = signed.card.terminals.filter((c) => c.tls === request.tls && c.key !== request.key && c.notBefore <= now && c.notAfter > now).at(-1);
      io.stdout(
        [
          `Signed the request of a ${request.code} terminal (request fingerprint ${requestFingerprint(request)}).`,
          `  Certificate valid:  ${new Date(signed.certificate.notBefore).toISOString()} to ${new Date(signed.certificate.notAfter).toISOString()}`,
          `  Card:               ${signed.card.terminals.length} terminal certificate(s), endpoints ${signed.card.endpoints.join(', ')}`,
          `  Written to:         ${opts.out}`,
          ...(rotates ? [`  Key rotation:       a new signing key for the terminal that signs with ${rotates.key.slice(0, 16)}… (the card keeps both)`] : []),
          '',
          rotates
            ? `Carry it to the terminal and run, with the terminal running: hotline key rotate --install ${opts.out} --data DIR`
            : `Carry it to the terminal and run: hotline cert install ${opts.out} --data DIR`,
          '',
        ].join('\n'),
      );
      if (opts.fingerprint === undefined)
        io.stderr(`Compare the request fingerprint ${requestFingerprint(request)} with the one the terminal printed; if they differ, do not install the answer.\n`);
    });

  registerRevoke(root, io);
}

function registerRevoke(root: Command, io: CommandIo): void {
  root
    .command('revoke')
    .description("sign a revocation of one of the party's terminal keys, to carry to a terminal (`hotline key revoke --file`)")
    .argument('<key>', 'the terminal key to revoke (base64url, as in the card or the certificate)')
    .requiredOption('--reason <text>', 'why (published in every channel)')
    .option('--from <time>', 'entries signed with the key from this time on are invalid (ISO 8601 or ms; default now)')
    .requiredOption('--out <file>', 'where to write the signed revocation, to carry to the terminal')
    .requiredOption('--data <dir>', 'root directory (made by `hotline root init`)')
    .option('--passphrase-file <file>', 'file holding the root key passphrase')
    .option('--passphrase-env <var>', 'environment variable holding the root key passphrase')
    .action(async (key: string, opts: RevokeOptions) => {
      const { jsonText, readPassphrase, revokeWithRoot, writeFileAtomic } = await loadTerminal();
      const passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
      const now = io.now();
      const r = await revokeWithRoot({ rootDir: opts.data, key, from: revokedFrom(opts.from, now), reason: opts.reason, passphrase, now });
      await writeFileAtomic(opts.out, jsonText(r.revocation), 0o644);
      io.stdout(
        [
          `Signed a revocation of terminal key ${key.slice(0, 16)}… from ${new Date(r.revocation.from).toISOString()}.`,
          `  Written to:  ${opts.out}`,
          r.card
            ? `  Party card:  re-signed with the revocation (${r.cardPath}); every card this root issues from now on carries it`
            : '  Party card:  none issued yet from this root directory',
          '',
          `Carry ${opts.out} to a terminal of the party and run: hotline key revoke --file ${opts.out} --data DIR`,
          ...(r.card ? [`Send the re-signed card ${r.cardPath} to each peer (\`hotline peer add CARD\`), so they stop pinning that terminal.`] : []),
          '',
        ].join('\n'),
      );
      if (!r.certified) io.stderr(`warning: no certificate of the root's last card names the key ${key.slice(0, 16)}…: check that it is the key you meant to revoke.\n`);
    });
}
