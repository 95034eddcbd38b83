/**
 * `hotline ha add-instance`: another instance of this party for high availability (#19), with its
 * own terminal key and TLS key certified in a reissued party card; the instances share the party's
 * PostgreSQL database and exactly one is active (docs/operations.md "High availability").
 */
import { hotlineCommand } from '../hint.js';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadTerminal } from '../lazy.js';
import { DEFAULT_DATA_DIR, defaultIo, type CommandIo } from './init.js';
import { registerDemo } from './ha-demo.js';

interface AddOptions {
  data: string;
  to: string;
  instance: string;
  thisInstance?: string;
  officerPort?: string;
  federationPort?: string;
  host?: string;
  endpoint?: string;
  passphraseFile?: string;
  passphraseEnv?: string;
}

export function register(program: Command, io: CommandIo = defaultIo): void {
  const ha = program.command('ha').description('high availability: several instances of this party on one PostgreSQL database');
  registerDemo(ha);
  ha.command('proxy')
    .description("one officer address for every instance: forwards the officer API and the console's events to the active instance")
    .requiredOption('--upstream <url>', "an instance's officer API URL (repeat for each instance)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--listen <host:port>', 'where officers connect', '127.0.0.1:7080')
    .action(async (opts: { upstream: string[]; listen: string }) => {
      const m = /^(.*):(\d+)$/.exec(opts.listen);
      if (!m) throw new InvalidArgumentError(`--listen must be HOST:PORT, not "${opts.listen}".`);
      for (const u of opts.upstream) if (!/^https?:\/\/[^/]+$/.test(u)) throw new InvalidArgumentError(`--upstream must be an officer API URL like http://10.0.0.2:7080, not "${u}".`);
      const { startOfficerProxy } = await loadTerminal();
      const proxy = await startOfficerProxy({
        upstreams: opts.upstream,
        host: m[1]!.replace(/^\[|\]$/g, ''),
        port: Number(m[2]),
        onChange: (active) => io.stdout(`${new Date().toISOString()} ${active ? `active instance: ${active}` : 'no instance active'}\n`),
      });
      io.stdout(`Officer proxy on ${proxy.url} for ${opts.upstream.join(', ')}. Ctrl-C stops it.\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await proxy.close();
    });
  ha.command('add-instance')
    .description('create another instance of this party (its own keys, certified in a reissued card) in a new data directory')
    .option('--data <dir>', 'data directory of an instance holding the root key', DEFAULT_DATA_DIR)
    .requiredOption('--to <dir>', 'data directory of the new instance (created)')
    .requiredOption('--instance <name>', 'name of the new instance (lowercase letters, digits, dashes), e.g. site-b')
    .option('--this-instance <name>', 'name of the instance in --data, if it has none yet (default "a")')
    .option('--officer-port <port>', 'officer API port of the new instance')
    .option('--federation-port <port>', 'federation port of the new instance')
    .option('--host <host>', 'host the new instance listens on for federation')
    .option('--endpoint <url>', 'federation URL of the new instance to publish in the card (default https://HOST:PORT)')
    .option('--passphrase-file <file>', 'file holding the root key passphrase')
    .option('--passphrase-env <var>', 'environment variable holding the root key passphrase')
    .action(async (opts: AddOptions) => {
      const { addInstance, loadTerminalIdentity, readPassphrase } = await loadTerminal();
      const passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
      const from = await loadTerminalIdentity(opts.data, { passphrase });
      const port = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      const added = await addInstance({
        from,
        dir: opts.to,
        instance: opts.instance,
        fromInstance: opts.thisInstance,
        officerPort: port(opts.officerPort),
        federationPort: port(opts.federationPort),
        host: opts.host,
        endpoint: opts.endpoint,
        passphrase,
        now: io.now(),
      });
      io.stdout(
        `Created instance ${added.instance} of ${from.config.party.code} in ${added.dir} (instance ${added.fromInstance} is ${from.dir}).\n` +
          `The party card now certifies both instances' keys and publishes: ${added.card.endpoints.join(', ')}\n` +
          `Next:\n` +
          `  1. Send the new card to each peer (they pin every instance): ${hotlineCommand('card export', opts.data)}\n` +
          `  2. Restart instance ${added.fromInstance}, then start the new one on its machine: ${hotlineCommand('serve', opts.to)}\n` +
          `     One instance is active, the other a standby that takes over within seconds; \`${hotlineCommand('status', opts.data)}\` shows which.\n`,
      );
    });
}
