/**
 * End-to-end harness: real `hotline` processes (built JavaScript in dist/), real SQLite files in
 * temporary directories, real sockets on free loopback ports.
 *
 *   const h = await Harness.create();          // cleans up after the test, also on failure
 *   const us = await h.party('US', 'United States');
 *   const cn = await h.party('CN', 'China');
 *   await h.pair(us, cn);                       // `hotline peer add` both ways, waits for links up
 *
 * Children run with HOTLINE_LOG_LEVEL=warn; their stderr is kept and printed when a test fails,
 * with the steps the test took (HOTLINE_E2E_STEPS=1 prints the steps always; HOTLINE_E2E_KEEP=1
 * keeps the temporary directories).
 * Waiting is always polling for an observable condition with a bounded deadline (waitFor).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { onTestFailed, onTestFinished } from 'vitest';
import WebSocket from 'ws';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(REPO, 'dist', 'cli', 'main.js');

/** Default deadline of every wait, ms. */
export const WAIT_MS = 20_000;

// ---- build -------------------------------------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (name.isDirectory()) {
      if (name.name === 'web' && dir.endsWith('src')) continue;
      newest = Math.max(newest, newestMtime(p));
    } else if (name.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  try {
    return statSync(MAIN).mtimeMs < newestMtime(join(REPO, 'src'));
  } catch {
    return true;
  }
}

/**
 * Builds dist/ with `tsc -p tsconfig.build.json` if any source is newer than dist/cli/main.js, then
 * bundles the CLI and the workers in place as `npm run build` does (rolldown.config.mjs): tsc alone
 * leaves an unbundled CLI that starts about a second slower, which a benchmark run next would
 * measure. Test files run in parallel workers, so the build is guarded by a lock directory.
 */
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  const lock = join(tmpdir(), `hotline-e2e-build-${Buffer.from(REPO).toString('base64url').slice(-24)}.lock`);
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > until) throw new Error(`timed out waiting for the build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (isStale()) {
      execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'pipe' });
      execFileSync(join(REPO, 'node_modules', '.bin', 'rolldown'), ['-c', 'rolldown.config.mjs', '--logLevel', 'warn'], { cwd: REPO, stdio: 'pipe' });
    }
  } catch (e) {
    // tsc still emits JavaScript on type errors (src/ may be mid-edit by someone else): carry on
    // with what was emitted, but say so; fail only when nothing usable was built.
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
    if (isStale()) throw new Error(`npx tsc -p tsconfig.build.json failed:\n${out.slice(0, 4000)}`);
    process.stderr.write(`warning: npx tsc -p tsconfig.build.json reported errors; testing the JavaScript it emitted:\n${out.slice(0, 2000)}\n`);
  } finally {
    rmdirSync(lock);
  }
}

// ---- small tools -------------------------------------------------------------------------------

/** A free TCP port on loopback (listen on 0, close, reuse the number). */
export async function freePort(): Promise<number> {
  // A port the kernel hands out (listen on 0) can be handed out again at once as the local port
  // of an outgoing connection of another test, and the terminal started on it then fails with
  // "already in use" (seen in CI). Ports come instead from below the kernel's ephemeral range
  // (32768-60999 on Linux), from a slice of their own per test worker, each checked free.
  for (let tries = 0; tries < PORT_SLICE; tries++) {
    const port = PORT_BASE + PORT_SLICE * (WORKER % PORT_SLICES) + (nextPort++ % PORT_SLICE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${PORT_BASE}..${PORT_BASE + PORT_SLICE * PORT_SLICES}`);
}

const PORT_BASE = 20_000;
const PORT_SLICE = 1_000;
const PORT_SLICES = 12;
/** This test worker (vitest numbers its workers from 1), or the process for anything else. */
const WORKER = Number(process.env.VITEST_POOL_ID ?? process.pid);
let nextPort = Math.floor(Math.random() * PORT_SLICE);

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Polls `probe` until it returns something other than undefined/false (errors count as "not yet"). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = WAIT_MS, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Result of a CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, HOTLINE_LOG_LEVEL: 'warn', NO_COLOR: '1', HOTLINE_DEBUG: undefined });

