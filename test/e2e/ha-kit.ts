/**
 * High availability in the e2e tests (#19): a party with two instances on one PostgreSQL schema,
 * a peer, and traffic that follows the active instance, retrying with its Idempotency-Key.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { expect, inject } from 'vitest';
import pg from 'pg';
import { Harness, MAIN, Party, check, freePort, waitFor } from './harness.js';

/** The instances of the highly available party, the peer and their channel. */
export interface HaSetup {
  readonly h: Harness;
  readonly a: Party;
  readonly b: Party;
  readonly peer: Party;
  readonly channel: string;
  readonly schema: string;
  readonly url: string;
  /** A query on the party's schema. */
  sql<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
}

/** US with instances a and b on a fresh schema, CN on SQLite, paired, with an active channel. */
export async function haSetup(opts: { leaseMs?: number; linkTestIntervalSec?: number; url?: string; harness?: Harness } = {}): Promise<HaSetup> {
  const url = opts.url ?? inject('pgUrl');
  const schema = `e2e_ha_${randomBytes(4).toString('hex')}`;
  const h = opts.harness ?? (await Harness.create());
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  pool.on('error', () => {});
  h.defer(() => {
    void pool
      .end()
      .then(() => execFileSync('psql', ['-q', '-d', url, '-c', `DROP SCHEMA IF EXISTS ${schema} CASCADE`], { stdio: 'ignore', timeout: 10_000 }))
      .catch(() => {});
  });
  // CN (a terminal of its own, on SQLite) starts while US's two instances are set up: the two
  // sides do not depend on each other until they are paired below.
  const peerStarting = h.party('CN', 'China');
  peerStarting.catch(() => {});
  const us = async () => {
    const a = await h.party('US', 'United States', { init: ['--postgres', url, '--postgres-schema', schema], start: false });
    const [officerPort, federationPort] = [await freePort(), await freePort()];
    const bDir = `${a.dir}-b`;
    await h.ok(['ha', 'add-instance', '--data', a.dir, '--to', bDir, '--instance', 'b', '--officer-port', String(officerPort), '--federation-port', String(federationPort)]);
    // The card now certifies both instances: export it again for the peer.
    await h.ok(['card', 'export', '--data', a.dir, '--out', a.cardPath]);
    const b = new Party(h, { code: 'US', dir: bDir, officerPort, federationPort, fingerprint: a.fingerprint, cardPath: a.cardPath });
    h.parties.push(b);
    const env = { HOTLINE_HA_LEASE_MS: String(opts.leaseMs ?? 3000) };
    a.env = env;
    b.env = env;
    await a.start();
    await waitFor('instance a to be active', async () => (await fetch(`${a.officerUrl}/readyz`)).status === 200);
    await b.start();
    return { a, b };
  };
  const [{ a, b }, peer] = await Promise.all([us(), peerStarting]);
  // Each side adds the other on its own terminal, as Harness.pair does: they do not wait for each other.
  await Promise.all([
    a.cli(['peer', 'add', peer.cardPath, '--fingerprint', peer.fingerprint]).then(check('US peer add CN')),
    peer.cli(['peer', 'add', a.cardPath, '--fingerprint', a.fingerprint]).then(check('CN peer add US')),
  ]);
  await a.linkUp(peer);
  const channel = await h.openChannel(a, peer, { title: { en: 'HA line' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: opts.linkTestIntervalSec ?? 60 });
  return { h, a, b, peer, channel, schema, url, sql: async (text, values) => (await pool.query(text, values)).rows };
}

/** Which instance answers /readyz 200 (the active one), if any. */
export async function activeOf(s: HaSetup): Promise<Party | undefined> {
  for (const p of [s.a, s.b]) {
    const ok = await fetch(`${p.officerUrl}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ok) return p;
  }
  return undefined;
}

/** Sends messages at a steady rate to one side, through whichever instance takes them. */
export class Traffic {
  /** Texts whose send the API accepted (201), with the message id. */
  readonly accepted = new Map<string, string>();
  /** Texts given up on (every attempt failed for the retry budget). */
  readonly abandoned = new Set<string>();
  readonly #targets: () => Party[];
  readonly #channel: string;
  readonly #label: string;
  #n = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  /** Index of the instance that answered last. */
  #current = 0;

  constructor(o: { targets: () => Party[]; channel: string; label: string }) {
    this.#targets = o.targets;
    this.#channel = o.channel;
    this.#label = o.label;
  }

  /** `perSecond` messages a second, in bursts every 50 ms. */
  start(perSecond: number): void {
    const burst = Math.max(1, Math.round(perSecond / 20));
    this.#timer = setInterval(() => {
      for (let i = 0; i < burst; i++) {
        const p = this.#send(`${this.#label} #${++this.#n}`);
        this.#inFlight.add(p);
        void p.finally(() => this.#inFlight.delete(p));
      }
    }, 50);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#inFlight]);
  }

  get sent(): number {
    return this.#n;
  }

  /**
   * One message: tried on the instance that answered last, then the other, with the same
   * Idempotency-Key, for up to 60 s (a loaded machine may answer slowly while instances fail over).
   */
  async #send(text: string): Promise<void> {
    const key = randomUUID();
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const targets = this.#targets();
      const target = targets[this.#current % targets.length]!;
      const answer = await target.apiRaw('POST', `/api/v1/channels/${this.#channel}/messages`, { text, precedence: 'ROUTINE' }, { 'idempotency-key': key }, 20_000).catch(() => undefined);
      if (answer && answer.status === 201) {
        this.accepted.set(text, (answer.body as { id: string }).id);
        return;
      }
      if (answer && answer.status < 500 && answer.status !== 429) throw new Error(`${this.#label}: ${text} refused: ${answer.status} ${answer.text}`);
      // Down, a standby (HA_STANDBY), fenced, or reconciling: the other instance, after a pause.
      this.#current += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.abandoned.add(text);
  }
}

/** `hotline ha proxy` in front of both instances; resolves with its URL once it listens. */
export async function startProxy(s: HaSetup): Promise<{ url: string; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, 'ha', 'proxy', '--upstream', s.a.officerUrl, '--upstream', s.b.officerUrl, '--listen', `127.0.0.1:${port}`], { cwd: s.h.root, stdio: ['ignore', 'pipe', 'pipe'] });
  s.h.children.add(child);
  child.on('exit', () => s.h.children.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the proxy to listen', () => out.includes('Officer proxy on'), 15_000);
  return { url: `http://127.0.0.1:${port}`, output: () => out };
}

