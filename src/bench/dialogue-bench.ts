/**
 * Dialogue benchmark (#16): deriving the dialogue state (src/protocol/dialogue.ts) of a channel
 * holding 10,000 dialogue entries, every kind in the proportions of a busy dialogue: issues with
 * revised positions, meetings with answers and readouts, joint texts amended and endorsed,
 * commitments updated, confirmed and disputed. Target: under 100 ms (median of several runs).
 */
import { deriveDialogue, type DialogueEntry } from '../protocol/index.js';
import { CN_MINISTER, CN_PRINCIPAL, US_MINISTER, US_PRINCIPAL } from '../testkit/dialogue-scenario.js';
import { Scenario, makeCharter, makeParty } from '../testkit/scenario.js';
import { type BenchContext, type BenchModule } from './bench.js';

export const DIALOGUE_TARGET_MS = 100;

/** A bilateral channel with exactly `n` dialogue entries, every one accepted by the channel log. */
export function buildDialogue(n: number): { entries: DialogueEntry[]; parties: string[]; at: number } {
  const us = makeParty('US', { en: 'United States' }, 'bench');
  const cn = makeParty('CN', { en: 'China' }, 'bench');
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn]));
  s.acceptAll();
  const count = () => s.log.dialogue.size;
  for (let r = 0; count() < n; r++) {
    const issue = s.write(us, 'issue.open', { title: { en: `Issue ${r}` }, category: 'trade', by: US_PRINCIPAL });
    for (let i = 0; i < 3 && count() < n; i++) {
      s.write(us, 'issue.position', { issue: issue.hash, party: us.id, text: `US position ${r}.${i}`, lang: 'en', by: US_MINISTER });
      s.write(cn, 'issue.position', { issue: issue.hash, party: cn.id, text: `中方立场 ${r}.${i}`, lang: 'zh', by: CN_MINISTER });
    }
    const start = s.time + 1000;
    const m = s.write(us, 'meeting.propose', { title: { en: `Meeting ${r}` }, kind: 'call', level: 'working', start, end: start + 3_600_000, place: 'Phone', participants: [], agenda: [issue.hash], by: US_PRINCIPAL });
    s.write(cn, 'meeting.accept', { meeting: m.hash, schedule: m.hash, by: CN_PRINCIPAL });
    s.time = start + 3_600_000;
    s.write(us, 'readout.file', { meeting: m.hash, text: `US readout ${r}`, lang: 'en', release: true, by: US_PRINCIPAL });
    s.write(cn, 'readout.file', { meeting: m.hash, text: `中方纪要 ${r}`, lang: 'zh', release: false, by: CN_PRINCIPAL });
    const d = s.write(us, 'text.draft', { title: { en: `Text ${r}` }, type: 'joint-statement', content: { en: `Draft ${r}` }, source: m.hash, by: US_PRINCIPAL });
    const v2 = s.write(cn, 'text.amend', { draft: d.hash, base: d.hash, content: { en: `Draft ${r}, amended` }, by: CN_PRINCIPAL });
    s.write(us, 'text.endorse', { draft: d.hash, version: v2.hash, by: US_MINISTER });
    s.write(cn, 'text.endorse', { draft: d.hash, version: v2.hash, by: CN_MINISTER });
    const c = s.write(us, 'commitment.add', { owner: cn.id, what: `Commitment ${r}`, lang: 'en', due: s.time + 86_400_000, source: m.hash, by: US_MINISTER });
    const u = s.write(cn, 'commitment.update', { commitment: c.hash, status: 'done', note: 'Evidence.', by: CN_PRINCIPAL });
    s.write(us, r % 2 === 0 ? 'commitment.confirm' : 'commitment.dispute', r % 2 === 0 ? { commitment: c.hash, update: u.hash, by: US_PRINCIPAL } : { commitment: c.hash, update: u.hash, reason: 'Not seen.', by: US_PRINCIPAL } as never);
  }
  return { entries: [...s.log.dialogue.entries()].slice(0, n), parties: [us.id, cn.id], at: s.time };
}

async function run(ctx: BenchContext): Promise<unknown> {
  const n = 10_000;
  ctx.log(`dialogue: building a channel with ${n} dialogue entries`);
  const { entries, parties, at } = buildDialogue(n);
  const times: number[] = [];
  for (let i = 0; i < (ctx.quick ? 5 : 15); i++) {
    const t0 = performance.now();
    deriveDialogue(entries, parties, at);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)]!;
  ctx.log(`dialogue: deriving the state of ${n} entries takes ${medianMs.toFixed(1)} ms (median; target < ${DIALOGUE_TARGET_MS} ms)`);
  return { entries: n, deriveMedianMs: Math.round(medianMs * 10) / 10, deriveMinMs: Math.round(times[0]! * 10) / 10, targetMs: DIALOGUE_TARGET_MS, meetsTarget: medianMs < DIALOGUE_TARGET_MS };
}

export const dialogueBench: BenchModule = {
  name: 'dialogue',
  description: 'deriving the dialogue state of 10,000 dialogue entries (target < 100 ms)',
  run,
};
