/**
 * `hotline demo` (what `npm start` runs): a two-party deployment on this machine. Two terminal
 * processes (US and CN), each with its own SQLite file under ./data, pair, open a channel by
 * mutual consent and exchange a few messages. Ctrl-C stops both; a second run reuses the data.
 * The terminals' own log lines go to <dir>/us.log and <dir>/cn.log (to the screen with --verbose):
 * the screen is for what the person trying Hotline needs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Api } from '../../terminal/index.js';
import type { OfficerClient } from '../officer-client.js';
import { officerClient, loadTerminal } from '../lazy.js';
import { cliError } from '../errors.js';

const PARTIES = [
  { code: 'US', names: { en: 'United States', zh: '美国' }, officerPort: 7081, federationPort: 7441 },
  { code: 'CN', names: { en: 'China', zh: '中国' }, officerPort: 7082, federationPort: 7442 },
] as const;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, stopped?: () => Error | undefined): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    // A process that ended will never answer: say why now, not after the timeout.
    const gone = stopped?.();
    if (gone) throw gone;
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last line of a terminal's log, as its own words (its errors are JSON lines with a msg), or what it wrote last. */
function lastLogLine(path: string): string {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(nothing: the log could not be read).';
  }
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  const last = (lines[lines.length - 1] ?? '').replace(/^hotline: /, '');
  try {
    const entry = JSON.parse(last) as { msg?: unknown; err?: unknown };
    const words = typeof entry.msg === 'string' ? entry.msg : typeof entry.err === 'string' ? entry.err : last;
    return /[.!?]$/.test(words) ? words : `${words}.`;
  } catch {
    return last === '' ? '(nothing).' : /[.!?]$/.test(last) ? last : `${last}.`;
  }
}

/** Who runs a demo on a directory: written to DIR/demo.lock.json while it runs (scripts/start.mjs reads it too). */
interface DemoHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: number;
  readonly urls: readonly string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the demo's lock on `root`, or throws CLI_DEMO_RUNNING naming the demo (or the terminal)
 * already running there: a second demo would start terminals that stop at once on their store's
 * lock while it talked to the first one's, and end as if all went well. Returns its release.
 */
async function takeDemoLock(root: string, dirs: readonly string[]): Promise<() => void> {
  const path = join(root, 'demo.lock.json');
  const urls = PARTIES.map((p) => `http://127.0.0.1:${p.officerPort}`);
  const mine: DemoHolder = { pid: process.pid, host: hostname(), since: Date.now(), urls };
  mkdirSync(root, { recursive: true });
  const refuse = (who: string, stop: string, answers: readonly string[]) => cliError('CLI_DEMO_RUNNING', { dir: root, who, stop, urls: answers.join(' and '), us: dirs[0] });
  try {
    writeFileSync(path, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    let holder: DemoHolder | undefined;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as DemoHolder;
    } catch {
      holder = undefined;
    }
    if (holder && holder.host === mine.host && holder.pid !== process.pid && alive(holder.pid))
      throw refuse(`another \`hotline demo\` (\`npm start\`; process ${holder.pid}, since ${new Date(holder.since).toISOString()})`, `Ctrl-C in its shell, or \`kill ${holder.pid}\``, holder.urls);
    writeFileSync(path, `${JSON.stringify(mine)}\n`); // left behind by a demo that was killed
  }
  const release = () => rmSync(path, { force: true });
  // A terminal of this data started by hand (`hotline serve --data DIR/us`) holds the same store.
  for (const dir of dirs) {
    const client = await officerClient(dir).catch(() => undefined);
    const status = await client?.call('GET', '/api/v1/status').catch(() => undefined);
    if (client && status) {
      release();
      throw refuse(`a terminal (\`hotline serve --data ${dir}\`)`, `Ctrl-C in its shell, or \`kill\` the process that ${join(dir, '*.lock.json')} names`, [client.url]);
    }
  }
  return release;
}

/**
 * How to reach CN's console: add the officer the demo's acknowledgement named, or, once added (a
 * second run), sign in as them. Adding an officer changes how the CLI signs on that terminal
 * (`--officer NAME`, no longer `--name`), so the hint says so.
 */
