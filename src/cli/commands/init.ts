/**
 * `hotline init`: creates a terminal's identity (root key, terminal key, TLS key, party card and
 * config.json) in a data directory.
 */
import { DEFAULT_DATA_DIR, hotlineCommand } from '../hint.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { repeated, textsByLanguage } from '../lang-text.js';
import type { DatabaseConfig } from '../../terminal/index.js';
import { loadTerminal } from '../lazy.js';

/** Where a command writes and what time it is; tests substitute their own. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
  /** scrypt cost override (log2 N) for sealing keys; tests only. */
  kdfCost?: number | undefined;
}

export const defaultIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  now: () => Date.now(),
};

/** The default data directory of every command. */
export { DEFAULT_DATA_DIR };

/** commander parser of a TCP port. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535)
    throw new InvalidArgumentError('a port is a number from 1 to 65535.');
  return port;
}

/** commander parser of a whole number from `min` to `max`. */
export function parseWhole(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** commander collector of a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface InitOptions {
  party: string;
  name: string[];
  nameZh?: string;
  data: string;
  officerPort?: number;
  federationPort?: number;
  host?: string;
  officerHost?: string;
  endpoint: string[];
  passphraseFile?: string;
  passphraseEnv?: string;
  postgres?: string;
  postgresSchema?: string;
  offlineRoot?: boolean;
}

export function register(program: Command, io: CommandIo = defaultIo): void {
  program
    .command('init')
    .description("create this terminal's identity: root key, terminal key, TLS key and party card")
    .requiredOption('--party <code>', 'party code, e.g. US')
    .requiredOption('--name <name>', 'party name, as LANG=TEXT for each language (repeat), e.g. "United States" --name "zh=美国"; a name without LANG= is English', repeated)
    .addOption(new Option('--name-zh <name>', 'party name in Chinese (same as --name zh=NAME)').hideHelp())
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--officer-port <port>', 'officer API port (default 7080)', parsePort)
    .option('--federation-port <port>', 'federation API port (default 7443)', parsePort)
    .option('--host <host>', 'address the federation API listens on (default 127.0.0.1)')
    .option('--officer-host <host>', 'address the officer API listens on (default 127.0.0.1: keep it on loopback)')
    .option(
      '--endpoint <url>',
      'federation URL published in the party card (repeatable; default https://HOST:PORT)',
      collect,
      [],
    )
    .option('--passphrase-file <file>', 'seal the root key with the passphrase in this file')
    .option('--passphrase-env <var>', 'seal the root key with the passphrase in this environment variable')
    .option('--postgres <url>', 'keep data in PostgreSQL at this connection string instead of SQLite')
    .option('--postgres-schema <name>', 'PostgreSQL schema for the tables (with --postgres)')
    .option('--offline-root', 'keep the root key on another machine: write a signing request instead (see `hotline root`)')
    .action(async (opts: InitOptions) => {
      const { initOfflineTerminal, initTerminal, readPassphrase } = await loadTerminal();
      const passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
      const names = textsByLanguage('--name', opts.name, { zh: opts.nameZh });
      let database: DatabaseConfig | undefined;
      if (opts.postgres !== undefined) {
        database =
          opts.postgresSchema === undefined
            ? { kind: 'postgres', connectionString: opts.postgres }
            : { kind: 'postgres', connectionString: opts.postgres, schema: opts.postgresSchema };
      } else if (opts.postgresSchema !== undefined) {
        throw new InvalidArgumentError('--postgres-schema needs --postgres URL.');
      }
      const terminal = {
        dir: opts.data,
        code: opts.party,
        names,
        officerPort: opts.officerPort,
        federationPort: opts.federationPort,
        host: opts.host,
        officerHost: opts.officerHost,
        endpoints: opts.endpoint,
        database,
        now: io.now(),
      };
      if (opts.offlineRoot === true) {
        if (opts.passphraseFile !== undefined || opts.passphraseEnv !== undefined)
          throw new InvalidArgumentError('--offline-root keeps no root key here: give the passphrase to `hotline root init` on the root machine instead.');
        const r = await initOfflineTerminal(terminal);
        io.stdout(
          [
            `Created the keys of a ${r.request.code} terminal whose root key is kept offline.`,
            '',
            `  Data directory:        ${r.dir}`,
            `  Signing request:       ${r.requestPath}`,
            `  Request fingerprint:   ${r.fingerprint}`,
            '',
            'Next steps:',
            '  1. Carry the signing request to the root machine and run there:',
            '       npx hotline root sign-request signing-request.json --data ROOTDIR --out cert.json',
            '     Check that it prints the request fingerprint above.',
            `  2. Bring cert.json back and run:  ${hotlineCommand('cert install cert.json', opts.data)}`,
            '',
          ].join('\n'),
        );
        return;
      }
      const identity = await initTerminal({ ...terminal, passphrase, kdfCost: io.kdfCost });
      const code = identity.config.party.code;
      const lines = [
        `Created the identity of party ${code} (${Object.values(identity.config.party.names).join(' / ')}).`,
        '',
        `  Party code:            ${code}`,
        `  Root-key fingerprint:  ${identity.fingerprint}`,
        `  Data directory:        ${identity.dir}`,
        `  Root key:              ${identity.rootKeyEncrypted ? 'sealed with your passphrase' : 'NOT encrypted (no passphrase given)'}`,
        `  Federation endpoints:  ${identity.card.endpoints.join(', ')}`,
        '',
        'Next steps:',
        `  1. Back up ${identity.dir} offline now. keys/root.json is the party's root key: whoever holds it can speak for ${code}.`,
        `  2. Export the party card:  ${hotlineCommand('card export', opts.data)} --out ${code.toLowerCase()}-card.json`,
        '     Send it to each peer, and read them the root-key fingerprint above over the phone.',
        `  3. Start the terminal:     ${hotlineCommand('serve', opts.data)}`,
        '',
      ];
      io.stdout(lines.join('\n'));
      // The card tells peers where to dial: a wildcard or loopback address reaches nobody else.
      const unreachable = identity.card.endpoints.filter((e) => /^(?:https|wss):\/\/(?:0\.0\.0\.0|\[::\]|127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::|\/|$)/.test(e));
      if (unreachable.length > 0)
        io.stderr(
          `warning: the card tells peers to dial ${unreachable.join(', ')}, which no other machine can reach (fine for two terminals on this machine). For peers elsewhere, give the address they dial: --endpoint https://HOST:PORT (or later: hotline card reissue --endpoint URL).\n`,
        );
      if (!identity.rootKeyEncrypted)
        io.stderr(
          'warning: the root key is stored unencrypted; use --passphrase-file or --passphrase-env to seal it.\n',
        );
    });
}