/** US's own entries as CN's export holds them: every sequence number once, 1..n, and the bundle verifies. */
export async function checkPeerExport(s: HaSetup): Promise<{ usEntries: number; keys: Set<string> }> {
  const file = join(s.h.root, 'cn-export.jsonl');
  await s.peer.cli(['export', s.channel], { stdoutFile: file }).then(check('export at CN'));
  const v = await s.h.cli(['verify', file]);
  expect(v.stdout).toContain('Verdict: VALID');
  expect(v.code).toBe(0);
  const us = JSON.parse(await readFile(s.a.cardPath, 'utf8')) as { party: string };
  const seqs: number[] = [];
  const keys = new Set<string>();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.startsWith('{"author":')) continue;
    const e = JSON.parse(line) as { author: string; seq: number; key: string };
    if (e.author !== us.party) continue;
    seqs.push(e.seq);
    keys.add(e.key);
  }
  seqs.sort((x, y) => x - y);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  return { usEntries: seqs.length, keys };
}

/** Every text accepted arrived exactly once, and unaccepted ones at most once. */
export function checkArrivals(traffic: Traffic, arrived: Array<{ text: string; id: string }>): void {
  const count = new Map<string, number>();
  for (const m of arrived) count.set(m.text, (count.get(m.text) ?? 0) + 1);
  for (const [text, id] of traffic.accepted) {
    expect(count.get(text), `${text} arrived once`).toBe(1);
    expect(arrived.find((m) => m.text === text)?.id).toBe(id);
  }
  for (const [text, n] of count) expect(n, `${text} at most once`).toBe(1);
}

export const other = (s: HaSetup, p: Party): Party => (p === s.a ? s.b : s.a);

/** Messages both ways at `rate` a second each: US→CN following the active instance, CN→US to the peer. */
export function trafficBothWays(s: HaSetup, rate: number): { toPeer: Traffic; toUs: Traffic } {
  const toPeer = new Traffic({ targets: () => [s.a, other(s, s.a)], channel: s.channel, label: 'US→CN' });
  const toUs = new Traffic({ targets: () => [s.peer], channel: s.channel, label: 'CN→US' });
  toPeer.start(rate);
  toUs.start(rate);
  return { toPeer, toUs };
}

/** Stops both streams, then checks that every message an API accepted arrived exactly once, no evidence, a valid export and no sequence number twice; the active instance. */
export async function settle(s: HaSetup, toPeer: Traffic, toUs: Traffic): Promise<Party> {
  await toPeer.stop();
  await toUs.stop();
  const active = (await waitFor('an active instance', () => activeOf(s), 30_000))!;
  await waitFor('CN to hold every message US accepted', async () => {
    const at = new Set((await s.peer.messages(s.channel)).map((m) => m.text));
    return [...toPeer.accepted.keys()].every((t) => at.has(t));
  }, 60_000, 500);
  await waitFor('US to hold every message CN accepted', async () => {
    const at = new Set((await active.messages(s.channel)).map((m) => m.text));
    return [...toUs.accepted.keys()].every((t) => at.has(t));
  }, 60_000, 500);
  checkArrivals(toPeer, (await s.peer.messages(s.channel)).filter((m) => !m.own));
  checkArrivals(toUs, (await active.messages(s.channel)).filter((m) => !m.own));
  expect(await s.peer.api<unknown[]>('GET', `/api/v1/channels/${s.channel}/evidence`)).toEqual([]);
  await checkPeerExport(s);
  expect(await s.sql('select author, seq from entries where channel = $1 group by author, seq having count(*) > 1', [s.channel])).toEqual([]);
  return active;
}
