/**
 * Proof-of-one-message benchmark (#18, docs/protocol.md §14.3): a version-2 bilateral channel is
 * written straight into a SQLite store (US: a message and a link test per round; CN: a link echo
 * and a cumulative receipt), then proofs of messages early, in the middle and late in the log are
 * made through the terminal's own proof source (the store queries `hotline prove` uses) and
 * verified. Reported at two channel sizes, to show that neither cost grows with the log: time to
 * make and to verify a proof (medians), the proof's size, and the verification as a multiple of
 * one raw Ed25519 verification of the same run. `HOTLINE_BENCH_PROOF_ENTRIES` sets the larger
 * size (default 200,000; 20,000 with --quick). A measurement, not a pass/fail test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildProof, charterHash, proofText, sealEntry, selectProofParts, verifyProof, type ChannelLog, type Head, type SealedEntry } from '../protocol/index.js';
import { openStore, type EntryRow, type Store } from '../store/index.js';
import { OfficerReadModel } from '../terminal/officer-api/read-model.js';
import { storeProofSource } from '../terminal/officer-api/proof-route.js';
import { makeCharter, makeParty, T0 } from '../testkit/scenario.js';
import { rawEd25519 } from './protocol-bench.js';
import { round, type BenchContext, type BenchModule } from './bench.js';

const us = makeParty('US', { en: 'United States' });
const cn = makeParty('CN', { en: 'China' });

interface Channel {
  readonly store: Store;
  readonly log: ChannelLog;
  readonly messages: SealedEntry[];
  readonly entries: number;
}

/** Writes a channel of about `n` entries into a fresh SQLite store. */
async function writeChannel(dir: string, n: number, log: (m: string) => void): Promise<Channel> {
  const store = await openStore({ kind: 'sqlite', path: join(dir, `proof-${n}.db`), synchronous: 'normal' });
  const proposal = sealEntry({ channel: null, author: us.id, key: us.terminal.publicKey, seq: 1, prev: null, heads: {}, time: T0, kind: 'charter.propose', body: { charter: makeCharter([us, cn], { protocol: 2 }) } }, us.terminal, 2);
  const id = proposal.hash;
  const heads: Record<string, Head> = { [us.id]: { seq: 1, hash: proposal.hash } };
  let time = T0;
  const rows: EntryRow[] = [];
  const messages: SealedEntry[] = [];
  /** Each acknowledgement and the message it names, listed as the terminal lists them (message_acks). */
  const acks: Array<[message: SealedEntry, ack: SealedEntry]> = [];
  const write = (by: typeof us, kind: 'message' | 'link.test' | 'link.echo' | 'receipt' | 'charter.accept' | 'ack', body: object): SealedEntry => {
    const other = by === us ? cn : us;
    const mine = heads[by.id];
    const s = sealEntry({ channel: id, author: by.id, key: by.terminal.publicKey, seq: (mine?.seq ?? 0) + 1, prev: mine?.hash ?? null, heads: heads[other.id] ? { [other.id]: heads[other.id]! } : {}, time: (time += 250), kind, body } as never, by.terminal, 2);
    heads[by.id] = { seq: s.entry.seq, hash: s.hash };
    rows.push({ channel: id, author: by.id, seq: s.entry.seq, hash: s.hash, kind, time: s.entry.time, raw: s.raw, receivedAt: s.entry.time, prev: s.entry.prev });
    return s;
  };
  rows.push({ channel: id, author: us.id, seq: 1, hash: id, kind: 'charter.propose', time: T0, raw: proposal.raw, receivedAt: T0, prev: null });
  write(cn, 'charter.accept', { charter: charterHash(makeCharter([us, cn], { protocol: 2 })) });
  let total = 2;
  for (let i = 0; total < n; i++) {
    messages.push(write(us, 'message', { text: `Message ${i} of the benchmark channel`, lang: 'en', precedence: 'ROUTINE' }));
    const test = write(us, 'link.test', { nonce: i.toString(16).padStart(16, '0'), t1: time });
    write(cn, 'link.echo', { test: test.hash, t1: time, t2: time + 20, t3: time + 21 });
    write(cn, 'receipt', { holds: [{ author: us.id, ...heads[us.id]! }] });
    const m = messages[messages.length - 1]!;
    const ack = write(cn, 'ack', { message: m.hash, officer: { name: 'Duty Officer Li', title: 'Duty Officer', role: 'duty-officer' } });
    acks.push([m, ack]);
    total += 5;
    if (rows.length >= 4000) {
      await store.appendEntries(rows.splice(0));
      if (i % 25_000 === 0) log(`proof: ${total} of ${n} entries written`);
    }
  }
  if (rows.length) await store.appendEntries(rows.splice(0));
  await store.transaction(async (tx) => {
    for (const [m, a] of acks) await tx.putAckEntry({ channel: id, author: m.entry.author, seq: m.entry.seq }, { author: a.entry.author, seq: a.entry.seq });
  });
  // What storeProofSource reads of the in-memory log: its id, proposal, authors and heads.
  const fakeLog = { id, proposal, authors: () => [us.id, cn.id], head: (a: string) => heads[a] } as unknown as ChannelLog;
  return { store, log: fakeLog, messages, entries: total };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(c: Channel, at: number, repeats: number) {
  const reads = new OfficerReadModel(c.store, us.id);
  const source = storeProofSource(c.log, reads, [us.card, cn.card]);
  const message = c.messages[Math.min(c.messages.length - 1, Math.floor(at * c.messages.length))]!;
  const make: number[] = [];
  const check: number[] = [];
  let text = '';
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const doc = buildProof((await selectProofParts(source, message))!);
    text = proofText(doc);
    const t1 = performance.now();
    const verdict = verifyProof(JSON.parse(text));
    const t2 = performance.now();
    if (!verdict.valid) throw new Error(`bench proof does not verify: ${verdict.error.message}`);
    if (verdict.facts.acks.length !== 1) throw new Error('bench proof lacks the acknowledgement');
    make.push(t1 - t0);
    check.push(t2 - t1);
  }
  return { seq: message.entry.seq, makeMs: median(make), verifyMs: median(check), bytes: Buffer.byteLength(text) };
}

async function run(ctx: BenchContext): Promise<unknown> {
  const big = Number(process.env.HOTLINE_BENCH_PROOF_ENTRIES ?? (ctx.quick ? 20_000 : 200_000));
  const dir = mkdtempSync(join(tmpdir(), 'hotline-proof-bench-'));
  const ed = rawEd25519();
  const rawVerifyPerSec = ed.verifyRate(ctx.quick ? 100 : 500, 3);
  const out: Record<string, unknown> = { rawVerifyPerSec: round.rate(rawVerifyPerSec) };
  try {
    for (const n of [Math.round(big / 10), big]) {
      ctx.log(`proof: writing a channel of ${n} entries`);
      const c = await writeChannel(dir, n, ctx.log);
      const depths: Record<string, unknown> = {};
      for (const [name, at] of [['early', 0.01], ['middle', 0.5], ['late', 0.99]] as const) {
        const m = await measure(c, at, ctx.quick ? 5 : 21);
        depths[name] = { seq: m.seq, makeMs: round.seconds(m.makeMs), verifyMs: round.seconds(m.verifyMs), bytes: m.bytes, verifyInRawVerifications: round.ratio((m.verifyMs / 1000) * rawVerifyPerSec) };
      }
      out[`entries${c.entries}`] = depths;
      await c.store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export const proofBench: BenchModule = {
  name: 'proof',
  description: 'proof of one message: making and verifying it early, midway and late in a large version-2 channel (SQLite)',
  run,
};
