/**
 * `hotline serve`: runs the terminal (federation API, officer API, peer links) until Ctrl-C.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { loadTerminal, type TerminalIdentity } from '../lazy.js';
import { DEFAULT_DATA_DIR } from './init.js';
import { startRefusal } from '../start-refusal.js';

/** `p`, a step of the start: a failure a person must fix exits 78, not restarted by systemd (start-refusal.ts). */
async function starting<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw startRefusal(e);
  }
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('run this terminal: federation with peers, officer API on loopback')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--officer-port <port>', 'override the officer API port (0 = any free port)')
    .option('--federation-port <port>', 'override the federation port')
    .option('--insecure-cookies', 'console session cookie without Secure, for a console over plain http://127.0.0.1 (loopback only)')
    .action(async (opts: { data: string; officerPort?: string; federationPort?: string; insecureCookies?: boolean }) => {
      const { loadTerminalIdentity, startTerminal } = await loadTerminal();
      const identity = await starting(loadTerminalIdentity(opts.data));
      const options = {
        ...(opts.officerPort !== undefined ? { officerPort: Number(opts.officerPort) } : {}),
        ...(opts.federationPort !== undefined ? { federationPort: Number(opts.federationPort) } : {}),
        ...(opts.insecureCookies ? { insecureCookies: true } : {}),
      };
      if (identity.config.ha) return serveHighlyAvailable(identity, options);
      const terminal = await starting(startTerminal(identity, options));
      process.stdout.write(
        `Hotline terminal ${identity.config.party.code} is up.\n` +
          `  fingerprint  ${identity.fingerprint}\n` +
          // The token on a terminal only: under a service manager stdout is the log, kept and shipped.
          `  officer API  ${terminal.officerUrl}  (token ${process.stdout.isTTY ? terminal.token : `in ${identity.dir}/officer.token`})\n` +
          `  console      ${terminal.officerUrl}/console/\n` +
          `  federation   ${terminal.federationUrl}\n`,
      );
      const note = endpointNote(identity.card.endpoints, terminal.federationUrl, opts.data);
      if (note) process.stderr.write(note);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await terminal.close();
      process.stdout.write(`Terminal ${identity.config.party.code} stopped.\n`);
    });
}

/** One instance of a highly available party: standby or active, until Ctrl-C (docs/operations.md). */
async function serveHighlyAvailable(identity: TerminalIdentity, options: { officerPort?: number; federationPort?: number; insecureCookies?: boolean }): Promise<void> {
  const { DEFAULT_LEASE_MS, runHighlyAvailable } = await loadTerminal();
  const leaseMs = process.env.HOTLINE_HA_LEASE_MS ? Number(process.env.HOTLINE_HA_LEASE_MS) : DEFAULT_LEASE_MS;
  if (!Number.isInteger(leaseMs) || leaseMs < 300 || leaseMs > 600_000) throw startRefusal(new InvalidArgumentError(`HOTLINE_HA_LEASE_MS must be a whole number of milliseconds from 300 to 600000, not "${process.env.HOTLINE_HA_LEASE_MS}".`));
  const ha = await starting(runHighlyAvailable(identity, { ...options, leaseMs }));
  const code = identity.config.party.code;
  process.stdout.write(
    `Hotline terminal ${code}, instance ${identity.config.ha!.instance}, is up as ${ha.role() === 'active' ? 'the active instance' : 'a standby'}.\n` +
      `  fingerprint  ${identity.fingerprint}\n` +
      `  officer API  http://${identity.config.officer.host}:${options.officerPort ?? identity.config.officer.port}  (token in ${identity.dir}/officer.token)\n` +
      `  ${ha.role() === 'active' ? `a standby takes over within about ${leaseMs / 1000} s if this instance fails` : `it takes over within about ${leaseMs / 1000} s if the active instance fails`}; \`hotline status\` shows which one is active.\n`,
  );
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.race([stopped, ha.done]);
  await ha.close();
  await ha.done;
  process.stdout.write(`Instance ${identity.config.ha!.instance} of terminal ${code} stopped.\n`);
}

/**
 * A note when no endpoint of this party's card names the port the federation listens on: peers
 * dial the card's addresses, so unless something forwards one of them here (a proxy, a NAT), they
 * cannot reach this terminal (found by fault injection: a port changed in config.json went
 * unnoticed here while the peers saw the line degraded).
 */
export function endpointNote(endpoints: readonly string[], federationUrl: string, data: string): string | undefined {
  const port = (url: string) => {
    try {
      const u = new URL(url);
      return u.port || (u.protocol === 'https:' ? '443' : '80');
    } catch {
      return undefined;
    }
  };
  const listening = port(federationUrl);
  if (listening === undefined || endpoints.length === 0 || endpoints.some((e) => port(e) === listening)) return undefined;
  return `Note: this party's card publishes ${endpoints.join(', ')}, and none of them is port ${listening}, where the federation listens. Peers dial the card's addresses: unless one of them is forwarded here, publish the right one (\`hotline card reissue --endpoint URL --data ${data}\`, then send the card to the peers again).\n`;
}
