/**
 * Terminal certificates in offline-root mode (src/terminal/identity/offline-root.ts):
 *   `hotline cert install CERT`  installs the root's answer (completes or renews the terminal; an
 *                                answer certifying a staged key goes to `hotline key rotate --install`);
 *   `hotline cert request`       writes a new signing request for renewal.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadTerminal } from '../lazy.js';
import { hotlineCommand } from '../hint.js';
import { DEFAULT_DATA_DIR, defaultIo, type CommandIo } from './init.js';
import { certifiesStagedKey, installRotation } from './key-rotate-offline.js';

export function register(program: Command, io: CommandIo = defaultIo): void {
  const cert = program.command('cert').description("this terminal's certificate when the root key is kept offline");

  cert
    .command('install')
    .description('install the certificate and party card signed on the root machine')
    .argument('<cert>', 'the file written by `hotline root sign-request`')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (file: string, opts: { data: string }) => {
      const { IdentityError, installCertificate } = await loadTerminal();
      let value: unknown;
      try {
        value = JSON.parse(await readFile(file, 'utf8')) as unknown;
      } catch (error) {
        throw (error as NodeJS.ErrnoException).code
          ? new IdentityError('IDENTITY_IO', { action: 'read', file, detail: (error as Error).message }, { cause: error })
          : new IdentityError('IDENTITY_BAD_SIGNING_FILE', { file, what: 'signed certificate', detail: 'it is not JSON' });
      }
      // The answer to `hotline key rotate --request-out`: install it as a rotation (publish, then switch).
      if (await certifiesStagedKey(opts.data, value)) return installRotation(file, opts.data, io.now(), value);
      const identity = await installCertificate({ dir: opts.data, signed: value, file, now: io.now() });
      io.stdout(
        [
          `Installed the certificate of this ${identity.config.party.code} terminal, valid until ${new Date(identity.certificate.notAfter).toISOString()}.`,
          `  Root-key fingerprint:  ${identity.fingerprint}`,
          `  Root key:              offline (not on this machine)`,
          '',
          `Send the card to each peer: ${hotlineCommand('card export', opts.data)}`,
          `Start (or restart) the terminal: ${hotlineCommand('serve', opts.data)}`,
          '',
        ].join('\n'),
      );
    });

  cert
    .command('request')
    .description('write a new signing request (renewal) to carry to the root machine')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--out <file>', 'also write the request to this file')
    .action(async (opts: { data: string; out?: string }) => {
      const { jsonText, requestRenewal, writeFileAtomic } = await loadTerminal();
      const r = await requestRenewal(opts.data, io.now());
      if (opts.out !== undefined) await writeFileAtomic(opts.out, jsonText(r.request), 0o644);
      io.stdout(
        [
          `Wrote a signing request to ${opts.out ?? r.requestPath}.`,
          `  Request fingerprint:  ${r.fingerprint}`,
          '',
          'Carry it to the root machine and run: hotline root sign-request REQUEST --data ROOTDIR --out CERT',
          '',
        ].join('\n'),
      );
    });
}