// ---- parties -----------------------------------------------------------------------------------

/** Message as the officer API lists it. */
export interface ApiMessage {
  id: string;
  from: string;
  own: boolean;
  seq: number;
  time: number;
  precedence: string;
  lang: string;
  text: string;
  /** When the last party it is addressed to receipted it; null until all have. */
  receiptedAt: number | null;
  /** When it must be acknowledged, on this terminal's clock (null: no deadline). */
  deadlineAt?: number | null;
  /** Per party it is addressed to: when its receipts first covered it (null: not yet). */
  receipts?: Array<{ party: string; code: string; at: number | null }>;
  ackedAt: number | null;
  ackedBy: { code: string; officer: { name: string; title: string } } | null;
}

/** A channel as the officer API shows it. */
export interface ApiChannel {
  id: string;
  state: string;
  entries: number;
  parties: Array<{ party: string; code: string; accepted: boolean; entries: number; link: string }>;
  messages: { total: number; unacknowledged: number };
}

/** One party: its data directory, ports, and (when started) its `hotline serve` process. */
export class Party {
  readonly harness: Harness;
  readonly code: string;
  readonly dir: string;
  readonly officerPort: number;
  readonly federationPort: number;
  readonly fingerprint: string;
  readonly cardPath: string;
  proc: ChildProcess | undefined;
  #token: string | undefined;
  /** Everything the serve processes of this party wrote to stderr, all runs. */
  log = '';
  starts = 0;
  /** Extra environment of this party's `serve` processes (e.g. HOTLINE_SQLITE_MAX_BYTES). */
  env: Record<string, string> = {};

  constructor(h: Harness, init: { code: string; dir: string; officerPort: number; federationPort: number; fingerprint: string; cardPath: string }) {
    this.harness = h;
    this.code = init.code;
    this.dir = init.dir;
    this.officerPort = init.officerPort;
    this.federationPort = init.federationPort;
    this.fingerprint = init.fingerprint;
    this.cardPath = init.cardPath;
  }

  get officerUrl(): string {
    return `http://127.0.0.1:${this.officerPort}`;
  }

  /** Runs `hotline ARGS --data DIR` (the data option appended). */
  cli(args: string[], opts: { stdoutFile?: string } = {}): Promise<CliResult> {
    return this.harness.cli([...args, '--data', this.dir], opts);
  }

