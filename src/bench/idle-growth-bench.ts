/**
 * Growth of an idle bilateral channel (#18, docs/protocol.md §6.2): the entries an idle channel
 * writes, on a simulated clock, at the default 60 s link-test interval, written straight into a
 * SQLite store to measure the bytes on disk.
 *
 * Version 1: each interval both parties write a link.test, each answers the other's with a
 * link.echo, and each receipts what it received (the reference terminal receipts every received
 * batch that holds something other than receipts, channel-committer.ts). A week is simulated and
 * scaled to a year (a year of version 1 is about 4 million entries: too long for a benchmark run).
 * Version 2: link tests are frames (not stored); each party writes a link.summary an hour, which
 * the other receipts, and a link.state per state change, also receipted (`outagesPerYear`
 * outages, each seen by both parties as up -> degraded -> down -> up), and a checkpoint a day
 * (§15.1), also receipted. A whole year is simulated.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastingCommitment, percentiles, sealEntry, type BodyOf, type Head } from '../protocol/index.js';
import { openStore, type EntryRow } from '../store/index.js';
import { makeCharter, makeParty, T0 } from '../testkit/scenario.js';
import { round, type BenchContext, type BenchModule } from './bench.js';

const us = makeParty('US', { en: 'United States' });
const cn = makeParty('CN', { en: 'China' });
const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;
const INTERVAL = 60_000;

type Party = typeof us;

/** A channel written straight into a fresh store, on its own simulated clock. */
async function channelWriter(dir: string, name: string, version: 1 | 2) {
  const path = join(dir, `${name}.db`);
  const store = await openStore({ kind: 'sqlite', path, synchronous: 'normal' });
  const charter = makeCharter([us, cn], version === 2 ? { protocol: 2 } : {});
  const proposal = sealEntry({ channel: null, author: us.id, key: us.terminal.publicKey, seq: 1, prev: null, heads: {}, time: T0, kind: 'charter.propose', body: { charter } }, us.terminal, version);
  const id = proposal.hash;
  const heads: Record<string, Head> = { [us.id]: { seq: 1, hash: id } };
  const rows: EntryRow[] = [{ channel: id, author: us.id, seq: 1, hash: id, kind: 'charter.propose', time: T0, raw: proposal.raw, receivedAt: T0, prev: null }];
  const counts: Record<string, number> = { 'charter.propose': 1 };
  let entries = 1;
  let wireBytes = proposal.raw.length;
  const write = async (by: Party, time: number, kind: string, body: object) => {
    const other = by === us ? cn : us;
    const mine = heads[by.id];
    const s = sealEntry({ channel: id, author: by.id, key: by.terminal.publicKey, seq: (mine?.seq ?? 0) + 1, prev: mine?.hash ?? null, heads: heads[other.id] ? { [other.id]: heads[other.id]! } : {}, time, kind, body } as never, by.terminal, version);
    heads[by.id] = { seq: s.entry.seq, hash: s.hash };
    rows.push({ channel: id, author: by.id, seq: s.entry.seq, hash: s.hash, kind: kind as EntryRow['kind'], time, raw: s.raw, receivedAt: time, prev: s.entry.prev });
    counts[kind] = (counts[kind] ?? 0) + 1;
    entries++;
    wireBytes += s.raw.length;
    if (rows.length >= 4000) await store.appendEntries(rows.splice(0));
    return s;
  };
  const receipt = (by: Party, time: number) => write(by, time, 'receipt', { holds: [{ author: (by === us ? cn : us).id, ...heads[(by === us ? cn : us).id]! }] });
  return {
    id,
    write,
    receipt,
    async finish() {
      if (rows.length) await store.appendEntries(rows.splice(0));
      await store.close();
      const bytes = readdirSync(dir).filter((f) => f.startsWith(`${name}.db`)).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
      return { entries, counts, wireBytes, diskBytes: bytes };
    },
  };
}

