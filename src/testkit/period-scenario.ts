/**
 * A version-2 channel with a checkpoint in the middle (docs/protocol.md §15): traffic, a
 * suspension and a resumption before it; a checkpoint by US that CN countersigns; traffic after
 * it, including an acknowledgement of a message from before. For tests and test vectors.
 */
import { KeySigner, isLastingKind, periodEntries, periodSourceOf, sealEntry, writeBundle, type SealedEntry } from '../protocol/index.js';
import { makeCharter, makeParty, Scenario, seedFor, type TestParty } from './scenario.js';

const HOUR = 3_600_000;

export interface PeriodStory {
  readonly s: Scenario;
  readonly us: TestParty;
  readonly cn: TestParty;
  /** A FLASH before the anchor, acknowledged after it. */
  readonly early: SealedEntry;
  readonly checkpoint: SealedEntry;
  /** A time after the checkpoint: the period asked for starts here. */
  readonly since: number;
  /** A message in the period. */
  readonly late: SealedEntry;
}

export function periodStory(): PeriodStory {
  const us = makeParty('US', { en: 'United States', zh: '美国' });
  const cn = makeParty('CN', { en: 'China', zh: '中国' });
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], { protocol: 2 }));
  s.acceptAll();
  const early = s.message(us, 'Early FLASH before the anchor', 'FLASH');
  s.receipt(cn);
  s.write(cn, 'channel.suspend', { reason: 'consultations' });
  s.write(cn, 'channel.resume', { reason: 'consultations done' });
  for (let i = 0; i < 5; i++) s.message(cn, `routine ${i}`);
  s.receipt(us);
  s.tick(24 * HOUR);
  const checkpoint = s.write(us, 'checkpoint', s.log.checkpointBody(us.id));
  const since = s.tick(HOUR);
  s.receipt(cn); // CN countersigns: its heads now hold US's checkpoint
  const late = s.message(cn, 'A message in the period', 'IMMEDIATE');
  s.ack(us, late);
  s.ack(cn, early); // an acknowledgement in the period of a message before it
  s.receipt(us);
  return { s, us, cn, early, checkpoint, since, late };
}

/** The period bundle of the story from its checkpoint (to `until`), its entries edited by `edit`. */
export async function periodBundleOf(t: PeriodStory, until?: number, edit: (entries: SealedEntry[]) => SealedEntry[] = (x) => x, anchor: string = t.checkpoint.hash): Promise<string> {
  const entries = await periodEntries(periodSourceOf(t.s.entries, isLastingKind), t.checkpoint, [t.us.id, t.cn.id], until);
  return writeBundle({ channel: t.s.log.id, anchor, since: t.since, ...(until !== undefined ? { until } : {}) }, t.s.parties.map((p) => p.card), [t.s.entries[0]!, ...edit(entries)]);
}

/**
 * A copy of `orig` (its author time moved by a few milliseconds) validly signed by a key no card of
 * its author certifies, its hash below the signed entry's: what anyone can make. Such a copy is a
 * forgery, never evidence of equivocation (§4.2), before an anchor as after it (§15.3 step 2).
 */
export function foreignCopy(orig: SealedEntry, label = 'mallory'): SealedEntry {
  const mallory = KeySigner.fromSeed(seedFor(`${label} terminal`));
  const { sig: _sig, v, ...fields } = orig.entry;
  for (let i = 1; ; i++) {
    const f = sealEntry({ ...fields, key: mallory.publicKey, time: fields.time + i }, mallory, v) as SealedEntry;
    if (f.hash < orig.hash) return f;
  }
}