  /** Starts `hotline serve` and waits for /healthz. */
  async start(): Promise<void> {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) throw new Error(`${this.code} is already running`);
    this.starts++;
    const run = this.starts;
    const child = spawn(process.execPath, [MAIN, 'serve', '--data', this.dir], { cwd: this.harness.root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...childEnv(), ...this.env } });
    this.harness.children.add(child);
    child.on('exit', () => this.harness.children.delete(child));
    child.stderr?.on('data', (d: Buffer) => {
      this.log += d.toString().replace(/^(?=.)/gm, `[${this.code}#${run}] `);
    });
    this.proc = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`${this.code} exited (${code ?? signal}) while starting:\n${this.log.slice(-3000)}`))),
    );
    exited.catch(() => {});
    await Promise.race([
      exited,
      waitFor(`${this.code} to answer /healthz`, async () => (await fetch(`${this.officerUrl}/healthz`)).ok),
    ]);
    this.#token = (await readFile(join(this.dir, 'officer.token'), 'utf8')).trim();
  }

  /** Stops with SIGTERM and waits for the exit. */
  async stop(): Promise<void> {
    await stopChild(this.proc, 'SIGTERM');
  }

  /** SIGKILL: no shutdown of any kind. */
  async kill9(): Promise<void> {
    await stopChild(this.proc, 'SIGKILL');
  }

  /** The officer API's live events (WebSocket); closed when the test ends. */
  async events(onEvent: (e: { type: string; kind?: string; author?: string; own?: boolean; body?: unknown }) => void): Promise<WebSocket> {
    if (!this.#token) this.#token = (await readFile(join(this.dir, 'officer.token'), 'utf8')).trim();
    const ws = new WebSocket(`ws://127.0.0.1:${this.officerPort}/api/v1/events?token=${encodeURIComponent(this.#token)}`);
    ws.on('message', (data) => onEvent(JSON.parse(String(data)) as Parameters<typeof onEvent>[0]));
    await new Promise<void>((r, j) => ws.once('open', () => r()).once('error', j));
    this.harness.defer(() => ws.terminate());
    return ws;
  }

  /** Calls the officer API; throws on a non-2xx answer (with the API's code and message). */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.apiRaw(method, path, body);
    if (r.status < 200 || r.status > 299) throw Object.assign(new Error(`${this.code} ${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`), { status: r.status, body: r.body });
    return r.body as T;
  }

  /** Calls the officer API; returns status and parsed body whatever the status. */
  async apiRaw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<{ status: number; body: unknown; text: string }> {
    if (!this.#token) this.#token = (await readFile(join(this.dir, 'officer.token'), 'utf8')).trim();
    const r = await fetch(`${this.officerUrl}${path}`, {
      method,
      // A stopped or frozen terminal must fail the call, not hang the test.
      signal: AbortSignal.timeout(timeoutMs),
      headers: { authorization: `Bearer ${this.#token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: unknown = text;
    if ((r.headers.get('content-type') ?? '').includes('application/json') && text) parsed = JSON.parse(text);
    return { status: r.status, body: parsed, text };
  }

  /** GET /api/v1/status. */
  status(): Promise<{ party: string; code: string; links: Array<{ code: string; state: string; endpoint: string | null; transport?: string; since?: number; reason?: string | null }> }> {
    return this.api('GET', '/api/v1/status');
  }

  channel(id: string): Promise<ApiChannel> {
    return this.api('GET', `/api/v1/channels/${id}`);
  }

  messages(id: string): Promise<ApiMessage[]> {
    return this.api('GET', `/api/v1/channels/${id}/messages?limit=100000`);
  }

  /** Waits until this party's link to `peer` is up (optionally via `endpoint`). */
  async linkUp(peer: Party, endpoint?: string, timeoutMs = WAIT_MS): Promise<{ state: string; endpoint: string | null }> {
    return waitFor(`${this.code}'s link to ${peer.code} to be up${endpoint ? ` via ${endpoint}` : ''}`, async () => {
      // Connected: the stream is up (the line may still be 'degraded' by late link tests).
      const l = (await this.status()).links.find((x) => x.code === peer.code) as { state: string; endpoint: string | null; transport?: string } | undefined;
      return l && (l.transport ?? l.state) === 'up' && (endpoint === undefined || l.endpoint === endpoint) ? l : undefined;
    }, timeoutMs);
  }
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ---- TCP forwarder -----------------------------------------------------------------------------

/** A plain TCP forwarder (a "cable"): 127.0.0.1:port -> 127.0.0.1:target. cut() drops it and every connection. */
export class Forwarder {
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  connections = 0;

  private constructor(port: number, server: Server) {
    this.port = port;
    this.#server = server;
  }

  static async open(port: number, target: number): Promise<Forwarder> {
    const server = createServer();
    const f = new Forwarder(port, server);
    server.on('connection', (client) => {
      f.connections++;
      const upstream = connect(target, '127.0.0.1');
      f.#sockets.add(client);
      f.#sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        f.#sockets.delete(client);
        f.#sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r, j) => {
      server.once('error', j);
      server.listen(port, '127.0.0.1', () => r());
    });
    return f;
  }

  /** The cable is cut: no new connections, existing ones reset. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    for (const s of this.#sockets) s.resetAndDestroy();
    this.#sockets.clear();
    await closed;
  }
}

// ---- the harness -------------------------------------------------------------------------------

/** Temporary directory, parties, child processes and forwarders of one test. */
export class Harness {
  readonly root: string;
  readonly parties: Party[] = [];
  readonly children = new Set<ChildProcess>();
  readonly forwarders: Forwarder[] = [];
  readonly #t0 = Date.now();
  readonly #steps: string[] = [];
  readonly #deferred: Array<() => void> = [];
  readonly #onExit = () => {
    for (const c of this.children) c.kill('SIGKILL');
  };

  private constructor(root: string) {
    this.root = root;
    process.once('exit', this.#onExit);
  }

  /** A harness for the current test: its children are killed and its directory removed when the test ends. */
  static async create(): Promise<Harness> {
    await ensureBuilt();
    const h = new Harness(mkdtempSync(join(tmpdir(), 'hotline-e2e-')));
    onTestFailed(() => {
      process.stderr.write(`\n---- steps ----\n${h.#steps.join('\n')}\n---- terminal logs (${h.root}) ----\n${h.logs() || '(none)'}\n---- end of terminal logs ----\n`);
    });
    onTestFinished(async (ctx) => {
      if (process.env.HOTLINE_E2E_STEPS && ctx.task.result?.state !== 'fail') process.stderr.write(`\n---- steps ----\n${h.#steps.join('\n')}\n`);
      await h.cleanup();
    });
    return h;
  }

  /** Runs `fn` at cleanup, before the processes are stopped. */
  defer(fn: () => void): void {
    this.#deferred.push(fn);
  }

  /** Records a step of the test (shown with the logs if it fails: where it got to, and when). */
  step(text: string): void {
    this.#steps.push(`[+${((Date.now() - this.#t0) / 1000).toFixed(1)}s] ${text}`);
  }

  /** stderr of every serve process so far. */
  logs(): string {
    return this.parties.map((p) => p.log).join('');
  }

  /** Runs `node dist/cli/main.js ARGS` in the harness directory. */
  cli(args: string[], opts: { stdoutFile?: string; timeoutMs?: number } = {}): Promise<CliResult> {
    return new Promise((resolvePromise, reject) => {
      const fd = opts.stdoutFile ? openSync(opts.stdoutFile, 'w') : undefined;
      const child = spawn(process.execPath, [MAIN, ...args], { cwd: this.root, stdio: ['ignore', fd ?? 'pipe', 'pipe'], env: childEnv() });
      if (fd !== undefined) closeSync(fd);
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        const shown = args.map((a) => (a.length > 40 ? `${a.slice(0, 37)}...` : a)).join(' ');
        this.step(`hotline ${shown} -> exit ${code ?? signal}`);
        resolvePromise({ code: code ?? (signal ? 128 : -1), stdout, stderr });
      });
    });
  }

  /** Like cli() but throws unless the exit status is 0. */
  async ok(args: string[], opts: { stdoutFile?: string } = {}): Promise<CliResult> {
    const r = await this.cli(args, opts);
    if (r.code !== 0) throw new Error(`hotline ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r;
  }

  /**
   * `hotline init` a party on free ports (and `hotline card export`), then starts it unless
   * `start: false`. `endpoints` go into the card (default: its federation port).
   */
  async party(code: string, name: string, opts: { endpoints?: string[]; start?: boolean; init?: string[] } = {}): Promise<Party> {
    const dir = join(this.root, code.toLowerCase());
    const officerPort = await freePort();
    const federationPort = await freePort();
    const init = await this.ok([
      'init', '--party', code, '--name', name, '--data', dir,
      '--officer-port', String(officerPort), '--federation-port', String(federationPort),
      ...(opts.endpoints ?? []).flatMap((e) => ['--endpoint', e]),
      ...(opts.init ?? []),
    ]);
    const fp = /Root-key fingerprint:\s+([0-9 ]+)/.exec(init.stdout)?.[1]?.trim();
    if (!fp) throw new Error(`no fingerprint in the output of hotline init:\n${init.stdout}`);
    const cardPath = join(this.root, `${code.toLowerCase()}-card.json`);
    // `hotline init` writes the party card into the data directory (card.json), byte for byte what
    // `hotline card export` writes right after it (test/terminal/identity.test.ts tests the
    // export): copying it saves a CLI process per party, a second or more on a loaded CI machine.
    // Whoever changes the card later (ha add-instance) exports it again, as before.
    copyFileSync(join(dir, 'card.json'), cardPath);
    const p = new Party(this, { code, dir, officerPort, federationPort, fingerprint: fp, cardPath });
    this.parties.push(p);
    if (opts.start !== false) await p.start();
    return p;
  }

  /**
   * A party (not started) whose `serve` processes read their clock through the preload
   * test/e2e/clock-shift.mjs: `shift(ms)` sets the offset from the real clock (0 at first).
   */
  async partyWithShiftedClock(code: string, name: string): Promise<{ party: Party; shift: (ms: number) => void }> {
    const clockFile = join(this.root, `${code.toLowerCase()}-clock-offset`);
    writeFileSync(clockFile, '0');
    const party = await this.party(code, name, { start: false });
    party.env.NODE_OPTIONS = `--import ${pathToFileURL(join(REPO, 'test', 'e2e', 'clock-shift.mjs')).href}`;
    party.env.HOTLINE_E2E_CLOCK_FILE = clockFile;
    return { party, shift: (ms) => writeFileSync(clockFile, String(ms)) };
  }

  /** Pairs two running parties with `hotline peer add CARD --fingerprint F` both ways; waits for both links up. */
  async pair(a: Party, b: Party): Promise<void> {
    // Each party adds the other on its own terminal: the two do not wait for each other.
    await Promise.all([
      a.cli(['peer', 'add', b.cardPath, '--fingerprint', b.fingerprint]).then(check(`${a.code} peer add ${b.code}`)),
      b.cli(['peer', 'add', a.cardPath, '--fingerprint', a.fingerprint]).then(check(`${b.code} peer add ${a.code}`)),
    ]);
    await Promise.all([a.linkUp(b), b.linkUp(a)]);
  }

  /**
   * Opens a channel through the officer APIs: `proposer` proposes it to `accepter` (the body of
   * POST /api/v1/channels), `accepter` accepts once the proposal has arrived; resolves with the
   * channel id once the proposer sees it active.
   */
  async openChannel(proposer: Party, accepter: Party, proposal: Record<string, unknown>): Promise<string> {
    const { id } = await proposer.api<{ id: string }>('POST', '/api/v1/channels', proposal);
    await waitFor(`${accepter.code} to receive the proposal`, async () => (await accepter.channel(id)).state === 'proposed');
    await accepter.api('POST', `/api/v1/channels/${id}/accept`, {});
    await waitFor(`${proposer.code} to see the channel active`, async () => (await proposer.channel(id)).state === 'active');
    return id;
  }

  /** A TCP forwarder on a free port to `targetPort`; cut at cleanup. */
  async forwarder(targetPort: number, port?: number): Promise<Forwarder> {
    const f = await Forwarder.open(port ?? (await freePort()), targetPort);
    this.forwarders.push(f);
    return f;
  }

  /** Kills every child (SIGKILL after a short SIGTERM grace), closes forwarders, removes the directory. */
  async cleanup(): Promise<void> {
    for (const fn of this.#deferred.splice(0)) fn();
    await Promise.all([...this.children].map((c) => stopChild(c, 'SIGTERM')));
    for (const f of this.forwarders) await f.cut().catch(() => {});
    process.removeListener('exit', this.#onExit);
    if (!process.env.HOTLINE_E2E_KEEP) rmSync(this.root, { recursive: true, force: true });
  }
}

/** Throws with the CLI's output unless it exited 0. */
export function check(what: string): (r: CliResult) => CliResult {
  return (r) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r;
  };
}

/** A bundle's entry lines (everything after the header and the cards). */
export function bundleEntries(bundle: string): string[] {
  return bundle.split('\n').filter((l) => l.startsWith('{"author":'));
}
