/**
 * Test vectors for period bundles (docs/protocol.md §15): a valid period bundle anchored at a
 * countersigned checkpoint, one ending early, and one per way of getting it wrong, each listed in
 * periods/manifest.json with the code a verifier must give first.
 */
import { sealEntry, verifyBundle, type ProtocolErrorCode, type SealedEntry } from '../protocol/index.js';
import { foreignCopy, periodBundleOf, periodStory, type PeriodStory } from '../testkit/period-scenario.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

type Case = [file: string, description: string, make: (t: PeriodStory) => Promise<string>, code: ProtocolErrorCode | null];

const without = (pred: (s: SealedEntry, t: PeriodStory) => boolean) => (t: PeriodStory) => periodBundleOf(t, undefined, (es) => es.filter((s) => !pred(s, t)));

/**
 * A forgery of CN's suspension before the anchor: another reason under the signed entry's
 * signature, its hash below the signed one's (so, were it held, it would take the place).
 */
function forgedSuspension(t: PeriodStory): SealedEntry {
  const orig = t.s.entries.find((x) => x.entry.kind === 'channel.suspend')!;
  const { sig, v, ...fields } = orig.entry;
  for (let i = 0; ; i++) {
    const f = sealEntry({ ...fields, body: { reason: `forged reason ${i}` } }, t.cn.terminal, v) as SealedEntry;
    if (f.hash < orig.hash) return { ...f, entry: { ...f.entry, sig }, raw: f.raw.replace(f.entry.sig, sig) } as SealedEntry;
  }
}

const CASES: readonly Case[] = [
  ['valid.jsonl', 'From a checkpoint of US that CN countersigned: the charter and suspension before it, traffic after it, an acknowledgement of a message from before it.', (t) => periodBundleOf(t), null],
  ['valid-until.jsonl', 'The same period ending at the checkpoint: it still carries CN\'s countersignature.', (t) => periodBundleOf(t, t.checkpoint.entry.time), null],
  ['lasting-left-out.jsonl', 'The suspension before the anchor is left out.', without((s) => s.entry.kind === 'channel.suspend'), 'CHECKPOINT_MISMATCH'],
  ['not-countersigned.jsonl', 'The period ends with the checkpoint, without CN\'s entries after the anchor: nobody but US signed the checkpoint.', without((s, t) => (s.entry.author === t.cn.id && s.entry.seq > (t.checkpoint.entry.heads[t.cn.id]?.seq ?? 0)) || (s.entry.author === t.us.id && s.entry.seq > t.checkpoint.entry.seq)), 'BUNDLE_ANCHOR_NOT_COUNTERSIGNED'],
  ['anchor-missing.jsonl', 'The checkpoint entry is left out.', without((s) => s.entry.kind === 'checkpoint'), 'BUNDLE_ANCHOR_MISSING'],
  ['anchor-head-missing.jsonl', 'CN\'s entry at the head the checkpoint names is left out.', without((s, t) => s.entry.author === t.cn.id && s.entry.seq === t.checkpoint.entry.heads[t.cn.id]?.seq), 'BUNDLE_ANCHOR_MISSING'],
  ['anchor-not-checkpoint.jsonl', 'The header names a message as the anchor.', (t) => periodBundleOf(t, undefined, undefined, t.late.hash), 'BUNDLE_ANCHOR_MISSING'],
  ['forged-before-anchor.jsonl', 'A forged copy of CN\'s suspension before the anchor (another reason, the signed entry\'s signature, a smaller hash): reported and set aside; the signed suspension stays.', (t) => periodBundleOf(t, undefined, (es) => [...es, forgedSuspension(t)]), 'ENTRY_BAD_SIGNATURE'],
  ['foreign-key-before-anchor.jsonl', 'A copy of CN\'s suspension before the anchor validly signed by a key no card of CN certifies, with a smaller hash: a forgery (ENTRY_UNKNOWN_KEY), set aside; not reported as equivocation, and the suspension CN signed stays.', (t) => periodBundleOf(t, undefined, (es) => [...es, foreignCopy(t.s.entries.find((x) => x.entry.kind === 'channel.suspend')!)]), 'ENTRY_UNKNOWN_KEY'],
  ['referent-missing.jsonl', 'The message before the anchor that CN acknowledges in the period is left out.', without((s, t) => s.hash === t.early.hash), 'ENTRY_BAD_REFERENCE'],
];

/** The period vector files, by path relative to test/vectors/. */
export async function periodVectors(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const manifest: Array<{ file: string; description: string; valid: boolean; firstError: string | null; errors: string[] }> = [];
  for (const [file, description, make, code] of CASES) {
    const text = await make(periodStory());
    const report = verifyBundle(text);
    const got = report.firstError?.code ?? null;
    if (got !== code || report.valid !== (code === null)) throw new Error(`period vector ${file}: expected ${code ?? 'valid'}, the verifier says ${got ?? 'valid'}${report.firstError ? `: ${report.firstError.message}` : ''}`);
    files.set(`periods/${file}`, text);
    manifest.push({ file, description, valid: report.valid, firstError: got, errors: report.errors.map((e) => e.code) });
  }
  files.set('periods/manifest.json', json({ v: 2, periods: manifest }));
  return files;
}
