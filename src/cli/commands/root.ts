/**
 * The offline root machine (src/terminal/identity/offline-root.ts):
 *   `hotline root init`          creates a root directory holding only the party's root key;
 *   `hotline root sign-request`  answers a terminal's signing request with a terminal
 *                                certificate and the party card.
 */
import { hotlineCommand } from '../hint.js';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
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
      io.stdout(
        [
          `Signed the request of a ${request.code} terminal (request fingerprint ${requestFingerprint(request)}).`,
          `  Certificate valid:  ${new Date(signed.certificate.notBefore).toISOString()} to ${new Date(signed.certificate.notAfter).toISOString()}`,
          `  Card:               ${signed.card.terminals.length} terminal certificate(s), endpoints ${signed.card.endpoints.join(', ')}`,
          `  Written to:         ${opts.out}`,
          '',
          `Carry it to the terminal and run: hotline cert install ${opts.out} --data DIR`,
          '',
        ].join('\n'),
      );
      if (opts.fingerprint === undefined)
        io.stderr(`Compare the request fingerprint ${requestFingerprint(request)} with the one the terminal printed; if they differ, do not install the answer.\n`);
    });
}
