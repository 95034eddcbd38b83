/**
 * `hotline ha demo` (what `npm run ha-demo` runs): high availability by hand (#19). US runs two
 * instances on one PostgreSQL schema, CN one on SQLite; they pair and open a channel. Each press of
 * Enter kills (-9) the active US instance: the demo shows how long the standby took to be ready,
 * sends a FLASH through it, shows CN receiving it, and starts the killed instance again as the new
 * standby. Without a terminal (or with --failovers N) it runs that many failovers and stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { Api } from '../../terminal/index.js';
import { CliError, cliError } from '../errors.js';
import type { OfficerClient } from '../officer-client.js';
import { officerClient, loadTerminal } from '../lazy.js';

interface Node {
  readonly name: string;
  readonly dir: string;
  readonly log: string;
  child?: ChildProcess;
  /** How the process ended, once it has. */
  exited?: string;
}

/** The demo's PostgreSQL database when none is given (created on first use). */
const DEMO_DATABASE = 'postgres://postgres@127.0.0.1:5432/hotline_ha_demo';

/** The ports the demo's terminals listen on: officer API, then federation. */
const DEMO_PORTS = [7181, 7182, 7183, 7541, 7542, 7543] as const;

/** Whether nothing listens on `port` yet (on any address). */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });

/** The last lines of a log, for an error message. */
function tail(path: string, lines = 4): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join(' | ').slice(-800);
  } catch {
    return '(no log)';
  }
}

/** A terminal of the demo stopped while the demo waited on it: `error` says which, and why. */
class Stopped {
  constructor(readonly error: CliError) {}
}

/** Ends a wait (with a CLI error, not a timeout) when `n` stopped while the demo waited on it. */
function alive(n: Node): void {
  if (n.exited !== undefined) throw new Stopped(cliError('CLI_USER_ERROR', { detail: `${n.name} stopped (${n.exited}) while the demo waited for it; the end of its log (${n.log}): ${tail(n.log)}` }));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    // A probe's failure means "not yet" (a terminal still starting refuses connections), except a
    // terminal found stopped: that ends the wait at once.
    const v = await probe().catch((e: unknown) => {
      if (e instanceof Stopped) throw e.error;
      return undefined;
    });
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const ready = (url: string) => fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => (r.status === 200 ? true : undefined));