function consoleHint(officers: ReadonlyArray<{ name: string }>, dir: string, url: string): string[] {
  const name = 'Lt Cdr Wang';
  if (officers.some((o) => o.name === name))
    return [
      `  the console: sign in as "${name}" at ${url} (\`npx hotline officer reset "${name}" --data ${dir}\` prints a new password and code);`,
      `  on this terminal sign as an officer: npx hotline ack MESSAGE --officer "${name}" --data ${dir}`,
    ];
  return [
    `  the console: npx hotline officer add "${name}" --title "Duty Officer" --role duty-officer --data ${dir}`,
    `  then sign in at ${url} with the password and the authenticator code it prints;`,
    `  from then on CN signs as a registered officer: npx hotline ack MESSAGE --officer "${name}" --data ${dir} (no longer --name)`,
  ];
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run two paired terminals (US and CN) on this machine and open a channel between them')
    .option('--dir <dir>', 'where the two terminals keep their data', './data')
    .option('--no-stay', 'stop after the demonstration instead of running until Ctrl-C')
    .option('--verbose', "show the terminals' log lines instead of writing them to <dir>/us.log and <dir>/cn.log")
    .action(async (opts: { dir: string; stay: boolean; verbose?: boolean }) => {
      const { distPath, exists, initTerminal, loadTerminalIdentity } = await loadTerminal();
      const root = resolve(opts.dir);
      const logs = PARTIES.map((p) => join(root, `${p.code.toLowerCase()}.log`));
      const main = distPath('cli', 'main.js');
      const children: ChildProcess[] = [];
      const dirs = PARTIES.map((p) => join(root, p.code.toLowerCase()));
      // Before anything is created or started (`npm start` checks the same before it builds).
      const releaseLock = await takeDemoLock(root, dirs);
      for (const [i, p] of PARTIES.entries()) {
        if (await exists(join(dirs[i]!, 'config.json'))) continue;
        await initTerminal({ dir: dirs[i]!, code: p.code, names: { ...p.names }, officerPort: p.officerPort, federationPort: p.federationPort, now: Date.now() });
        process.stdout.write(`Created terminal ${p.code} in ${dirs[i]}\n`);
      }
      const stopAll = async () => {
        await Promise.all(
          children.map(
            (c) =>
              new Promise<void>((r) => {
                if (c.exitCode !== null || c.signalCode !== null) return r();
                c.once('exit', () => r());
                c.kill('SIGTERM');
              }),
          ),
        );
      };
      try {
        mkdirSync(root, { recursive: true });
        for (const [i, p] of PARTIES.entries()) {
          const log = opts.verbose ? 'pipe' : openSync(logs[i]!, 'a');
          const child = spawn(process.execPath, [main, 'serve', '--data', dirs[i]!], { stdio: ['ignore', 'ignore', log], env: { ...process.env, HOTLINE_LOG_LEVEL: process.env.HOTLINE_LOG_LEVEL ?? 'warn' } });
          if (typeof log === 'number') closeSync(log); // the child holds its own copy
          child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${p.code}] ${d.toString()}`));
          children.push(child);
        }
        const clients: OfficerClient[] = [];
        for (const [i, dir] of dirs.entries())
          clients.push(
            await waitFor(
              `terminal ${PARTIES[i]!.code} to start (its log: ${opts.verbose ? 'above' : logs[i]})`,
              async () => {
                const c = await officerClient(dir);
                await c.call('GET', '/api/v1/status');
                return c;
              },
              20_000,
              () => {
                const child = children[i]!;
                if (child.exitCode === null && child.signalCode === null) return undefined;
                return cliError('CLI_DEMO_TERMINAL_STOPPED', { code: PARTIES[i]!.code, exit: String(child.exitCode ?? child.signalCode), log: opts.verbose ? '(above)' : logs[i]!, last: opts.verbose ? '(see above).' : lastLogLine(logs[i]!) });
              },
            ),
          );
        const [us, cn] = clients as [OfficerClient, OfficerClient];
        const ids = await Promise.all(dirs.map((d) => loadTerminalIdentity(d)));
        // Pairing: each side imports the other's card and confirms its fingerprint (here: automatically).
        for (const [i, c] of clients.entries()) {
          const other = ids[1 - i]!;
          const peers = await c.call<Api.Peer[]>('GET', '/api/v1/peers');
          if (!peers.some((p) => p.party === other.party)) await c.call('POST', '/api/v1/peers', { card: other.card, fingerprint: other.fingerprint });
        }
        process.stdout.write(`Paired US (fingerprint ${ids[0]!.fingerprint}) and CN (fingerprint ${ids[1]!.fingerprint}).\n`);
        let channels = await us.call<Api.ChannelSummary[]>('GET', '/api/v1/channels');
        let channel: Pick<Api.ChannelSummary, 'id' | 'state'> | undefined = channels.find((c) => c.state === 'active');
        if (!channel) {
          const proposed = await us.call<Api.ChannelView>('POST', '/api/v1/channels', { title: { en: 'Maritime and air incidents line', zh: '海空事件热线' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: 60 });
          process.stdout.write(`US proposed channel ${proposed.id.slice(0, 12)}.\n`);
          await waitFor('CN to receive the proposal', async () => ((await cn.call<Api.ChannelSummary[]>('GET', '/api/v1/channels')).some((c) => c.id === proposed.id) ? true : undefined));
          await cn.call('POST', `/api/v1/channels/${proposed.id}/accept`, {});
          process.stdout.write('CN accepted the charter: the channel is open.\n');
          await waitFor('US to see the acceptance', async () => ((await us.call<Api.ChannelDetail>('GET', `/api/v1/channels/${proposed.id}`)).state === 'active' ? true : undefined));
          const flash = await us.call<Api.SendResult>('POST', `/api/v1/channels/${proposed.id}/messages`, { text: 'Unplanned encounter: our destroyer and your frigate are 2 nm apart at 12N 114E. Request you maintain course and speed.', lang: 'en', precedence: 'FLASH' });
          await waitFor('CN to receive the FLASH message', async () => ((await cn.call<Api.Message[]>('GET', `/api/v1/channels/${proposed.id}/messages`)).some((m) => m.id === flash.id) ? true : undefined));
          await cn.call('POST', `/api/v1/messages/${flash.id}/ack`, { officer: { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' } });
          const reply = await cn.call<Api.SendResult>('POST', `/api/v1/channels/${proposed.id}/messages`, { text: '收到。我舰将保持航向航速。Received: we will maintain course and speed.', lang: 'zh', precedence: 'IMMEDIATE', replyTo: flash.id });
          process.stdout.write('Exchanged a FLASH message, its acknowledgement and a reply.\n');
          // Left for the user to acknowledge: otherwise US escalates it when its deadline passes.
          process.stdout.write(`CN's IMMEDIATE reply waits for US's acknowledgement (15 minutes, then US escalates): npx hotline ack ${reply.id.slice(0, 12)} --data ${dirs[0]}\n`);
          channels = await us.call('GET', '/api/v1/channels');
          channel = { id: proposed.id, state: 'active' };
        }
        const officers = await cn.call<Array<{ name: string }>>('GET', '/api/v1/officers');
        // Ctrl-C is listened for before the prompt to press it is printed.
        const interrupted = opts.stay
          ? new Promise<void>((r) => {
              process.once('SIGINT', () => r());
              process.once('SIGTERM', () => r());
              for (const c of children) c.once('exit', () => r());
            })
          : undefined;
        process.stdout.write(
          [
            '',
            `Channel ${channel.id}`,
            ...PARTIES.map((p, i) => `  ${p.code}: officer API ${clients[i]!.url}   data ${dirs[i]}${opts.verbose ? '' : `   log ${logs[i]}`}`),
            '',
            'Try, in another shell:',
            `  npx hotline channel show ${channel.id.slice(0, 12)} --data ${dirs[1]}`,
            `  npx hotline send ${channel.id.slice(0, 12)} --precedence FLASH "Test message" --data ${dirs[0]}`,
            `  npx hotline export ${channel.id.slice(0, 12)} --data ${dirs[0]} > bundle.jsonl && npx hotline verify bundle.jsonl`,
            `  (officer API tokens are in ${join(dirs[0]!, 'officer.token')} and ${join(dirs[1]!, 'officer.token')}; OpenAPI at ${clients[0]!.url}/openapi.json)`,
            ...consoleHint(officers, dirs[1]!, `${clients[1]!.url}/console/`),
            '',
            opts.stay ? 'Both terminals are running. Press Ctrl-C to stop them.' : 'Stopping.',
            '',
          ].join('\n'),
        );
        await interrupted;
      } finally {
        await stopAll();
        releaseLock();
      }
      process.stdout.write('Both terminals stopped.\n');
    });
}
