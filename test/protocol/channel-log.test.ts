/** ChannelLog ingest outcomes (docs/protocol.md §4.2, §6, §7): what a terminal does with each entry offered. */
import { describe, expect, it } from 'vitest';
import { ChannelLog, KeyRegistry, KeySigner, canonicalize, charterHash, composeEntry, parseEntry, sealEntry, sha256, toBase64Url, type Entry, type SealedEntry, type UnsignedEntry } from '../../src/protocol/index.js';
import { Scenario, bilateralScenario, makeCharter, makeParty } from '../../src/testkit/scenario.js';

/** A fresh log holding the first `n` entries of a finished scenario, as a peer would rebuild it. */
function replay(s: Scenario, n: number): ChannelLog {
  const registry = new KeyRegistry();
  for (const p of s.parties) registry.addCard(p.card);
  const r = ChannelLog.found(s.entries[0]!, registry);
  if (!r.ok) throw new Error(r.error.message);
  for (const e of s.entries.slice(1, n)) expect(r.log.ingest(e).status).toBe('accepted');
  return r.log;
}

function resign(sealed: SealedEntry, signer: KeySigner, change: Partial<UnsignedEntry>): SealedEntry {
  const { sig: _s, v: _v, ...fields } = sealed.entry as Entry;
  return sealEntry({ ...fields, key: signer.publicKey, ...change } as UnsignedEntry, signer);
}

