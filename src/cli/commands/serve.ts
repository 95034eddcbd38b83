/**
 * `hotline serve`: runs the terminal (federation API, officer API, peer links) until Ctrl-C.
 */
import type { Command } from 'commander';
import { loadTerminalIdentity } from '../../terminal/identity/index.js';
import { startTerminal } from '../../terminal/terminal.js';
import { DEFAULT_DATA_DIR } from './init.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run this terminal: federation with peers, officer API on loopback')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--officer-port <port>', 'override the officer API port (0 = any free port)')
    .option('--federation-port <port>', 'override the federation port')
    .action(async (opts: { data: string; officerPort?: string; federationPort?: string }) => {
      const identity = await loadTerminalIdentity(opts.data);
      const terminal = await startTerminal(identity, {
        ...(opts.officerPort !== undefined ? { officerPort: Number(opts.officerPort) } : {}),
        ...(opts.federationPort !== undefined ? { federationPort: Number(opts.federationPort) } : {}),
      });
      process.stdout.write(
        `Hotline terminal ${identity.config.party.code} is up.\n` +
          `  fingerprint  ${identity.fingerprint}\n` +
          `  officer API  ${terminal.officerUrl}  (token ${terminal.token})\n` +
          `  federation   ${terminal.federationUrl}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await terminal.close();
      process.stdout.write(`Terminal ${identity.config.party.code} stopped.\n`);
    });
}
