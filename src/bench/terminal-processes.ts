/**
 * The terminal processes of the benches (terminal, console, longevity): two real terminals
 * (`node dist/cli/main.js serve`) in a temporary directory, paired and sharing one active channel,
 * driven through their officer APIs; and what a phase reads of them: CPU time from /proc, durable
 * commits from /metrics. The phases themselves are in terminal-bench.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { initTerminal, loadTerminalIdentity, TOKEN_FILE } from '../terminal/index.js';
import { round, type BenchContext } from './bench.js';

export const CONCURRENCY = 64;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const until = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > until) throw new Error(`terminal bench: timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

/** `n` distinct free TCP ports on loopback (held together while choosing, so no duplicates). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const ms = (x: number): number => Math.round(x * 100) / 100;

export function summary(values: readonly number[]): { n: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: ms(quantile(s, 0.5)), p90: ms(quantile(s, 0.9)), p99: ms(quantile(s, 0.99)), max: ms(s[s.length - 1] ?? NaN), mean: ms(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

export interface EntryEvent {
  type: 'entry';
  channel: string;
  hash: string;
  author: string;
  seq: number;
  kind: string;
  own: boolean;
  body: { text?: string; holds?: Array<{ author: string; seq: number; hash: string }> };
}

/** One terminal process and the bench's connection to its officer API. */
export class TerminalProcess {
  readonly code: string;
  readonly dir: string;
  readonly officerPort: number;
  #agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  #stderrLines = 0;
  readonly #log: (m: string) => void;
  readonly #childArgs: string[];
  child: ChildProcess | undefined;
  token = '';
  party = '';
  #stderrTail: string[] = [];

  constructor(code: string, dir: string, officerPort: number, log: (m: string) => void, childArgs: string[]) {
    this.code = code;
    this.dir = dir;
    this.officerPort = officerPort;
    this.#log = log;
    this.#childArgs = childArgs;
  }

