/**
 * Longevity benchmark (#18): a channel of millions of entries, generated straight into the stores
 * of two real terminals (both sides hold both logs, as they would after years: US a message and a
 * link test per round, CN a link echo and a cumulative receipt, each signed with the terminal's own
 * key and chained), on SQLite and on PostgreSQL. Measured before and after the generation, on the
 * same terminals: spawn to /readyz 200, heap and RSS once settled, and the latency of messages
 * sent on the channel (one at a time, each POST answered once committed). The restart reads the
 * lasting entries and each author's last HOTLINE_LOG_WINDOW entries, not the log.
 * HOTLINE_BENCH_LONG_ENTRIES sets the size (default 5,000,000; 20,000 with --quick);
 * HOTLINE_BENCH_LONG_BACKENDS the backends (default "sqlite,postgres"; PostgreSQL at
 * HOTLINE_TEST_PG or postgres://postgres@127.0.0.1:5432/test). A measurement, not a pass/fail test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sealEntry, type Head, type SealedEntry } from '../protocol/index.js';
import { dropSchema, openStore, type EntryRow, type Store } from '../store/index.js';
import { loadTerminalIdentity } from '../terminal/identity/index.js';
import { round, type BenchContext, type BenchModule } from './bench.js';
import { DEFAULT_LOG_WINDOW } from '../terminal/channels/log-memory.js';
import { pairAndOpen, setUp, summary, waitFor, type TerminalProcess } from './terminal-processes.js';

const PG = process.env.HOTLINE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Side {
  readonly t: TerminalProcess;
  party: string;
  signer: Awaited<ReturnType<typeof loadTerminalIdentity>>['terminalSigner'];
}


async function memory(t: TerminalProcess): Promise<{ heapMB: number; rssMB: number; inMemory: number; held: number }> {
  const text = String((await t.call('GET', '/metrics')).json);
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    heapMB: round.ratio(num(/^hotline_nodejs_heap_size_used_bytes (\S+)$/m) / 2 ** 20),
    rssMB: round.ratio(num(/^hotline_process_resident_memory_bytes (\S+)$/m) / 2 ** 20),
    inMemory: num(/^hotline_log_entries\{where="memory"\} (\S+)$/m),
    held: num(/^hotline_log_entries\{where="held"\} (\S+)$/m),
  };
}


/** Restarts A (B running), then measures readiness, memory and send latency on the channel. */
async function measure(a: TerminalProcess, channel: string, sends: number): Promise<Record<string, number>> {
  await a.stop();
  const t0 = performance.now();
  await a.start();
  await waitFor(`${a.code} to be ready`, async () => ((await a.call('GET', '/readyz')).status === 200 ? true : undefined), 120_000, 20);
  const readyMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1500));
  const mem = await memory(a);
  const lat: number[] = [];
  for (let i = 0; i < sends; i++) {
    const s = performance.now();
    await a.ok('POST', `/api/v1/channels/${channel}/messages`, { text: `Longevity probe ${i}`, precedence: 'ROUTINE' });
    lat.push(performance.now() - s);
  }
  const latency = summary(lat);
  return { readyMs: Math.round(readyMs), ...mem, sendP50Ms: latency.p50, sendP99Ms: latency.p99 };
}