export function registerDemo(ha: Command): void {
  ha.command('demo')
    .description('run two instances of US on PostgreSQL and a CN peer; kill the active US instance with Enter and watch the standby take over')
    .option('--dir <dir>', 'where the terminals keep their files', './data-ha')
    .option('--postgres <url>', `PostgreSQL for US (default $HOTLINE_PG or ${DEMO_DATABASE}, created if missing)`)
    .option('--schema <name>', 'PostgreSQL schema for US', 'hotline_ha_demo')
    .option('--failovers <n>', 'run this many failovers and stop (default: one per Enter, until Ctrl-C; 1 without a terminal)')
    .action(async (opts: { dir: string; postgres?: string; schema: string; failovers?: string }) => {
      const { addInstance, distPath, ensureDatabase, exists, initTerminal, loadTerminalIdentity } = await loadTerminal();
      const root = resolve(opts.dir);
      mkdirSync(root, { recursive: true });
      // The ports first: nothing is created when the demo cannot run.
      const busy = [];
      for (const port of DEMO_PORTS) if (!(await portFree(port))) busy.push(port);
      if (busy.length > 0) throw cliError('CLI_USER_ERROR', { detail: `the demo's terminals listen on ports ${DEMO_PORTS.join(', ')}, and ${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} in use: stop what listens there (an earlier demo still running?) and run it again` });
      // Its own database by default, never the one the tests use.
      const url = opts.postgres ?? process.env.HOTLINE_PG ?? DEMO_DATABASE;
      await ensureDatabase(url);
      const nodes: Node[] = ['us-a', 'us-b', 'cn'].map((name) => ({ name, dir: join(root, name), log: join(root, `${name}.log`) }));
      const [a, b, cn] = nodes as [Node, Node, Node];
      if (!(await exists(join(a.dir, 'config.json')))) {
        await initTerminal({ dir: a.dir, code: 'US', names: { en: 'United States' }, officerPort: 7181, federationPort: 7541, database: { kind: 'postgres', connectionString: url, schema: opts.schema }, now: Date.now() });
        await addInstance({ from: await loadTerminalIdentity(a.dir), dir: b.dir, instance: 'b', fromInstance: 'a', officerPort: 7182, federationPort: 7542, now: Date.now() });
        await initTerminal({ dir: cn.dir, code: 'CN', names: { en: 'China' }, officerPort: 7183, federationPort: 7543, now: Date.now() });
        process.stdout.write(`Created US instances a and b (PostgreSQL ${url}, schema ${opts.schema}) and CN in ${root}\n`);
      }
      const start = (n: Node) => {
        const log = openSync(n.log, 'a');
        n.exited = undefined;
        const child = spawn(process.execPath, [distPath('cli', 'main.js'), 'serve', '--data', n.dir], { stdio: ['ignore', 'ignore', log], env: { ...process.env, HOTLINE_LOG_LEVEL: process.env.HOTLINE_LOG_LEVEL ?? 'warn' } });
        child.once('exit', (code, signal) => {
          if (n.child === child) n.exited = signal ? `signal ${signal}` : `exit code ${code}`;
        });
        n.child = child;
        closeSync(log);
      };
      const stop = (n: Node, signal: NodeJS.Signals) =>
        new Promise<void>((r) => {
          const c = n.child;
          if (!c || c.exitCode !== null || c.signalCode !== null) return r();
          c.once('exit', () => r());
          c.kill(signal);
        });
      try {
        for (const n of nodes) start(n);
        // The token files appear as the processes start.
        const [clientA, clientB, clientCn] = await Promise.all(
          nodes.map((n) =>
            waitFor(`${n.name} to start (its log: ${n.log})`, () => {
              alive(n);
              return officerClient(n.dir);
            }),
          ),
        );
        await waitFor('US instance a or b to be active', async () => {
          alive(a);
          alive(b);
          return (await ready(clientA!.url)) ?? (await ready(clientB!.url));
        });
        await waitFor('CN to start', async () => {
          alive(cn);
          return (await clientCn!.call('GET', '/api/v1/status')) ? true : undefined;
        });
        let active = (await ready(clientA!.url)) ? a : b;
        const client = (n: Node): OfficerClient => (n === a ? clientA! : n === b ? clientB! : clientCn!);
        const channel = await openLine(client(active), clientCn!, [a.dir, cn.dir]);
        const interactive = process.stdin.isTTY && opts.failovers === undefined;
        const rounds = opts.failovers !== undefined ? Number(opts.failovers) : interactive ? Infinity : 1;
        const prompt = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
        process.stdout.write(`\nChannel ${channel.slice(0, 12)} is open. ${await statusLine(client(active))}\n`);
        for (let round = 1; round <= rounds; round++) {
          if (prompt) await prompt.question(`\nPress Enter to kill -9 the active US instance (${active.name}), Ctrl-C to stop: `);
          const standby = active === a ? b : a;
          const t0 = Date.now();
          await stop(active, 'SIGKILL');
          process.stdout.write(`Killed ${active.name} (kill -9).`);
          await waitFor(`${standby.name} to take over`, () => ready(client(standby).url), 20_000, 20);
          process.stdout.write(` ${standby.name} is active and ready after ${((Date.now() - t0) / 1000).toFixed(2)} s.\n`);
          // An entry received just before the kill may have been shown but not yet durable (it is
          // shown while its commit runs): CN sends it again until US receipts it, so the channel
          // may still read "proposed" at the new instance for a moment after the first run's accept.
          await waitFor(`the channel to be active at ${standby.name}`, async () => ((await client(standby).call<Api.ChannelDetail>('GET', `/api/v1/channels/${channel}`)).state === 'active' ? true : undefined), 20_000, 20);
          const sent = await client(standby).call<Api.SendResult>('POST', `/api/v1/channels/${channel}/messages`, { text: `Failover ${round}: instance ${standby.name} speaking.`, precedence: 'FLASH' });
          await waitFor('CN to receive it', async () => ((await clientCn!.call<Api.Message[]>('GET', `/api/v1/channels/${channel}/messages?limit=5`)).some((m) => m.id === sent.id) ? true : undefined));
          process.stdout.write(`CN received a FLASH sent through ${standby.name} ${((Date.now() - t0) / 1000).toFixed(2)} s after the kill. Starting ${active.name} again as the standby.\n`);
          start(active);
          await waitFor(`${active.name} to stand by`, async () => ((await fetch(`${client(active).url}/healthz`)).ok ? true : undefined));
          active = standby;
          process.stdout.write(`${await statusLine(client(active))}\n`);
        }
        prompt?.close();
        process.stdout.write(`\nLogs: ${nodes.map((n) => n.log).join(', ')}\nThe demo stops its terminals now; to look around afterwards, start one again: npx hotline serve --data ${(active === a ? a : b).dir}\n`);
      } finally {
        await Promise.all(nodes.map((n) => stop(n, 'SIGTERM')));
      }
      process.stdout.write('All three processes stopped.\n');
    });
}

/** Pairs US and CN and opens their channel, or finds it open from an earlier run. */
async function openLine(us: OfficerClient, cn: OfficerClient, dirs: [string, string]): Promise<string> {
  const { loadTerminalIdentity } = await loadTerminal();
  const ids = await Promise.all(dirs.map((d) => loadTerminalIdentity(d)));
  for (const [i, c] of [us, cn].entries()) {
    const other = ids[1 - i]!;
    const peers = await c.call<Api.Peer[]>('GET', '/api/v1/peers');
    if (!peers.some((p) => p.party === other.party)) await c.call('POST', '/api/v1/peers', { card: other.card, fingerprint: other.fingerprint });
  }
  const open = (await us.call<Api.ChannelSummary[]>('GET', '/api/v1/channels')).find((c) => c.state === 'active');
  if (open) return open.id;
  const proposed = await us.call<Api.ChannelView>('POST', '/api/v1/channels', { title: { en: 'Highly available line' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: 60 });
  await waitFor('CN to receive the proposal', async () => ((await cn.call<Api.ChannelSummary[]>('GET', '/api/v1/channels')).some((c) => c.id === proposed.id) ? true : undefined));
  await cn.call('POST', `/api/v1/channels/${proposed.id}/accept`, {});
  await waitFor('US to see the channel open', async () => ((await us.call<Api.ChannelDetail>('GET', `/api/v1/channels/${proposed.id}`)).state === 'active' ? true : undefined));
  return proposed.id;
}

/** "US: instance a active since …, failovers n" from the active instance's status. */
async function statusLine(active: OfficerClient): Promise<string> {
  const s = await active.call<Api.Status>('GET', '/api/v1/status');
  const ha = s.ha;
  if (!ha) return '';
  const standbys = ha.instances.filter((i) => i.instance !== ha.active).map((i) => i.instance);
  return `US: instance ${ha.active} is active (since ${ha.since === null ? '?' : new Date(ha.since).toISOString().slice(11, 19)}Z, fencing token ${ha.token}), standby ${standbys.join(', ') || 'none'}; failovers so far ${ha.failovers}.`;
}
