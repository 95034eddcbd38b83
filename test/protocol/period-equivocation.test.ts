/**
 * Two authentic entries for one place before a period bundle's anchor (docs/protocol.md §15.3
 * step 2): the smallest hash stays and the other is the evidence, whatever the order of the lines.
 */
import { describe, expect, it } from 'vitest';
import { sealEntry, verifyBundle, type SealedEntry } from '../../src/protocol/index.js';
import { periodBundleOf, periodStory } from '../../src/testkit/period-scenario.js';

describe('equivocation before the anchor (§15.3)', () => {
  it('keeps the smallest hash and reports the other, in either order of the lines; the other is used for nothing', async () => {
    const t = periodStory();
    const orig = t.s.entries.find((x) => x.entry.kind === 'channel.suspend')!;
    const { sig: _sig, v, ...fields } = orig.entry;
    // Twins (signed, another reason) with a hash above and below the original's.
    const twins: SealedEntry[] = [];
    for (let i = 0; twins.length < 2 && i < 64; i++) {
      const twin = sealEntry({ ...fields, body: { reason: `another reason ${i}` } }, t.cn.terminal, v) as SealedEntry;
      if (twins.length === 0 ? twin.hash > orig.hash : twin.hash < orig.hash) twins.push(twin);
    }
    expect(twins).toHaveLength(2);
    for (const twin of twins) {
      const [small, large] = orig.hash < twin.hash ? [orig, twin] : [twin, orig];
      const reports = [];
      for (const before of [true, false]) {
        const text = await periodBundleOf(t, undefined, (es) => {
          const i = es.findIndex((x) => x.hash === orig.hash);
          const out = es.slice();
          out.splice(before ? i : i + 1, 0, twin);
          return out;
        });
        const r = verifyBundle(text);
        const lineOf = (s: SealedEntry) => text.split('\n').indexOf(s.raw) + 1;
        const eq = r.errors.find((e) => e.code === 'ENTRY_EQUIVOCATION');
        expect(eq?.line).toBe(lineOf(large));
        expect(r.equivocations).toEqual([{ author: t.cn.id, seq: orig.entry.seq, entries: [small.raw, large.raw] }]);
        // The copy held is the state before the anchor; the other is evidence only. Held, the
        // original is what the checkpoint committed to; the twin held instead is not.
        expect(r.history.filter((h) => h.kind === 'channel.suspend').map((h) => h.entry)).toEqual([small.hash]);
        const codes = r.errors.map((e) => e.code);
        if (small === orig) expect(codes).toEqual(['ENTRY_EQUIVOCATION']);
        else expect(codes).toContain('CHECKPOINT_MISMATCH');
        reports.push(r.errors.map((e) => [e.code, e.author, e.seq]));
      }
      expect(reports[0]).toEqual(reports[1]);
    }
  });

  it('sets aside an entry before the anchor whose signature fails: reported, never held in place of the signed one', async () => {
    const t = periodStory();
    const orig = t.s.entries.find((x) => x.entry.kind === 'channel.suspend')!;
    const { sig, v, ...fields } = orig.entry;
    // A forgery for the same place with the signed entry's signature, its hash both below and
    // above the original's: with the smallest hash it would otherwise be the entry held there.
    const forgeries: SealedEntry[] = [];
    for (let i = 0; forgeries.length < 2 && i < 64; i++) {
      const f = sealEntry({ ...fields, body: { reason: `forged ${i}` } }, t.cn.terminal, v) as SealedEntry;
      const forged = { ...f, entry: { ...f.entry, sig }, raw: f.raw.replace(f.entry.sig, sig) } as SealedEntry;
      if (forgeries.length === 0 ? forged.hash < orig.hash : forged.hash > orig.hash) forgeries.push(forged);
    }
    expect(forgeries).toHaveLength(2);
    for (const forged of forgeries) {
      const text = await periodBundleOf(t, undefined, (es) => [...es, forged]);
      const r = verifyBundle(text);
      expect(r.errors.map((e) => [e.code, e.line])).toEqual([['ENTRY_BAD_SIGNATURE', text.split('\n').indexOf(forged.raw) + 1]]);
      expect(r.equivocations).toEqual([]);
      const suspension = r.history.find((h) => h.kind === 'channel.suspend');
      expect(suspension?.entry).toBe(orig.hash);
      expect(JSON.stringify(r)).not.toMatch(/"reason":"forged/);
    }
  });
});