/** Appends about `n` entries to the channel in both stores, continuing both logs. */
async function generate(stores: Store[], channel: string, us: Side, cn: Side, n: number, log: (m: string) => void): Promise<number> {
  // Each side's own store holds its own log whole; the other may lack its last entries (in flight
  // when the terminals stopped): those are copied first, so that both stores hold both logs.
  const heads: Record<string, Head> = {};
  for (const [side, own] of [[us, stores[0]!], [cn, stores[1]!]] as const) {
    heads[side.party] = (await own.heads(channel))[side.party]!;
    for (const other of stores) {
      if (other === own) continue;
      const have = (await other.heads(channel))[side.party]?.seq ?? 0;
      const missing = await own.listEntries(channel, { author: side.party, fromSeq: have + 1 });
      if (missing.length) await other.appendEntries(missing.map((e) => ({ channel, author: e.author, seq: e.seq, hash: e.hash, kind: e.kind, time: e.time, raw: e.raw, receivedAt: e.time, prev: e.seq > 1 ? (JSON.parse(e.raw) as { prev: string | null }).prev : null })));
    }
  }
  // Author times never go back, and never past now (the terminals' next own entries follow them):
  // the generated history is dense in time (a millisecond per 1,024 entries, so it ends long
  // before the generation does).
  let time = Date.now();
  let k = 0;
  const rows: EntryRow[] = [];
  const write = (by: Side, other: Side, kind: string, body: object): SealedEntry => {
    const mine = heads[by.party];
    const theirs = heads[other.party];
    const s = sealEntry({ channel, author: by.party, key: by.signer.publicKey, seq: (mine?.seq ?? 0) + 1, prev: mine?.hash ?? null, heads: theirs ? { [other.party]: theirs } : {}, time: (k++ & 1023) === 0 ? ++time : time, kind, body } as never, by.signer, 2);
    heads[by.party] = { seq: s.entry.seq, hash: s.hash } satisfies Head;
    rows.push({ channel, author: by.party, seq: s.entry.seq, hash: s.hash, kind, time: s.entry.time, raw: s.raw, receivedAt: s.entry.time, prev: s.entry.prev });
    return s;
  };
  let total = 0;
  for (let i = 0; total < n; i++) {
    write(us, cn, 'message', { text: `Synthetic report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    const test = write(us, cn, 'link.test', { nonce: i.toString(16).padStart(16, '0'), t1: time });
    write(cn, us, 'link.echo', { test: test.hash, t1: time, t2: time + 2, t3: time + 3 });
    write(cn, us, 'receipt', { holds: [{ author: us.party, ...heads[us.party]! }] });
    total += 4;
    if (rows.length >= 4000) {
      const batch = rows.splice(0);
      // What a terminal running all along would have indexed as these left its memory (log-memory.ts).
      const referents = batch.filter((r) => r.kind === 'message' || r.kind === 'link.test').map((r) => ({ hash: r.hash, author: r.author, seq: r.seq }));
      const marks = [us, cn].map((side) => ({ author: side.party, seq: heads[side.party]!.seq }));
      await Promise.all(stores.map(async (s) => {
        await s.appendEntries(batch);
        await s.indexReferents(channel, referents, marks);
      }));
      if (total % 200_000 < 4) log(`longevity: ${total} of ${n} entries written`);
    }
  }
  if (rows.length) await Promise.all(stores.map((s) => s.appendEntries(rows)));
    return total;
}

async function oneBackend(kind: 'sqlite' | 'postgres', n: number, ctx: BenchContext): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), `hotline-long-${kind}-`));
  const s = await setUp(root, ctx, []);
  const schemas: string[] = [];
  try {
    if (kind === 'postgres')
      for (const t of s.all) {
        const file = join(t.dir, 'config.json');
        const schema = `bench_long_${t.code.toLowerCase()}_${process.pid}`;
        schemas.push(schema);
        const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        writeFileSync(file, JSON.stringify({ ...config, database: { kind: 'postgres', connectionString: PG, schema } }, null, 2));
      }
    await Promise.all([s.a.start(), s.b.start()]);
    const channel = await pairAndOpen(s, ctx, { title: { en: 'Longevity line' }, tier: 'technical', protocol: 2 });
    const sends = ctx.quick ? 20 : 200;
    ctx.log(`longevity (${kind}): a fresh channel`);
    const fresh = await measure(s.a, channel, sends);
    await Promise.all([s.a.stop(), s.b.stop()]);
    const ids = await Promise.all([loadTerminalIdentity(s.a.dir), loadTerminalIdentity(s.b.dir)]);
    const us: Side = { t: s.a, party: ids[0].party, signer: ids[0].terminalSigner };
    const cn: Side = { t: s.b, party: ids[1].party, signer: ids[1].terminalSigner };
    const stores = await Promise.all(ids.map((id) => openStore(id.database.kind === 'sqlite' ? { ...id.database, synchronous: 'normal' } : id.database)));
    ctx.log(`longevity (${kind}): generating ${n} entries into both stores`);
    const g0 = performance.now();
    const entries = await generate(stores, channel, us, cn, n, ctx.log);
    const generateSeconds = (performance.now() - g0) / 1000;
    // A PostgreSQL database that grew over years has been analysed by autovacuum many times (its
    // threshold is 10% of a table's rows changed); a bulk load has not: planned as if the tables
    // were nearly empty, the first queries on the long channel would not be a terminal's. (SQLite
    // keeps no statistics unless told to, and a terminal never tells it: none there.)
    const a0 = performance.now();
    if (kind === 'postgres') await Promise.all(stores.map((st) => st.analyze()));
    const analyzeSeconds = (performance.now() - a0) / 1000;
    await Promise.all(stores.map((st) => st.close()));
    await s.b.start();
    ctx.log(`longevity (${kind}): restarting on the long channel (the first start indexes older messages by hash once)`);
    const first = await measure(s.a, channel, ctx.quick ? 5 : 20);
    const long = await measure(s.a, channel, sends);
    return {
      entries,
      generateSeconds: round.seconds(generateSeconds),
      analyzeSeconds: round.seconds(analyzeSeconds),
      fresh,
      firstStartAfterGeneration: { readyMs: first.readyMs },
      long,
      ratios: { readyLongOverFresh: round.ratio(long.readyMs! / fresh.readyMs!), heapDeltaMB: round.ratio(long.heapMB! - fresh.heapMB!), sendP50LongOverFresh: round.ratio(long.sendP50Ms! / fresh.sendP50Ms!), sendP99LongOverFresh: round.ratio(long.sendP99Ms! / fresh.sendP99Ms!) },
    };
  } finally {
    for (const t of s.all) await t.stop();
    if (!process.env.HOTLINE_BENCH_LONG_KEEP) for (const schema of schemas) await dropSchema(PG, schema).catch(() => undefined);
    if (process.env.HOTLINE_BENCH_LONG_KEEP) ctx.log(`longevity: kept ${root} (HOTLINE_BENCH_LONG_KEEP)`);
    else rmSync(root, { recursive: true, force: true });
  }
}

async function run(ctx: BenchContext): Promise<unknown> {
  const n = Number(process.env.HOTLINE_BENCH_LONG_ENTRIES ?? (ctx.quick ? 20_000 : 5_000_000));
  const backends = (process.env.HOTLINE_BENCH_LONG_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim()) as Array<'sqlite' | 'postgres'>;
  const out: Record<string, unknown> = { window: Number(process.env.HOTLINE_LOG_WINDOW ?? DEFAULT_LOG_WINDOW) };
  for (const b of backends) out[b] = await oneBackend(b, n, ctx);
  return out;
}

export const longevityBench: BenchModule = {
  name: 'longevity',
  description: 'a channel of millions of entries on SQLite and PostgreSQL: restart to /readyz, heap, send latency, against the same terminals on a fresh channel',
  run,
};