/** A simulated `span` of version 1 at the default interval. */
async function version1(dir: string, span: number) {
  const c = await channelWriter(dir, 'v1', 1);
  await c.write(cn, T0 + 1, 'charter.accept', { charter: c.id });
  for (let t = T0 + INTERVAL; t < T0 + span; t += INTERVAL) {
    const a = await c.write(us, t, 'link.test', { nonce: t.toString(16).padStart(16, '0'), t1: t });
    const b = await c.write(cn, t + 5, 'link.test', { nonce: (t + 5).toString(16).padStart(16, '0'), t1: t + 5 });
    await c.write(cn, t + 20, 'link.echo', { test: a.hash, t1: t, t2: t + 20, t3: t + 20 });
    await c.write(us, t + 25, 'link.echo', { test: b.hash, t1: t + 5, t2: t + 25, t3: t + 25 });
    await c.receipt(cn, t + 45);
    await c.receipt(us, t + 50);
  }
  return c.finish();
}

/** A simulated year of version 2: hourly summaries, state changes, daily checkpoints (§15), and their receipts. */
async function version2(dir: string, outagesPerYear: number) {
  const c = await channelWriter(dir, 'v2', 2);
  const accept = await c.write(cn, T0 + 1, 'charter.accept', { charter: c.id });
  const checkpoint = lastingCommitment([{ author: cn.id, seq: 1, hash: accept.hash }]);
  const outageEvery = outagesPerYear > 0 ? Math.floor(YEAR / outagesPerYear / HOUR) : Infinity;
  let jitter = 7;
  const samples = () => Array.from({ length: 60 }, () => ((jitter = (jitter * 1103515245 + 12345) % 2147483648), 40 + (jitter % 30)));
  for (let h = 1; h * HOUR <= YEAR; h++) {
    const until = T0 + h * HOUR;
    for (const [by, peer] of [[us, cn], [cn, us]] as const) {
      const rtts = samples();
      const body: BodyOf<'link.summary'> = { from: until - HOUR, until, peers: [{ peer: peer.id, sent: 60, answered: 60, failures: 0, rttMs: percentiles(rtts)!, offsetMs: percentiles(rtts.map((x) => x - 55))!, state: 'up' }] };
      await c.write(by, until + (by === us ? 0 : 3), 'link.summary', body);
      await c.receipt(peer, until + 30);
    }
    if (h % 24 === 0)
      for (const [by, peer] of [[us, cn], [cn, us]] as const) {
        await c.write(by, until + 40_000, 'checkpoint', checkpoint);
        await c.receipt(peer, until + 40_030);
      }
    if (h % outageEvery === 0)
      for (const [i, [was, state]] of ([['up', 'degraded'], ['degraded', 'down'], ['down', 'up']] as const).entries())
        for (const [by, peer] of [[us, cn], [cn, us]] as const) {
          const at = until + 60_000 * (2 + i);
          await c.write(by, at, 'link.state', { peer: peer.id, state, was, at, reason: state === 'up' ? 'signed link tests answered' : 'no signed echo for 120 s', rttMs: 45, offsetMs: -10 });
          await c.receipt(peer, at + 30);
        }
  }
  return c.finish();
}

async function run(ctx: BenchContext): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-idle-growth-'));
  const days = ctx.quick ? 1 : 7;
  const outagesPerYear = 12;
  try {
    ctx.log(`idle-growth: version 1, ${days} simulated day(s) at a ${INTERVAL / 1000} s interval`);
    const v1 = await version1(dir, days * 24 * HOUR);
    const scale = 365 / days;
    ctx.log('idle-growth: version 2, one simulated year');
    const v2 = await version2(dir, outagesPerYear);
    return {
      intervalSec: INTERVAL / 1000,
      version1: { simulatedDays: days, measured: v1, perYear: { entries: Math.round(v1.entries * scale), wireBytes: Math.round(v1.wireBytes * scale), diskBytes: Math.round(v1.diskBytes * scale) } },
      version2: { simulatedDays: 365, outagesPerYear, perYear: v2 },
      ratio: { entries: round.ratio((v1.entries * scale) / v2.entries), diskBytes: round.ratio((v1.diskBytes * scale) / v2.diskBytes) },
      targetEntriesPerYear: 50_000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const idleGrowthBench: BenchModule = {
  name: 'idle-growth',
  description: 'growth of an idle bilateral channel per year (entries, bytes on disk): version 1 link-test entries against version 2 frames and hourly summaries',
  run,
};