  /** Spawns `serve` and resolves once the officer API answers. */
  async start(): Promise<void> {
    const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
    this.#agent.destroy();
    this.#agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
    const child = spawn(process.execPath, [...this.#childArgs, main, 'serve', '--data', this.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, HOTLINE_LOG_LEVEL: process.env.HOTLINE_LOG_LEVEL ?? 'warn' },
    });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) {
        // Expected while B is down on purpose (catch-up); not worth a line each.
        if (line.includes('federation link failed to connect')) continue;
        this.#stderrTail.push(line);
        if (this.#stderrTail.length > 20) this.#stderrTail.shift();
        if (++this.#stderrLines <= 50) this.#log(`  [${this.code}] ${line.slice(0, 300)}`);
      }
    });
    await waitFor(
      `terminal ${this.code} to start`,
      async () => {
        if (child.exitCode !== null) throw new Error(`terminal ${this.code} exited with code ${child.exitCode}: ${this.#stderrTail.join(' | ')}`);
        if (!this.token) this.token = (await readFile(join(this.dir, TOKEN_FILE), 'utf8')).trim();
        const r = await this.call('GET', '/api/v1/status');
        return r.status === 200 ? true : undefined;
      },
      START_TIMEOUT_MS,
      20,
    ).catch((e: unknown) => {
      if (child.exitCode !== null) throw new Error(`terminal ${this.code} exited with code ${child.exitCode}: ${this.#stderrTail.join(' | ')}`);
      throw e;
    });
  }

  /** SIGTERM (the terminal closes cleanly), SIGKILL if it does not exit in time. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(t);
  }

  killNow(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** Calls the officer API; resolves with status and parsed JSON body. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.officerPort,
          method,
          path,
          agent: this.#agent,
          headers: { authorization: `Bearer ${this.token}`, ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = text;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, json: json as T });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Calls and insists on a 2xx answer. */
  async ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status < 200 || r.status >= 300) throw new Error(`${this.code} ${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json;
  }

  /**
   * Opens the send stream of a channel (officer-api/send-stream.ts): `send` resolves with the
   * message's answer once A has durably committed it, or rejects with the refusal.
   */
  async sendStream(channel: string): Promise<MessageStream> {
    const ws = new WebSocket(`ws://127.0.0.1:${this.officerPort}/api/v1/channels/${channel}/messages/stream`, { headers: { authorization: `Bearer ${this.token}` } });
    const waiting = new Map<number, { resolve: (seq: number) => void; reject: (e: Error) => void }>();
    let next = 0;
    ws.on('message', (data) => {
      const a = JSON.parse(String(data)) as { ref: number; status: number; message?: { seq: number }; error?: { code: string; message: string } };
      const w = waiting.get(a.ref);
      if (!w) return;
      waiting.delete(a.ref);
      if (a.status === 201 && a.message) w.resolve(a.message.seq);
      else w.reject(new Error(`${this.code} send stream: ${a.status} ${a.error?.code ?? ''} ${a.error?.message ?? ''}`));
    });
    ws.on('close', () => {
      for (const w of waiting.values()) w.reject(new Error(`${this.code} send stream closed`));
      waiting.clear();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {});
    return {
      send: (message) =>
        new Promise<number>((resolve, reject) => {
          const ref = next++;
          waiting.set(ref, { resolve, reject });
          ws.send(JSON.stringify({ ref, message }));
        }),
      close: () => ws.terminate(),
    };
  }

  /** Opens the officer event WebSocket; `onEntry` sees every `entry` event. */
  async events(onEntry: (e: EntryEvent, receivedAt: number) => void): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${this.officerPort}/api/v1/events?token=${encodeURIComponent(this.token)}`);
    ws.on('message', (data) => {
      const at = performance.now();
      const e = JSON.parse(String(data)) as { type: string };
      if (e.type === 'entry') onEntry(e as EntryEvent, at);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {});
    return ws;
  }
}

/** A channel's send stream at a terminal: one message per frame, answered with its seq. */
export interface MessageStream {
  send(message: { text: string; lang: string; precedence: string }): Promise<number>;
  close(): void;
}

export interface Setup {
  a: TerminalProcess;
  b: TerminalProcess;
  channel: string;
}

export async function setUp(root: string, ctx: BenchContext, childArgs: string[]): Promise<Setup & { all: TerminalProcess[] }> {
  const ports = await freePorts(4);
  const specs = [
    { code: 'AA', names: { en: 'Bench party A' }, officerPort: ports[0]!, federationPort: ports[1]! },
    { code: 'BB', names: { en: 'Bench party B' }, officerPort: ports[2]!, federationPort: ports[3]! },
  ];
  const all: TerminalProcess[] = [];
  for (const s of specs) {
    const dir = join(root, s.code.toLowerCase());
    await initTerminal({ dir, code: s.code, names: s.names, officerPort: s.officerPort, federationPort: s.federationPort, now: Date.now() });
    all.push(new TerminalProcess(s.code, dir, s.officerPort, ctx.log, childArgs));
  }
  const [a, b] = all as [TerminalProcess, TerminalProcess];
  return { a, b, channel: '', all };
}

/** Pairs A and B, and opens a channel between them with `charter`'s terms (title, tier, formats...). */
export async function pairAndOpen(s: Setup, ctx: BenchContext, charter: Record<string, unknown> = { title: { en: 'Benchmark line' }, tier: 'technical' }): Promise<string> {
  const { a, b } = s;
  const ids = await Promise.all([loadTerminalIdentity(a.dir), loadTerminalIdentity(b.dir)]);
  a.party = ids[0].party;
  b.party = ids[1].party;
  await a.ok('POST', '/api/v1/peers', { card: ids[1].card, fingerprint: ids[1].fingerprint });
  await b.ok('POST', '/api/v1/peers', { card: ids[0].card, fingerprint: ids[0].fingerprint });
  ctx.log('terminal: paired; proposing a channel');
  const proposed = await a.ok<{ id: string }>('POST', '/api/v1/channels', { ...charter, parties: ['BB'] });
  await waitFor('B to receive the proposal', async () => ((await b.ok<Array<{ id: string }>>('GET', '/api/v1/channels')).some((c) => c.id === proposed.id) ? true : undefined), 20_000);
  await b.ok('POST', `/api/v1/channels/${proposed.id}/accept`, {});
  await waitFor('A to see the channel active', async () => ((await a.ok<{ state: string }>('GET', `/api/v1/channels/${proposed.id}`)).state === 'active' ? true : undefined), 20_000);
  await waitLinksUp(s, 20_000);
  return proposed.id;
}

export async function waitLinksUp(s: Setup, timeoutMs: number): Promise<void> {
  for (const t of [s.a, s.b])
    await waitFor(`${t.code}'s link to be up`, async () => {
      const st = await t.ok<{ links: Array<{ state: string }> }>('GET', '/api/v1/status');
      return st.links.length > 0 && st.links.every((l) => l.state === 'up') ? true : undefined;
    }, timeoutMs);
}