describe('ChannelLog.ingest', () => {
  const s = bilateralScenario(3);
  const [us, cn] = s.parties as [Scenario['parties'][number], Scenario['parties'][number]];
  const e = s.entries;

  it('accepts every entry of a valid history in order', () => {
    expect(replay(s, e.length).size).toBe(e.length);
  });

  it('treats a replayed entry as an idempotent duplicate', () => {
    const log = replay(s, e.length);
    expect(log.ingest(e[5]!)).toEqual({ status: 'duplicate' });
    expect(log.ingest(e[0]!)).toEqual({ status: 'duplicate' });
    expect(log.size).toBe(e.length);
  });

  it('holds an entry whose predecessors are missing as pending, naming the ranges to fetch', () => {
    const log = replay(s, 2);
    const last = e[e.length - 1]!; // CN#6, heads US#4
    const r = log.ingest(last);
    expect(r.status).toBe('pending');
    if (r.status !== 'pending') return;
    expect(r.error.code).toBe('ENTRY_SEQUENCE_GAP');
    expect(r.missing).toEqual([{ author: cn.id, fromSeq: 2, toSeq: 5 }]);
    const log2 = replay(s, 4); // US#1-2, CN#1-2
    const r2 = log2.ingest(e[6]!); // US#3, a receipt that has seen CN#4
    expect(r2).toMatchObject({ status: 'pending', error: { code: 'ENTRY_UNKNOWN_DEPENDENCY' }, missing: [{ author: cn.id, fromSeq: 3, toSeq: 4 }] });
  });

  it('keeps a second, correctly signed entry for a held sequence number as equivocation evidence', () => {
    const log = replay(s, e.length);
    const twin = resign(e[e.length - 1]!, cn.terminal, { body: { ...(e[e.length - 1]!.entry.body as object), note: 'other' } as Entry['body'] });
    const r = log.ingest(twin);
    expect(r).toMatchObject({ status: 'equivocation', existingHash: e[e.length - 1]!.hash, error: { code: 'ENTRY_EQUIVOCATION' } });
  });

  it('rejects a forged twin as a bad signature, not as equivocation', () => {
    const log = replay(s, e.length);
    const last = e[e.length - 1]!;
    const forged = parseEntry(canonicalize({ ...last.entry, time: last.entry.time + 1 }));
    if (!forged.ok) throw new Error('parse');
    expect(log.ingest(forged.sealed)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_BAD_SIGNATURE' } });
  });

  const rejections: Array<[string, () => SealedEntry, string]> = [
    ['a wrong previous hash', () => resign(e[e.length - 1]!, cn.terminal, { prev: e[0]!.hash }), 'ENTRY_WRONG_PREVIOUS_HASH'],
    ['an author time earlier than the previous entry', () => resign(e[e.length - 1]!, cn.terminal, { time: e[1]!.entry.time }), 'ENTRY_TIME_REGRESSED'],
    ['a head naming another hash', () => resign(e[e.length - 1]!, cn.terminal, { heads: { [us.id]: { seq: 4, hash: e[0]!.hash } } }), 'ENTRY_UNKNOWN_DEPENDENCY'],
    ['heads going backwards', () => resign(e[e.length - 1]!, cn.terminal, { heads: { [us.id]: { seq: 1, hash: e[0]!.hash } } }), 'ENTRY_HEADS_REGRESSED'],
    ['a signing key no certificate vouches for', () => resign(e[e.length - 1]!, KeySigner.fromSeed(toBase64Url(sha256('stranger'))), {}), 'ENTRY_UNKNOWN_KEY'],
    ['an entry of another channel', () => resign(e[e.length - 1]!, cn.terminal, { channel: sha256('elsewhere').toString('hex') }), 'ENTRY_WRONG_CHANNEL'],
    ['an ack of the party\'s own message', () => resign(e[e.length - 1]!, cn.terminal, { body: { message: e[5]!.hash, officer: { name: 'A', title: 'B', role: 'duty-officer' } } as Entry['body'] }), 'ENTRY_BAD_REFERENCE'],
    ['an ack for a role the charter does not give', () => resign(e[e.length - 1]!, cn.terminal, { body: { message: e[8]!.hash, officer: { name: 'A', title: 'B', role: 'admin' } } as Entry['body'] }), 'ENTRY_ROLE_NOT_ALLOWED'],
    ['a second proposal', () => resign(e[e.length - 1]!, cn.terminal, { kind: 'charter.propose', body: e[0]!.entry.body }), 'ENTRY_KIND_NOT_ALLOWED'],
  ];
  for (const [what, make, code] of rejections)
    it(`rejects ${what} with ${code}`, () => {
      const log = replay(s, e.length - 1);
      const entry = make();
      const r = log.ingest(entry);
      expect(r.status === 'rejected' || r.status === 'pending' ? r.error.code : r.status).toBe(code);
      expect(log.size).toBe(e.length - 1);
    });

  it('restores entries from its own store to the same log, and still refuses one that breaks a chain', () => {
    const full = replay(s, e.length);
    const registry = new KeyRegistry();
    for (const p of s.parties) registry.addCard(p.card);
    const r = ChannelLog.found(e[0]!, registry);
    if (!r.ok) throw new Error(r.error.message);
    const restored = r.log;
    for (const x of e.slice(1, -1)) expect(restored.ingest(x, { signatureChecked: true, restored: true }).status).toBe('accepted');
    // Only the chains are checked: the previous hash, the time order and the heads' hashes.
    for (const [make, code] of [
      [() => resign(e[e.length - 1]!, cn.terminal, { prev: e[0]!.hash }), 'ENTRY_WRONG_PREVIOUS_HASH'],
      [() => resign(e[e.length - 1]!, cn.terminal, { time: e[1]!.entry.time }), 'ENTRY_TIME_REGRESSED'],
      [() => resign(e[e.length - 1]!, cn.terminal, { heads: { [us.id]: { seq: 4, hash: e[0]!.hash } } }), 'ENTRY_UNKNOWN_DEPENDENCY'],
    ] as const)
      expect(restored.ingest(make(), { signatureChecked: true, restored: true })).toMatchObject({ status: 'rejected', error: { code } });
    expect(restored.ingest(e[e.length - 1]!, { signatureChecked: true, restored: true }).status).toBe('accepted');
    expect(restored.size).toBe(full.size);
    expect(restored.heads()).toEqual(full.heads());
    expect(restored.state(s.time).state).toBe(full.state(s.time).state);
    for (const x of e.filter((y) => y.entry.kind === 'message')) expect(restored.referent(x.hash)).toEqual(full.referent(x.hash));
    // What comes next is judged the same way by both.
    const next = composeEntry(full, cn.terminal, cn.id, 'message', { text: 'after a restart', lang: 'en', precedence: 'ROUTINE' }, s.time + 10);
    expect(restored.ingest(next).status).toBe('accepted');
  });

  it('rejects a writer that is not a party of the charter', () => {
    const xx = makeParty('XX', { en: 'Outsider' });
    const log = replay(s, e.length);
    const entry = composeEntry(log, xx.terminal, xx.id, 'message', { text: 'hi', lang: 'en', precedence: 'ROUTINE' }, s.time + 1);
    expect(log.ingest(entry)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_AUTHOR_NOT_PARTY' } });
  });

  it('heads rule 4 (§7): a party that only a declined or a later superseded amendment listed may still be named in heads (else rules 2-3 would stop the channel)', () => {
    const us = makeParty('US', { en: 'United States' });
    const cn = makeParty('CN', { en: 'China' });
    const xx = makeParty('XX', { en: 'Third' });
    const yy = makeParty('YY', { en: 'Fourth' });
    const t = new Scenario([us, cn, xx, yy]);
    t.propose(makeCharter([us, cn]));
    t.write(cn, 'charter.accept', { charter: t.log.state(t.time).proposalHash });
    // CN proposes to add XX; XX accepts (it may write while the amendment is pending); US declines.
    const withXx = makeCharter([us, cn, xx]);
    t.write(cn, 'charter.amend', { charter: withXx, reason: 'add XX' });
    t.write(xx, 'charter.accept', { charter: charterHash(withXx) });
    t.receipt(us);
    t.write(us, 'charter.decline', { charter: charterHash(withXx), reason: 'not now' });
    expect(t.log.state(t.time).amendments.map((a) => a.status)).toEqual(['declined']);
    // Both parties still write: every later entry names XX's log (rules 2 and 3).
    const m = t.message(cn, 'after the decline');
    expect(Object.keys(m.entry.heads)).toContain(xx.id);
    t.message(us, 'after the decline too');
    // XX no longer writes (§7 step 9); an entry leaving XX out goes back (rule 3).
    expect(t.log.ingest(composeEntry(t.log, xx.terminal, xx.id, 'receipt', { holds: [] }, t.tick()))).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_AUTHOR_NOT_PARTY' } });
    const next = t.log.next(cn.id);
    const { [xx.id]: _dropped, ...withoutXx } = next.heads;
    const dropped = sealEntry({ channel: t.log.id, author: cn.id, key: cn.terminal.publicKey, seq: next.seq, prev: next.prev, heads: withoutXx, time: t.tick(), kind: 'message', body: { text: 'XX left out', lang: 'en', precedence: 'ROUTINE' } }, cn.terminal);
    expect(t.log.ingest(dropped)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_HEADS_REGRESSED' } });
    // Added by one adopted amendment and removed by the next: its log stays nameable likewise.
    const withYy = makeCharter([us, cn, yy]);
    t.write(us, 'charter.amend', { charter: withYy, reason: 'add YY' });
    t.write(cn, 'charter.accept', { charter: charterHash(withYy) });
    t.write(yy, 'charter.accept', { charter: charterHash(withYy) });
    const withoutYy = makeCharter([us, cn], { title: { en: 'Two again', zh: '二' } });
    t.write(us, 'charter.amend', { charter: withoutYy, reason: 'YY leaves' });
    t.write(cn, 'charter.accept', { charter: charterHash(withoutYy) });
    t.write(yy, 'charter.accept', { charter: charterHash(withoutYy) });
    expect(t.log.state(t.time).charter.parties.map((p) => p.code)).toEqual(['US', 'CN']);
    expect(Object.keys(t.message(us, 'YY gone').entry.heads)).toEqual(expect.arrayContaining([cn.id, xx.id, yy.id]));
  });

  it('accepts entries in any arrival order once their dependencies are in (pending is retried)', () => {
    const registry = new KeyRegistry();
    for (const p of s.parties) registry.addCard(p.card);
    const r = ChannelLog.found(e[0]!, registry);
    if (!r.ok) throw new Error(r.error.message);
    let waiting = [...e.slice(1)].reverse();
    while (waiting.length > 0) {
      const next: SealedEntry[] = [];
      for (const x of waiting) if (r.log.ingest(x).status === 'pending') next.push(x);
      expect(next.length).toBeLessThan(waiting.length);
      waiting = next;
    }
    expect(r.log.size).toBe(e.length);
  });

  it('finds the messages it holds by hash and by hash prefix (what the terminal resolves ids with)', () => {
    const log = replay(s, e.length);
    const messages = e.filter((x) => x.entry.kind === 'message');
    expect(messages.length).toBeGreaterThan(1);
    const m = messages[1]!;
    expect(log.referent(m.hash)).toEqual({ author: m.entry.author, seq: m.entry.seq, kind: 'message' });
    expect(log.referentsByPrefix(m.hash.slice(0, 12), 'message', 2)).toEqual([{ hash: m.hash, author: m.entry.author, seq: m.entry.seq, kind: 'message' }]);
    // Every message whose hash starts with a one-digit prefix, and no more than asked for.
    const digit = m.hash[0]!;
    const expected = messages.filter((x) => x.hash.startsWith(digit)).map((x) => x.hash).sort();
    expect(log.referentsByPrefix(digit, 'message', 1000).map((r) => r.hash).sort()).toEqual(expected);
    expect(log.referentsByPrefix('', 'message', 1)).toHaveLength(1);
    expect(log.referentsByPrefix(m.hash, 'message', 0)).toEqual([]);
    // Only messages: a control entry's hash is not a message id.
    expect(log.referent(e[0]!.hash)).toBeUndefined();
    expect(log.referentsByPrefix(e[0]!.hash, 'message', 2)).toEqual([]);
  });
});

describe('parseEntry', () => {
  const s = bilateralScenario(1);
  const raw = s.entries[2]!.raw;
  it('refuses non-canonical text, unknown versions, malformed envelopes and oversized text', () => {
    expect(parseEntry(raw.replace('{"author":', '{ "author":'))).toMatchObject({ ok: false, error: { code: 'ENTRY_NON_CANONICAL' } });
    expect(parseEntry(raw.replace('"v":1', '"v":3'))).toMatchObject({ ok: false, error: { code: 'ENTRY_UNSUPPORTED_VERSION' } });
    expect(parseEntry(raw.replace('"seq":', '"seqq":'))).toMatchObject({ ok: false, error: { code: 'ENTRY_MALFORMED' } });
    expect(parseEntry(raw.slice(0, -3))).toMatchObject({ ok: false, error: { code: 'ENTRY_MALFORMED' } });
    expect(parseEntry(`${raw.slice(0, -1)}${' '.repeat(70_000)}}`)).toMatchObject({ ok: false, error: { code: 'ENTRY_TOO_LARGE' } });
  });
  it('refuses heads named by something other than a key', () => {
    const value = JSON.parse(raw) as Entry;
    expect(parseEntry(canonicalize({ ...value, heads: { 'not a key': { seq: 1, hash: s.entries[0]!.hash } } }))).toMatchObject({ ok: false, error: { code: 'ENTRY_MALFORMED' } });
  });
});
