#!/usr/bin/env node
/**
 * `npm start`: refuse at once when a demo (or a terminal of its data) already runs, build Hotline
 * only when dist/ is older than its sources (with the time it took), then run `hotline demo`.
 *
 * Plain JavaScript on purpose: it runs before dist/ exists or is up to date, so it cannot use the
 * compiled CLI. The check must come BEFORE the build: building replaces dist/ under the running
 * terminals. `hotline demo` makes the same check itself (src/cli/commands/demo.ts, error
 * CLI_DEMO_RUNNING in src/cli/errors.ts); the message here says the same.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The officer API ports of the demo's two terminals (src/cli/commands/demo.ts). */
const DEMO_OFFICER_PORTS = [7081, 7082];
/** The ports of `npm run ha-demo` (`--ha`): officer APIs, then federation (src/cli/commands/ha-demo.ts). */
const HA_DEMO_PORTS = [7181, 7182, 7183, 7541, 7542, 7543];
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `npm run ha-demo` is `start.mjs --ha`: the same build-only-when-stale, then `hotline ha demo`.
const ha = process.argv[2] === '--ha';
const args = process.argv.slice(ha ? 3 : 2);
const dirArg = args.indexOf('--dir');
const dataDir = resolve(dirArg >= 0 && args[dirArg + 1] ? args[dirArg + 1] : './data');

/** Whether process `pid` of this host is alive. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The running demo, or a terminal of its data directory that runs, as one sentence; else undefined. */
function runningInstance(dir) {
  const demo = readJson(join(dir, 'demo.lock.json'));
  if (demo && demo.host === hostname() && alive(demo.pid))
    return `another \`hotline demo\` (\`npm start\`; process ${demo.pid}, since ${new Date(demo.since).toISOString()}) already runs on ${dir}, its terminals answering at ${demo.urls.join(' and ')}; nothing was built. Stop it (Ctrl-C in its shell, or \`kill ${demo.pid}\`) and run \`npm start\` again; meanwhile the CLI works against the running one, e.g. \`npx hotline channel list --data ${join(dir, 'us')}\``;
  for (const party of ['us', 'cn']) {
    const terminal = join(dir, party);
    if (!existsSync(terminal)) continue;
    for (const name of readdirSync(terminal).filter((f) => f.endsWith('.lock.json'))) {
      const holder = readJson(join(terminal, name));
      if (holder && holder.host === hostname() && alive(holder.pid))
        return `a terminal already runs on ${terminal} (process ${holder.pid}, serving ${holder.serves}); nothing was built. Stop it (Ctrl-C in its shell, or \`kill ${holder.pid}\`) and run \`npm start\` again`;
    }
  }
  return undefined;
}

/** The newest modification time under `path` (a file or a directory), in ms. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** Why dist/ must be built again, or undefined when it is newer than everything it is built from. */
function staleness() {
  const outputs = [join(ROOT, 'dist', 'cli', 'main.js'), join(ROOT, 'dist', 'web', 'index.html')];
  const missing = outputs.find((f) => !existsSync(f));
  if (missing) return `${relative(ROOT, missing)} is missing`;
  const builtAt = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sources = ['src', 'formats', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'rolldown.config.mjs'];
  const changed = sources.find((s) => newest(join(ROOT, s)) > builtAt);
  return changed ? `${changed} changed since the last build` : undefined;
}

function run(command, argv, options, onChild = () => {}) {
  return new Promise((done) => {
    const child = spawn(command, argv, options);
    onChild(child);
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** Whether something listens on 127.0.0.1:`port` (the demo's terminals use fixed ports). */
function listening(port) {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('timeout', () => (socket.destroy(), done(false)));
    socket.once('error', () => done(false));
  });
}

/** A demo of another data directory (or anything else) on the demo's officer API ports. */
async function portsTaken() {
  for (const port of DEMO_OFFICER_PORTS)
    if (await listening(port))
      return `something already listens on 127.0.0.1:${port}, the port of a demo terminal (another \`npm start\`, perhaps with another --dir?); nothing was built. Stop it (Ctrl-C in its shell) and run \`npm start\` again`;
  return undefined;
}

/** Something on the HA demo's ports (an HA demo still running?). */
async function haPortsTaken() {
  const busy = [];
  for (const port of HA_DEMO_PORTS) if (await listening(port)) busy.push(port);
  return busy.length > 0 ? `the HA demo's terminals listen on ports ${HA_DEMO_PORTS.join(', ')}, and ${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} in use (an earlier \`npm run ha-demo\` still running?); nothing was built. Stop what listens there and run it again` : undefined;
}

const running = ha ? await haPortsTaken() : (runningInstance(dataDir) ?? (await portsTaken()));
if (running) {
  process.stderr.write(`hotline: ${running}.\n`);
  process.exit(2);
}

const why = staleness();
if (why) {
  const started = Date.now();
  process.stdout.write(`Building Hotline (${why}; about a minute; details in build.log)...\n`);
  const log = openSync(join(ROOT, 'build.log'), 'w');
  const status = await run('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', log, log] });
  closeSync(log);
  if (status !== 0) {
    process.stderr.write(readFileSync(join(ROOT, 'build.log'), 'utf8'));
    process.stderr.write(`hotline: the build failed (above, and in build.log).\n`);
    process.exit(status);
  }
  process.stdout.write(`Built in ${Math.round((Date.now() - started) / 1000)} s.\n`);
} else process.stdout.write('Hotline is already built (dist/ is newer than its sources).\n');

// Ctrl-C reaches the demo too (same process group): it stops the terminals, and this waits for it.
// A SIGTERM sent to this process alone is passed on.
process.on('SIGINT', () => {});
process.exitCode = await run(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...(ha ? ['ha', 'demo'] : ['demo']), ...args], { stdio: 'inherit' }, (child) =>
  process.on('SIGTERM', () => child.kill('SIGTERM')),
);
