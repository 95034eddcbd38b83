/**
 * Checkpoints and period bundles (docs/protocol.md §15): a checkpoint commits to the lasting
 * entries of its causal past; a period bundle anchored at a checkpoint every party countersigned
 * verifies on its own, and fails with a clear code when anything before or at its anchor is
 * altered, left out or not countersigned.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeEntry, formatReport, isLastingKind, periodEntries, periodSourceOf, sealEntry, verifyBundle, writeBundle, type SealedEntry } from '../../src/protocol/index.js';
import { openBilateral } from '../../src/testkit/scenario.js';
import { foreignCopy, periodBundleOf, periodStory } from '../../src/testkit/period-scenario.js';

const channel = openBilateral;

const story = periodStory;
const periodBundle = periodBundleOf;

describe('checkpoints (§15.1)', () => {
  it('commit to the lasting entries of their causal past, and a wrong commitment is refused', () => {
    const t = channel();
    t.s.write(t.cn, 'channel.suspend', { reason: 'review' });
    const body = t.s.log.checkpointBody(t.us.id);
    expect(body.count).toBe(2); // CN's accept and suspension (the proposal is the channel id)
    const bad = composeEntry(t.s.log, t.us.terminal, t.us.id, 'checkpoint', { ...body, count: body.count + 1 }, t.s.tick());
    const r = t.s.log.ingest(bad);
    expect(r.status === 'rejected' && r.error.code).toBe('CHECKPOINT_MISMATCH');
    t.s.write(t.us, 'checkpoint', body);
    expect(verifyBundle(t.s.bundle()).valid).toBe(true);
  });

  it('exist only in version 2', () => {
    const t = channel(1);
    const sealed = composeEntry(t.s.log, t.us.terminal, t.us.id, 'checkpoint', t.s.log.checkpointBody(t.us.id), t.s.tick());
    const r = t.s.log.ingest(sealed);
    expect(r.status === 'rejected' && r.error.code).toBe('ENTRY_KIND_NOT_ALLOWED');
  });
});

describe('period bundles (§15.2)', () => {
  it('verify on their own, with the history before the anchor and acknowledgements of earlier messages', async () => {
    const t = story();
    const text = await periodBundle(t);
    const full = verifyBundle(t.s.bundle());
    const v = verifyBundle(text);
    expect(v.firstError).toBeNull();
    expect(v.valid).toBe(true);
    expect(text.split('\n').length).toBeLessThan(t.s.bundle().split('\n').length);
    expect(v.state).toBe(full.state);
    expect(v.history.map((h) => h.state)).toEqual(full.history.map((h) => h.state));
    expect(v.messages.map((m) => m.text)).toEqual(['A message in the period']);
    expect(v.period).toMatchObject({ anchor: t.checkpoint.hash, by: 'US', countersigned: [{ party: 'CN' }] });
    expect(v.parties.map((p) => p.entries)).toEqual(full.parties.map((p) => p.entries));
    const text2 = formatReport(v);
    expect(text2).toMatch(/anchored at checkpoint .* by US/);
    expect(text2).toMatch(/countersigned by CN/);
  });

  it('ending early still carries the countersignature', async () => {
    const t = story();
    const v = verifyBundle(await periodBundle(t, t.checkpoint.entry.time));
    expect(v.valid).toBe(true);
    expect(v.messages).toEqual([]);
  });

  it('fail when a lasting entry before the anchor is left out', async () => {
    const t = story();
    const v = verifyBundle(await periodBundle(t, undefined, (es) => es.filter((e) => e.entry.kind !== 'channel.suspend')));
    expect(v.valid).toBe(false);
    expect(v.errors.map((e) => e.code)).toContain('CHECKPOINT_MISMATCH');
  });

  it('fail when the anchor is not countersigned by every party', async () => {
    const t = story();
    const cut = (es: SealedEntry[]) => es.filter((e) => !(e.entry.author === t.cn.id && e.entry.seq > (t.checkpoint.entry.heads[t.cn.id]?.seq ?? 0)));
    const v = verifyBundle(await periodBundle(t, undefined, (es) => cut(es).filter((e) => !(e.entry.author === t.us.id && e.entry.seq > t.checkpoint.entry.seq))));
    expect(v.errors.map((e) => e.code)).toEqual(['BUNDLE_ANCHOR_NOT_COUNTERSIGNED']);
    expect(v.valid).toBe(false);
  });

  it('fail when the anchor is missing or is not a checkpoint', async () => {
    const t = story();
    const text = await periodBundle(t);
    const lines = text.split('\n');
    const noCheckpoint = lines.filter((l) => !l.includes('"kind":"checkpoint"')).join('\n');
    expect(verifyBundle(noCheckpoint).firstError?.code).toBe('BUNDLE_ANCHOR_MISSING');
    const otherAnchor = text.replace(t.checkpoint.hash, t.late.hash);
    expect(verifyBundle(otherAnchor).firstError?.code).toBe('BUNDLE_ANCHOR_MISSING');
  });

  it('never report a party as equivocating before the anchor over a copy signed with a key of someone else', async () => {
    const t = story();
    const suspension = t.s.entries.find((e) => e.entry.kind === 'channel.suspend')!;
    // CN's head at the anchor: the entry the log continues from.
    const head = t.s.entries.find((e) => e.entry.author === t.cn.id && e.entry.seq === t.checkpoint.entry.heads[t.cn.id]!.seq)!;
    for (const orig of [suspension, head]) {
      const forged = foreignCopy(orig);
      expect(forged.hash < orig.hash).toBe(true);
      const v = verifyBundle(await periodBundle(t, undefined, (es) => [forged, ...es]));
      // Reported as what it is, at CN's place, and set aside: the entry CN signed stays, and the
      // rest of the period verifies.
      expect(v.errors.map((e) => e.code)).toEqual(['ENTRY_UNKNOWN_KEY']);
      expect(v.errors[0]).toMatchObject({ author: t.cn.id, seq: orig.entry.seq });
      expect(v.equivocations).toEqual([]);
      expect(v.messages.map((m) => m.text)).toContain('A message in the period');
      expect(v.period?.countersigned).toMatchObject([{ party: 'CN' }]);
    }
  });

  it('report a second entry CN signed itself for a place before the anchor as equivocation, the smaller hash held', async () => {
    const t = story();
    const orig = t.s.entries.find((e) => e.entry.kind === 'channel.suspend')!;
    const { sig: _sig, v: ver, ...fields } = orig.entry;
    const second = sealEntry({ ...fields, body: { reason: 'another reason' } }, t.cn.terminal, ver) as SealedEntry;
    const v = verifyBundle(await periodBundle(t, undefined, (es) => [...es, second]));
    expect(v.errors.map((e) => e.code)).toContain('ENTRY_EQUIVOCATION');
    const [kept, reported] = orig.hash < second.hash ? [orig, second] : [second, orig];
    expect(v.equivocations).toEqual([{ author: t.cn.id, seq: orig.entry.seq, entries: [kept.raw, reported.raw] }]);
  });

  it('fail when the message an acknowledgement names before the anchor is left out', async () => {
    const t = story();
    const v = verifyBundle(await periodBundle(t, undefined, (es) => es.filter((e) => e.hash !== t.early.hash)));
    expect(v.valid).toBe(false);
    expect(v.errors.map((e) => e.code)).toContain('ENTRY_BAD_REFERENCE');
  });
});

describe('period bundles, property (§15.2)', () => {
  type Step = { by: 0 | 1; act: 'message' | 'receipt' | 'ack' | 'checkpoint' | 'issue' };
  const step = fc.record({ by: fc.constantFrom<0 | 1>(0, 1), act: fc.constantFrom<Step['act']>('message', 'message', 'receipt', 'receipt', 'ack', 'checkpoint', 'issue') });

  it('for any history and any countersigned checkpoint, the period verifies and lists exactly the messages after the anchor', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 40 }), fc.nat(), async (steps, pick) => {
        const t = channel();
        const parties = [t.us, t.cn] as const;
        const received: SealedEntry[] = [];
        let n = 0;
        for (const st of steps) {
          const by = parties[st.by];
          const other = parties[1 - st.by]!;
          if (st.act === 'message') received.push(t.s.message(by, `m${n++}`));
          else if (st.act === 'receipt' && t.s.log.head(other.id)) t.s.receipt(by);
          else if (st.act === 'checkpoint') t.s.write(by, 'checkpoint', t.s.log.checkpointBody(by.id));
          else if (st.act === 'issue') t.s.write(by, 'issue.open', { title: { en: `issue ${n++}` }, category: 'maritime', by: { name: 'Jane Doe', title: 'Director', role: 'principal' } });
          else if (st.act === 'ack') {
            const m = received.find((x) => x.entry.author === other.id);
            if (m) t.s.ack(by, m);
          }
        }
        const heads = (p: string) => t.s.log.head(p)?.seq ?? 0;
        const countersigned = t.s.entries.filter((k) => {
          if (k.entry.kind !== 'checkpoint') return false;
          const otherParty = k.entry.author === t.us.id ? t.cn.id : t.us.id;
          return t.s.entries.some((e) => e.entry.author === otherParty && (e.entry.heads[k.entry.author]?.seq ?? 0) >= k.entry.seq);
        });
        if (countersigned.length === 0) return;
        const k = countersigned[pick % countersigned.length]!;
        const entries = await periodEntries(periodSourceOf(t.s.entries, isLastingKind), k, [t.us.id, t.cn.id]);
        const text = writeBundle({ channel: t.s.log.id, anchor: k.hash }, t.s.parties.map((p) => p.card), [t.s.entries[0]!, ...entries]);
        const report = verifyBundle(text);
        expect(report.firstError).toBeNull();
        const bound = (author: string) => (author === k.entry.author ? k.entry.seq - 1 : (k.entry.heads[author]?.seq ?? 0));
        const full = verifyBundle(t.s.bundle());
        expect(report.messages.map((m) => m.hash)).toEqual(full.messages.filter((m) => m.seq > bound(m.author === 'US' ? t.us.id : t.cn.id)).map((m) => m.hash));
        expect(report.parties.map((p) => p.entries)).toEqual([heads(t.us.id), heads(t.cn.id)]);
        expect(report.state).toBe(full.state);
      }),
      { numRuns: 60 },
    );
  });
});
