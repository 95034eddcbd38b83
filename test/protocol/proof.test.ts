import { describe, expect, it } from 'vitest';
import { buildProof, charterHash, composeEntry, formatProofReport, memorySource, sealEntry, selectProofParts, verifyBundle, verifyProof, verifyProofText, type SealedEntry } from '../../src/protocol/index.js';
import { makeCharter, makeParty, Scenario } from '../../src/testkit/scenario.js';

/** A channel of `version` with link tests around each message, receipts after, an acknowledgement. */
function channel(version: 1 | 2) {
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], version === 2 ? { protocol: 2 } : {}));
  s.acceptAll();
  const messages: SealedEntry[] = [];
  for (let i = 0; i < 4; i++) {
    messages.push(s.message(us, `Secret ${i}: vessel ${i} in distress`));
    s.write(us, 'link.test', { nonce: `${i}`.padStart(16, '0'), t1: s.time });
    s.message(us, `Other ${i}: not to be disclosed`);
    s.receipt(cn);
    s.ack(cn, messages[i]!);
  }
  return { s, us, cn, messages };
}

async function proofOf(c: ReturnType<typeof channel>, i: number) {
  const parts = await selectProofParts(memorySource(c.s.entries[0]!, [c.us.card, c.cn.card], c.s.entries), c.messages[i]!);
  return buildProof(parts!);
}