/** Durable commits and entries committed so far by a terminal (its /metrics); zero if it restarted. */
export async function commitCounters(t: TerminalProcess): Promise<{ commits: number; entries: number }> {
  const r = await t.call<string>('GET', '/metrics');
  const text = typeof r.json === 'string' ? r.json : '';
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { commits: value('hotline_store_entry_commits_total'), entries: value('hotline_store_entries_committed_total') };
}

/** CPU time (user + system, all threads) a process has used, ms; undefined where /proc is missing. */
export async function cpuMsOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux this runs on (sysconf is not reachable from Node). */
const CLOCK_TICKS = 100;

export interface CpuMark {
  readonly pids: Array<number | undefined>;
  readonly ms: Array<number | undefined>;
  readonly bench: NodeJS.CpuUsage;
}

export async function cpuMark(s: Setup): Promise<CpuMark> {
  const pids = [s.a.child?.pid, s.b.child?.pid];
  return { pids, ms: await Promise.all(pids.map(cpuMsOf)), bench: process.cpuUsage() };
}

/**
 * CPU each process used during a phase, in microseconds per entry the phase committed at B: what
 * the two terminals and this bench's client together spend per message. A process restarted in
 * the phase (catch-up restarts B) counts from its start.
 */
export function cpuPerEntry(s: Setup, before: CpuMark, after: CpuMark, entries: number): Record<string, number | null> {
  const per = (ms: number | undefined) => (ms === undefined || entries <= 0 ? null : round.ratio((ms * 1000) / entries));
  const terminal = (i: number) => (after.ms[i] === undefined ? undefined : after.ms[i]! - (after.pids[i] === before.pids[i] ? (before.ms[i] ?? 0) : 0));
  const bench = process.cpuUsage(before.bench);
  const a = terminal(0);
  const b = terminal(1);
  const c = (bench.user + bench.system) / 1000;
  return { [s.a.code]: per(a), [s.b.code]: per(b), benchClient: per(c), total: a === undefined || b === undefined ? null : per(a + b + c) };
}

/**
 * How many of `t`'s own messages on `channel` whose text starts with `prefix` it has not marked
 * receipted (`receiptedAt`: by every other party of the channel, the one peer in the bench's
 * two-party channel; `receipts` says which party holds what). A terminal shows a receipt on its event socket as it takes it in and commits its
 * projection just after: asked at once, the last messages can still read unreceipted, so the
 * question is asked again for up to `settleMs` while some are.
 */
export async function ownUnreceipted(t: TerminalProcess, channel: string, prefix: string, settleMs = 5_000): Promise<{ messages: number; unreceipted: number }> {
  const until = performance.now() + settleMs;
  for (;;) {
    const rows = await t.ok<Array<{ text: string; own: boolean; receiptedAt: number | null }>>('GET', `/api/v1/channels/${channel}/messages?limit=100000`);
    const mine = rows.filter((r) => r.own && r.text.startsWith(prefix));
    const unreceipted = mine.filter((r) => r.receiptedAt === null).length;
    if (unreceipted === 0 || performance.now() > until) return { messages: mine.length, unreceipted };
    await sleep(100);
  }
}

/** Runs a phase and adds each terminal's durable commits during it (and entries per commit). */
export async function withCommits(s: Setup, phase: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const before = await Promise.all([commitCounters(s.a), commitCounters(s.b)]);
  const cpuBefore = await cpuMark(s);
  const result = await phase();
  const cpuAfter = await cpuMark(s);
  const after = await Promise.all([commitCounters(s.a), commitCounters(s.b)]);
  const delta = (i: number) => {
    // A restarted terminal (catch-up restarts B) counts from zero again.
    const b = after[i]!.commits >= before[i]!.commits ? before[i]! : { commits: 0, entries: 0 };
    const commits = after[i]!.commits - b.commits;
    const entries = after[i]!.entries - b.entries;
    return { commits, entries, entriesPerCommit: commits > 0 ? round.ratio(entries / commits) : null };
  };
  // A phase that measures CPU over its own window (throughput: the delivery, not the checks after it) keeps its figure.
  return { ...result, durableCommits: { [s.a.code]: delta(0), [s.b.code]: delta(1) }, cpuMicrosPerEntryAtB: result.cpuMicrosPerEntryAtB ?? cpuPerEntry(s, cpuBefore, cpuAfter, delta(1).entries) };
}
