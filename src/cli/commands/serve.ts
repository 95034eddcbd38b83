/**
 * `hotline serve`: runs the terminal (federation API, officer API, peer links) until Ctrl-C.
 */
import type { Command } from 'commander';
import { loadTerminalIdentity, startTerminal } from '../../terminal/index.js';
import { DEFAULT_DATA_DIR } from './init.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run this terminal: federation with peers, officer API on loopback')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--officer-port <port>', 'override the officer API port (0 = any free port)')
    .option('--federation-port <port>', 'override the federation port')
    .option('--insecure-cookies', 'console session cookie without Secure, for a console over plain http://127.0.0.1 (loopback only)')
    .action(async (opts: { data: string; officerPort?: string; federationPort?: string; insecureCookies?: boolean }) => {
      const identity = await loadTerminalIdentity(opts.data);
      const terminal = await startTerminal(identity, {
        ...(opts.officerPort !== undefined ? { officerPort: Number(opts.officerPort) } : {}),
        ...(opts.federationPort !== undefined ? { federationPort: Number(opts.federationPort) } : {}),
        ...(opts.insecureCookies ? { insecureCookies: true } : {}),
      });
      process.stdout.write(
        `Hotline terminal ${identity.config.party.code} is up.\n` +
          `  fingerprint  ${identity.fingerprint}\n` +
          `  officer API  ${terminal.officerUrl}  (token ${terminal.token})\n` +
          `  console      ${terminal.officerUrl}/console/\n` +
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
