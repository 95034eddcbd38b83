/**
 * Properties of proofs of one message (docs/protocol.md §14): a proof never verifies for a message
 * that is not in the log, whatever is put in its place, and a proof never carries the text of any
 * other entry, whatever the channel holds around the message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildProof, memorySource, sealEntry, selectProofParts, verifyProof, type BodyOf } from '../../src/protocol/index.js';
import { makeCharter, makeParty, Scenario } from '../../src/testkit/scenario.js';

const us = makeParty('US', { en: 'United States' });
const cn = makeParty('CN', { en: 'China' });

/** A version-2 channel: before, the message, `between` US entries, then CN's receipt, an ack, `after` more. */
function channel(texts: { before: string[]; target: string; between: string[]; after: string[] }, linkTests: boolean) {
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], { protocol: 2 }));
  s.acceptAll();
  for (const t of texts.before) s.message(us, t);
  if (texts.before.length) s.receipt(cn);
  const target = s.message(us, texts.target);
  texts.between.forEach((t, i) => {
    if (linkTests && i % 2 === 0) s.write(us, 'link.test', { nonce: String(i).padStart(16, '0'), t1: s.time });
    s.message(us, t);
  });
  s.receipt(cn);
  s.ack(cn, target);
  for (const t of texts.after) s.message(us, t);
  return { s, target };
}

const secret = fc.string({ minLength: 1, maxLength: 40 }).map((t) => `§secret:${t.replace(/\s/g, '_')}`);
const texts = fc.record({
  before: fc.array(secret, { maxLength: 3 }),
  target: fc.string({ minLength: 1, maxLength: 60 }).map((t) => `target ${t}`),
  between: fc.array(secret, { maxLength: 4 }),
  after: fc.array(secret, { maxLength: 3 }),
});

describe('proof properties', () => {
  it('a proof reveals no other entry\'s text', async () => {
    await fc.assert(
      fc.asyncProperty(texts, fc.boolean(), async (t, linkTests) => {
        const { s, target } = channel(t, linkTests);
        const parts = await selectProofParts(memorySource(s.entries[0]!, [us.card, cn.card], s.entries), target);
        const doc = buildProof(parts!);
        expect(verifyProof(JSON.parse(JSON.stringify(doc))).valid).toBe(true);
        const text = JSON.stringify(doc);
        expect(text).not.toContain('§secret:');
      }),
      { numRuns: 40 },
    );
  });

  it('a proof never verifies for a message that is not in the log', async () => {
    const { s, target } = channel({ before: ['§secret:a'], target: 'the real one', between: ['§secret:b'], after: [] }, true);
    const parts = (await selectProofParts(memorySource(s.entries[0]!, [us.card, cn.card], s.entries), target))!;
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -5000, max: 5000 }), async (text, seqShift, timeShift) => {
        // A message US signed (validly) but never wrote in the log: at the message's place or
        // nearby, with the predecessor the log has there, any text and time.
        const m = target.entry;
        const seq = Math.max(2, m.seq + seqShift);
        const forged = sealEntry({ channel: m.channel, author: m.author, key: m.key, seq, prev: s.log.hashAt(us.id, seq - 1) ?? m.prev, heads: m.heads, time: m.time + timeShift, kind: 'message', body: { text, lang: 'en', precedence: 'FLASH' } as BodyOf<'message'> }, us.terminal, 2);
        if (forged.hash === target.hash) return;
        const verdict = verifyProof(JSON.parse(JSON.stringify(buildProof({ ...parts, message: forged }))));
        expect(verdict.valid).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});
