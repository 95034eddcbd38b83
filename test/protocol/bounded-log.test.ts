/**
 * A log that keeps only its last entries in memory (trimPlan/applyTrim) or was rebuilt from its
 * tails (ChannelLog.restore) judges every entry exactly as a log holding everything, once the facts
 * it names as 'cold' are given from the store (here: the scenario's own entries).
 */
import { describe, expect, it } from 'vitest';
import { ChannelLog, KeyRegistry, KeySigner, coldEntryOf, isLastingKind, referentOf, sealEntry, type ColdNeed, type Entry, type IngestResult, type SealedEntry, type UnsignedEntry } from '../../src/protocol/index.js';
import { bilateralScenario, type Scenario } from '../../src/testkit/scenario.js';

function registryOf(s: Scenario): KeyRegistry {
  const registry = new KeyRegistry();
  for (const p of s.parties) registry.addCard(p.card);
  return registry;
}

function found(s: Scenario): ChannelLog {
  const r = ChannelLog.found(s.entries[0]!, registryOf(s));
  if (!r.ok) throw new Error(r.error.message);
  return r.log;
}

/** Answers a cold need from `all`, as the terminal answers it from its store. */
function answer(log: ChannelLog, need: ColdNeed, all: readonly SealedEntry[]): void {
  if (need.type === 'entry') {
    const s = all.find((x) => x.entry.author === need.author && x.entry.seq === need.seq);
    if (!s) throw new Error(`no entry ${need.author}#${need.seq}`);
    log.warmEntry(coldEntryOf(s));
  } else {
    const s = all.find((x) => x.hash === need.hash && referentOf(x) !== undefined);
    log.warmReferent(need.hash, s ? referentOf(s)! : null);
  }
}

function ingestWarm(log: ChannelLog, sealed: SealedEntry, all: readonly SealedEntry[], colds: ColdNeed[] = []): IngestResult {
  for (let i = 0; i < 32; i++) {
    const r = log.ingest(sealed);
    if (r.status !== 'cold') return r;
    colds.push(r.need);
    answer(log, r.need, all);
  }
  throw new Error('cold lookups do not converge');
}

function resign(sealed: SealedEntry, signer: KeySigner, change: Partial<UnsignedEntry>): SealedEntry {
  const { sig: _s, v: _v, ...fields } = sealed.entry as Entry;
  return sealEntry({ ...fields, key: signer.publicKey, ...change } as UnsignedEntry, signer);
}

describe('a log bounded in memory', () => {
  const s = bilateralScenario(40);
  const e = s.entries;
  const cn = s.parties[1]!;

  it('accepts a whole history while trimming to 1 entry per author, reading older facts on demand', () => {
    const s2 = bilateralScenario(12);
    const first = s2.entries.find((x) => x.entry.kind === 'message')!;
    // A late second acknowledgement of the first message, long after it left memory.
    s2.ack(s2.parties[1]!, first as SealedEntry<'message'>);
    const e = s2.entries;
    const log = found(s2);
    const colds: ColdNeed[] = [];
    for (const x of e.slice(1)) {
      expect(ingestWarm(log, x, e, colds).status).toBe('accepted');
      const plan = log.trimPlan(1, 0);
      if (plan) log.applyTrim(plan);
    }
    expect(log.size).toBe(e.length);
    for (const n of Object.values(log.inMemory())) expect(n).toBeLessThanOrEqual(1);
    // The late acknowledgement names a message that left memory: it was read in.
    expect(colds.some((c) => c.type === 'referent')).toBe(true);
    // A replayed old entry is still a duplicate, and its twin still equivocation.
    expect(ingestWarm(log, e[3]!, e)).toEqual({ status: 'duplicate' });
  });

  it('judges forged and faulty entries exactly as a log holding everything', () => {
    const full = found(s);
    for (const x of e.slice(1, -1)) full.ingest(x);
    const trimmed = found(s);
    for (const x of e.slice(1, -1)) {
      ingestWarm(trimmed, x, e);
      const plan = trimmed.trimPlan(1, 0);
      if (plan) trimmed.applyTrim(plan);
    }
    const last = e[e.length - 1]!;
    const ackIndex = e.findIndex((x) => x.entry.kind === 'ack' && x.entry.author === cn.id);
    const messageOfUs = e.find((x) => x.entry.kind === 'message' && x.entry.author !== cn.id)!;
    const variants: SealedEntry[] = [
      last,
      resign(last, cn.terminal, { prev: e[0]!.hash }),
      resign(last, cn.terminal, { heads: { [s.parties[0]!.id]: { seq: 2, hash: e[0]!.hash } } }),
      resign(last, cn.terminal, { heads: { [s.parties[0]!.id]: { seq: 1, hash: e[0]!.hash } } }),
      resign(e[ackIndex]!, cn.terminal, { seq: last.entry.seq, prev: e[e.length - 2]!.entry.author === cn.id ? e[e.length - 2]!.hash : last.entry.prev, heads: last.entry.heads, time: last.entry.time }),
      resign(last, cn.terminal, { kind: 'ack', body: { message: messageOfUs.hash, officer: { name: 'A', title: 'B', role: 'duty-officer' } } as Entry['body'] }),
      resign(last, cn.terminal, { kind: 'ack', body: { message: 'ab'.repeat(32), officer: { name: 'A', title: 'B', role: 'duty-officer' } } as Entry['body'] }),
      resign(last, cn.terminal, { kind: 'receipt', body: { holds: [{ author: s.parties[0]!.id, seq: 1, hash: e[1]!.hash }] } as Entry['body'] }),
    ];
    for (const v of variants) {
      const want = full.ingest(v);
      const got = ingestWarm(trimmed, v, e);
      expect(got.status).toBe(want.status);
      if ('error' in want && 'error' in got) expect(got.error.code).toBe(want.error.code);
    }
  });

  it('restores from the lasting entries and the tails, then goes on', () => {
    const cut = e.length - 10;
    const stored = e.slice(0, cut);
    const lasting = stored.filter((x) => isLastingKind(x.entry.kind));
    const authors = [...new Set(stored.map((x) => x.entry.author))];
    const tails = authors.map((author) => ({ author, entries: stored.filter((x) => x.entry.author === author).slice(-3) }));
    const log = ChannelLog.restore(e[0]!, registryOf(s), () => undefined, lasting, tails);
    expect(log.size).toBe(cut);
    expect(log.state(e[cut]!.entry.time).state).toBe('active');
    for (const x of e.slice(cut)) expect(ingestWarm(log, x, e).status).toBe('accepted');
    expect(log.size).toBe(e.length);
  });
});