describe('proof of one message (§14)', () => {
  it('version 2 entries verify in a bundle and carry v 2', () => {
    const c = channel(2);
    expect(c.s.entries.every((e) => e.entry.v === 2)).toBe(true);
    expect(verifyBundle(c.s.bundle()).valid).toBe(true);
  });

  it('a proof of a version-2 message verifies and reveals no other message text', async () => {
    const c = channel(2);
    const doc = await proofOf(c, 1);
    const verdict = verifyProof(JSON.parse(JSON.stringify(doc)));
    expect(verdict.valid).toBe(true);
    if (!verdict.valid) return;
    expect(verdict.facts.message.body.text).toBe('Secret 1: vessel 1 in distress');
    expect(verdict.facts.receipts).toHaveLength(1);
    expect(verdict.facts.acks).toHaveLength(1);
    expect(verdict.facts.path).toMatchObject({ redacted: 2, full: 0 });
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/Other|Secret [023]/);
    const report = formatProofReport(verdict);
    expect(report).toMatch(/VALID/);
    expect(report).toMatch(/sent by +US/);
    expect(report).toMatch(/by CN: receipt signed/);
    expect(report).toMatch(/Duty Officer Li/);
  });

  it('a version-1 proof shows the path in full and says so', async () => {
    const c = channel(1);
    const verdict = verifyProof(await proofOf(c, 0));
    expect(verdict.valid).toBe(true);
    if (verdict.valid) expect(verdict.facts.path).toMatchObject({ redacted: 0, full: 2, fullKinds: ['link.test', 'message'] });
  });

  it('each alteration fails with its code', async () => {
    const c = channel(2);
    const doc = await proofOf(c, 1);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tampering reaches anywhere
    type Doc = any;
    const alter = (f: (d: Doc) => void) => {
      const d = structuredClone(doc) as Doc;
      f(d);
      const v = verifyProof(d);
      return v.valid ? 'VALID' : v.error.code;
    };
    expect(alter((d) => (d.body.text = 'Secret 1: vessel 2 in distress'))).toBe('PROOF_BAD_BODY');
    expect(alter((d) => (d.message.time += 1))).toBe('PROOF_BAD_SIGNATURE');
    expect(alter((d) => (d.path[0].bodyHash = '0'.repeat(64)))).toBe('PROOF_BAD_SIGNATURE');
    expect(alter((d) => d.path.pop())).toBe('PROOF_NOT_RECEIPTED');
    expect(alter((d) => (d.receipts[0].time += 1))).toBe('PROOF_BAD_SIGNATURE');
    expect(alter((d) => (d.acks[0].body.message = d.receipts[0].body.holds[0].hash))).toBe('PROOF_BAD_ACK');
    expect(alter((d) => (d.channel = '1'.repeat(64)))).toBe('PROOF_WRONG_CHANNEL');
    expect(alter((d) => (d.v = 3))).toBe('PROOF_UNSUPPORTED_VERSION');
    expect(alter((d) => (d.cards[0].code = 'XX'))).toBe('PROOF_BAD_CARD');
    expect(alter((d) => (d.cards = d.cards.filter((x: Doc) => x.code !== 'CN')))).toBe('PROOF_UNKNOWN_KEY');
    expect(alter((d) => delete d.body)).toBe('PROOF_MALFORMED');
    // A body no terminal would take (§4.4 step 4), judged before its hash (§14.4 step 5).
    expect(alter((d) => (d.body.text = 'Secret 1: \ud800'))).toBe('PROOF_MALFORMED');
    // No "v" at all: the version step says so (§14.4 step 1), in words, not "undefined".
    const noVersion = structuredClone(doc) as Doc;
    delete noVersion.v;
    expect(verifyProof(noVersion)).toMatchObject({ valid: false, error: { code: 'PROOF_UNSUPPORTED_VERSION', message: expect.stringContaining('no "v" member') } });
    // A number beyond the largest double (1e400, read as Infinity) in the body: it has no
    // canonical form, so no body hash; malformed (§14.4 step 5), not a crash of the verifier.
    const huge = JSON.stringify(doc).replace('"lang":"en"', '"lang":"en","fields":{"x":1e400}');
    expect(huge).toContain('1e400');
    expect(verifyProofText(huge)).toMatchObject({ valid: false, error: { code: 'PROOF_MALFORMED', message: expect.stringContaining('largest double') } });
  });

  it('a message the receipt does not cover yields no proof', async () => {
    const c = channel(2);
    const late = c.s.message(c.us, 'not yet receipted');
    expect(await selectProofParts(memorySource(c.s.entries[0]!, [c.us.card, c.cn.card], c.s.entries), late)).toBeUndefined();
  });

  it('an amendment moves a version-1 channel to version 2; versions follow the causal past; no way back', async () => {
    const c = channel(1);
    const { s, us, cn } = c;
    const charter = makeCharter([us, cn], { protocol: 2 });
    s.write(us, 'charter.amend', { charter, reason: 'Move to protocol version 2.' });
    const accept = s.write(cn, 'charter.accept', { charter: charterHash(charter) });
    expect(accept.entry.v).toBe(1);
    const m = s.message(us, 'after the move');
    expect(m.entry.v).toBe(2);
    s.receipt(cn);
    expect(s.entries.filter((e) => e.entry.v === 2).map((e) => e.entry.kind)).toEqual(['message', 'receipt']);
    expect(verifyBundle(s.bundle()).valid).toBe(true);
    const parts = await selectProofParts(memorySource(s.entries[0]!, [us.card, cn.card], s.entries), m);
    expect(verifyProof(buildProof(parts!)).valid).toBe(true);
    // An entry in the wrong version for its causal past is refused.
    const next = s.log.next(us.id);
    const wrong = sealEntry({ channel: s.log.id, author: us.id, key: us.terminal.publicKey, seq: next.seq, prev: next.prev, heads: next.heads, time: s.tick(), kind: 'message', body: { text: 'v1 again', lang: 'en', precedence: 'ROUTINE' } }, us.terminal, 1);
    expect(s.log.ingest(wrong)).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_WRONG_VERSION' } });
    // An amendment back to version 1 is refused.
    const back = composeEntry(s.log, us.terminal, us.id, 'charter.amend', { charter: makeCharter([us, cn]), reason: 'Back to version 1.' }, s.tick());
    expect(s.log.ingest(back)).toMatchObject({ error: { code: 'CHARTER_INVALID' } });
  });

  it('a proof in a channel a party joined by amendment carries only the receipts and acknowledgements of the proposal\'s parties', async () => {
    const us = makeParty('US', { en: 'United States' }, 'proof-join');
    const cn = makeParty('CN', { en: 'China' }, 'proof-join');
    const ru = makeParty('RU', { en: 'Russia' }, 'proof-join');
    const s = new Scenario([us, cn, ru]);
    s.propose(makeCharter([us, cn], { protocol: 2 }));
    s.write(cn, 'charter.accept', { charter: s.log.state(s.time).proposalHash });
    const withRu = makeCharter([us, cn, ru], { protocol: 2 });
    s.write(us, 'charter.amend', { charter: withRu, reason: 'add RU' });
    s.write(cn, 'charter.accept', { charter: charterHash(withRu) });
    s.write(ru, 'charter.accept', { charter: charterHash(withRu) });
    const m = s.message(us, 'to CN and RU');
    // RU receipts and acknowledges first: its entries are held, but a proof cannot show RU is a party.
    s.receipt(ru);
    s.write(ru, 'ack', { message: m.hash, officer: { name: 'Orlov', title: 'Duty Officer', role: 'duty-officer' } });
    const src = memorySource(s.entries[0]!, [us.card, cn.card, ru.card], s.entries);
    expect(await selectProofParts(src, m)).toBeUndefined();
    s.receipt(cn);
    s.write(cn, 'ack', { message: m.hash, officer: { name: 'Wang', title: 'Duty Officer', role: 'duty-officer' } });
    const parts = await selectProofParts(memorySource(s.entries[0]!, [us.card, cn.card, ru.card], s.entries), m);
    expect(parts!.receipts.map((r) => r.entry.author)).toEqual([cn.id]);
    expect(parts!.acks.map((a) => a.entry.author)).toEqual([cn.id]);
    expect(verifyProof(buildProof(parts!)).valid).toBe(true);
  });

  it('a path never goes back from version 2 to version 1, even after a version-1 message (PROOF_BROKEN_CHAIN)', () => {
    const { s, us, cn } = channel(1);
    const m1 = s.message(us, 'before the move');
    const charter = makeCharter([us, cn], { protocol: 2 });
    const amend = s.write(us, 'charter.amend', { charter, reason: 'Move to protocol version 2.' });
    s.write(cn, 'charter.accept', { charter: charterHash(charter) });
    const m2 = s.message(us, 'after the move');
    expect([m1.entry.v, amend.entry.v, m2.entry.v]).toEqual([1, 1, 2]);
    // US signs a version-1 entry after its version-2 one (a terminal refuses it, §14.1), and CN a
    // receipt covering it: the proof holds nothing else that shows the way back.
    const next = s.log.next(us.id);
    const back = sealEntry({ channel: s.log.id, author: us.id, key: us.terminal.publicKey, seq: next.seq, prev: next.prev, heads: next.heads, time: s.tick(), kind: 'message', body: { text: 'v1 again', lang: 'en', precedence: 'ROUTINE' } }, us.terminal, 1) as SealedEntry;
    const rn = s.log.next(cn.id);
    const receipt = sealEntry({ channel: s.log.id, author: cn.id, key: cn.terminal.publicKey, seq: rn.seq, prev: rn.prev, heads: rn.heads, time: s.tick(), kind: 'receipt', body: { holds: [{ author: us.id, seq: back.entry.seq, hash: back.hash }] } }, cn.terminal, 2) as SealedEntry;
    const doc = buildProof({ proposal: s.entries[0]!, cards: [us.card, cn.card], message: m1, path: [amend, m2, back], receipts: [receipt as SealedEntry<'receipt'>], acks: [] });
    const verdict = verifyProof(JSON.parse(JSON.stringify(doc)));
    expect(verdict.valid ? null : verdict.error.code).toBe('PROOF_BROKEN_CHAIN');
    expect(verdict.valid ? '' : verdict.error.message).toMatch(/version-1 entry follows a version-2 one/);
  });
});
