/**
 * The dialogue kinds (docs/protocol.md §6.1): the rules each entry is judged by against its causal
 * past, and the dialogue state, a pure function of the SET of entries (fast-check: any order of
 * the same entries derives the same state).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeEntry, deriveDialogue, type BodyOf, type DialogueEntry, type EntryKind, type SealedEntry } from '../../src/protocol/index.js';
import { CN_MINISTER, CN_PRINCIPAL, DAY, RU_MINISTER, US_MINISTER, US_PRINCIPAL, dialogueScenario, joiningScenario } from '../../src/testkit/dialogue-scenario.js';
import { Scenario, makeCharter, makeParty, type TestParty } from '../../src/testkit/scenario.js';

const toDialogue = (x: SealedEntry): DialogueEntry => ({ author: x.entry.author, seq: x.entry.seq, time: x.entry.time, hash: x.hash, kind: x.entry.kind as DialogueEntry['kind'], body: x.entry.body });

/** Offers an entry to the scenario's log and returns the refusal code, or 'accepted'. */
function attempt<K extends EntryKind>(s: Scenario, by: TestParty, kind: K, body: BodyOf<K>): string {
  const sealed = composeEntry(s.log, by.terminal, by.id, kind, body, s.tick());
  const r = s.log.ingest(sealed);
  if (r.status === 'accepted') s.entries.push(sealed);
  return r.status === 'rejected' ? r.error.code : r.status;
}

describe('the ministerial visit', () => {
  const story = dialogueScenario();
  const { s, us, cn } = story;
  const parties = [us.id, cn.id];
  const state = deriveDialogue(s.log.dialogue.entries(), parties, s.time + 30 * DAY);

  it('holds every issue with both parties\' current positions side by side', () => {
    expect(state.issues.map((i) => i.category)).toEqual(['trade', 'human-rights', 'cybersecurity', 'territorial', 'crisis-communication']);
    for (const i of state.issues) expect(i.current.map((p) => p.party)).toEqual([us.id, cn.id]);
  });

  it('has the meeting accepted by both, with both readouts', () => {
    const [m] = state.meetings;
    expect(m!.status).toBe('accepted');
    expect(m!.agenda).toHaveLength(5);
    expect(m!.currentReadouts.map((r) => r.lang)).toEqual(['en', 'zh']);
  });

  it('adopts the joint statement at version 2, endorsed by both', () => {
    const [t] = state.texts;
    expect(t!.versions.map((v) => v.n)).toEqual([1, 2]);
    expect(t!.adopted?.hash).toBe(story.v2.hash);
    expect(t!.versions[0]!.adopted).toBe(false);
  });

  it('tracks the commitments: one confirmed, one disputed, one overdue', () => {
    const [a, b, c] = state.commitments;
    expect(a!.verdict).toBe('confirmed');
    expect(b!.verdict).toBe('disputed');
    expect(c!.status).toBe('in-progress');
    expect(c!.overdue).toBe(true);
    expect(deriveDialogue(s.log.dialogue.entries(), parties, s.time).commitments[2]!.overdue).toBe(false);
  });

  it('derives the same state from the entries in any order (fast-check)', () => {
    const entries = [...s.log.dialogue.entries()];
    const expected = JSON.stringify(state);
    fc.assert(
      fc.property(fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }), (shuffled) => {
        expect(JSON.stringify(deriveDialogue(shuffled, parties, s.time + 30 * DAY))).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('derives the same state from the whole log, other kinds ignored', () => {
    const all = s.entries.map(toDialogue);
    expect(JSON.stringify(deriveDialogue(all, parties, s.time + 30 * DAY))).toBe(JSON.stringify(state));
  });
});

describe('refused dialogue entries', () => {
  const fresh = () => dialogueScenario('refusals');

  it('a position authored for another party', () => {
    const { s, us, cn, issues } = fresh();
    expect(attempt(s, us, 'issue.position', { issue: issues[0]!.hash, party: cn.id, text: 'China agrees.', lang: 'en', by: US_MINISTER })).toBe('DIALOGUE_WRONG_PARTY');
  });

  it('a position on an issue the author does not hold', () => {
    const { s, us } = fresh();
    expect(attempt(s, us, 'issue.position', { issue: 'a'.repeat(64), party: us.id, text: 'x', lang: 'en', by: US_MINISTER })).toBe('ENTRY_BAD_REFERENCE');
  });

  it('an endorsement of an unknown version, and of a superseded one', () => {
    const { s, us, cn, draft } = fresh();
    expect(attempt(s, us, 'text.endorse', { draft: draft.hash, version: 'b'.repeat(64), by: US_MINISTER })).toBe('DIALOGUE_UNKNOWN_VERSION');
    expect(attempt(s, cn, 'text.endorse', { draft: draft.hash, version: draft.hash, by: CN_MINISTER })).toBe('DIALOGUE_SUPERSEDED');
  });

  it('an endorsement by a role the charter does not let endorse', () => {
    const { s, us, draft, v2 } = fresh();
    const v3 = s.write(us, 'text.amend', { draft: draft.hash, base: v2.hash, content: { en: 'Final.' }, by: US_PRINCIPAL });
    expect(attempt(s, us, 'text.endorse', { draft: draft.hash, version: v3.hash, by: US_PRINCIPAL })).toBe('ENTRY_ROLE_NOT_ALLOWED');
    expect(attempt(s, us, 'text.endorse', { draft: draft.hash, version: v3.hash, by: US_MINISTER })).toBe('accepted');
  });

  it('a commitment update by a party that does not owe it', () => {
    const { s, us, commitments } = fresh();
    expect(attempt(s, us, 'commitment.update', { commitment: commitments[2]!.hash, status: 'done', note: 'Done for them.', by: US_PRINCIPAL })).toBe('DIALOGUE_WRONG_PARTY');
  });

  it('a confirmation of a commitment never marked done, and by the owing party', () => {
    const { s, us, cn, commitments, doneUpdates } = fresh();
    expect(attempt(s, us, 'commitment.confirm', { commitment: commitments[2]!.hash, update: doneUpdates[0]!.hash, by: US_PRINCIPAL })).toBe('DIALOGUE_NOT_DONE');
    expect(attempt(s, cn, 'commitment.confirm', { commitment: commitments[0]!.hash, update: doneUpdates[0]!.hash, by: CN_PRINCIPAL })).toBe('DIALOGUE_WRONG_PARTY');
  });

  it('status rules: done needs evidence, delayed a new date', () => {
    const { s, cn, commitments } = fresh();
    expect(attempt(s, cn, 'commitment.update', { commitment: commitments[2]!.hash, status: 'done', by: CN_PRINCIPAL })).toBe('DIALOGUE_INVALID');
    expect(attempt(s, cn, 'commitment.update', { commitment: commitments[2]!.hash, status: 'delayed', by: CN_PRINCIPAL })).toBe('DIALOGUE_INVALID');
    expect(attempt(s, cn, 'commitment.update', { commitment: commitments[2]!.hash, status: 'delayed', due: s.time + 30 * DAY, note: 'Consultations.', by: CN_PRINCIPAL })).toBe('accepted');
  });
});

describe('meetings and readouts', () => {
  function channel(): { s: Scenario; us: TestParty; cn: TestParty; issue: SealedEntry<'issue.open'> } {
    const us = makeParty('US', { en: 'United States' }, 'meetings');
    const cn = makeParty('CN', { en: 'China' }, 'meetings');
    const s = new Scenario([us, cn]);
    s.propose(makeCharter([us, cn], { dialogue: { positions: ['duty-officer'], categories: ['energy'] } }));
    s.acceptAll();
    const issue = s.write(us, 'issue.open', { title: { en: 'Energy', zh: '能源' }, category: 'energy', by: US_PRINCIPAL });
    return { s, us, cn, issue };
  }
  const propose = (s: Scenario, us: TestParty, start: number) =>
    s.write(us, 'meeting.propose', { title: { en: 'Call' }, kind: 'call', level: 'working', start, end: start + 3_600_000, place: 'Phone', participants: [], agenda: [], by: US_PRINCIPAL });

  it('a readout for a meeting that never took place: not accepted, declined, or not begun', () => {
    const { s, us, cn } = channel();
    const m = propose(s, us, s.time + DAY);
    expect(attempt(s, us, 'readout.file', { meeting: m.hash, text: 'We met.', lang: 'en', release: false, by: US_PRINCIPAL })).toBe('DIALOGUE_MEETING_NOT_HELD');
    s.write(cn, 'meeting.accept', { meeting: m.hash, schedule: m.hash, by: CN_PRINCIPAL });
    expect(attempt(s, us, 'readout.file', { meeting: m.hash, text: 'We met.', lang: 'en', release: false, by: US_PRINCIPAL })).toBe('DIALOGUE_MEETING_NOT_HELD');
    s.time += DAY;
    expect(attempt(s, us, 'readout.file', { meeting: m.hash, text: 'We met.', lang: 'en', release: false, by: US_PRINCIPAL })).toBe('accepted');
  });

  it('a reschedule reopens the meeting; answering the old schedule is superseded', () => {
    const { s, us, cn } = channel();
    const m = propose(s, us, s.time + DAY);
    s.write(cn, 'meeting.decline', { meeting: m.hash, schedule: m.hash, reason: 'Not that day.', by: CN_PRINCIPAL });
    const r = s.write(cn, 'meeting.reschedule', { meeting: m.hash, start: s.time + 2 * DAY, end: s.time + 2 * DAY + 3_600_000, reason: 'The day after.', by: CN_PRINCIPAL });
    expect(attempt(s, us, 'meeting.accept', { meeting: m.hash, schedule: m.hash, by: US_PRINCIPAL })).toBe('DIALOGUE_SUPERSEDED');
    expect(attempt(s, cn, 'meeting.accept', { meeting: m.hash, schedule: r.hash, by: CN_PRINCIPAL })).toBe('DIALOGUE_INVALID');
    expect(attempt(s, us, 'meeting.accept', { meeting: m.hash, schedule: r.hash, by: US_PRINCIPAL })).toBe('accepted');
    const view = deriveDialogue(s.log.dialogue.entries(), [us.id, cn.id]).meetings[0]!;
    expect(view.status).toBe('accepted');
    expect(view.schedule.hash).toBe(r.hash);
  });

  it('the charter\'s dialogue rules: its categories and the roles that state positions', () => {
    const { s, us, issue } = channel();
    expect(attempt(s, us, 'issue.open', { title: { en: 'Fishing', zh: '渔业' }, category: 'fishing', by: US_PRINCIPAL })).toBe('DIALOGUE_INVALID');
    expect(attempt(s, us, 'issue.position', { issue: issue.hash, party: us.id, text: 'x', lang: 'en', by: US_MINISTER })).toBe('ENTRY_ROLE_NOT_ALLOWED');
    expect(attempt(s, us, 'issue.position', { issue: issue.hash, party: us.id, text: 'x', lang: 'en', by: { name: 'Duty', title: 'Duty Officer', role: 'duty-officer' } })).toBe('accepted');
  });

  it('dialogue entries only while the channel is active', () => {
    const { s, us } = channel();
    s.write(us, 'channel.suspend', { reason: 'Maintenance.' });
    expect(attempt(s, us, 'issue.open', { title: { en: 'Trade', zh: '贸易' }, category: 'trade', by: US_PRINCIPAL })).toBe('ENTRY_KIND_NOT_ALLOWED');
  });
});

describe('the verifier\'s dialogue summary', () => {
  it('reports issues, meetings, readouts, the adopted text with its hash and commitments by status', async () => {
    const { formatReport, verifyBundle } = await import('../../src/protocol/index.js');
    const story = dialogueScenario('report');
    const report = verifyBundle(story.s.bundle());
    expect(report.valid).toBe(true);
    const d = report.dialogue!;
    expect(d.issues.map((i) => i.positions.map((p) => p.party))).toEqual(Array(5).fill(['US', 'CN']));
    expect(d.meetings[0]!.readouts.map((r) => r.party)).toEqual(['US', 'CN']);
    expect(d.texts[0]!.adopted).toEqual({ n: 2, entry: story.v2.hash, endorsedBy: ['US', 'CN'] });
    expect(d.commitments.map((c) => [c.status, c.verdict])).toEqual([['done', 'confirmed'], ['done', 'disputed'], ['in-progress', null]]);
    const text = formatReport(report);
    expect(text).toContain(`ADOPTED version 2, entry ${story.v2.hash}`);
    expect(text).toContain('CONFIRMED');
    expect(text).toContain('DISPUTED');
    expect(text).toMatch(/readout of CN: .* \(for release\)/);
  });

  it('leaves the report of a bundle without dialogue entries as it was', async () => {
    const { verifyBundle } = await import('../../src/protocol/index.js');
    const { bilateralScenario } = await import('../../src/testkit/scenario.js');
    expect('dialogue' in verifyBundle(bilateralScenario(2).bundle())).toBe(false);
  });
});

describe('the verifier on a dialogue bundle', () => {
  it('gives the same report, dialogue included, whatever the order of the entry lines (fast-check)', async () => {
    const { reportJson, verifyBundle } = await import('../../src/protocol/index.js');
    const story = dialogueScenario('order');
    const lines = story.s.bundle().split('\n').slice(0, -1);
    const head = lines.slice(0, 3);
    const entries = lines.slice(3);
    const expected = reportJson(verifyBundle(`${lines.join('\n')}\n`));
    expect(JSON.parse(expected).dialogue.texts[0].adopted.n).toBe(2);
    fc.assert(
      fc.property(fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }), (shuffled) => {
        expect(reportJson(verifyBundle(`${[...head, ...shuffled].join('\n')}\n`))).toBe(expected);
      }),
      { numRuns: 20 },
    );
  });
});

describe('decided stays decided when a party joins (§6.1)', () => {
  const story = () => joiningScenario();

  it('keeps the text adopted, the meeting accepted and the commitment confirmed, and a readout may still be filed', () => {
    const { s, us, cn, ru, draft, meeting, start } = story();
    const parties = s.log.state(s.time).charter.parties.map((p) => p.party);
    expect(parties).toEqual([us.id, cn.id, ru.id]);
    const state = deriveDialogue(s.log.dialogue.entries(), parties, s.time);
    expect(state.texts[0]!.adopted?.hash).toBe(draft.hash);
    expect(state.texts[0]!.versions[0]!.endorsedBy).toEqual([us.id, cn.id]);
    expect(state.meetings[0]!.status).toBe('accepted');
    expect(state.commitments[0]!.verdict).toBe('confirmed');
    // The meeting was held as the parties of its time agreed: RU need not accept it to file a readout.
    s.time = start + 7_200_000;
    expect(attempt(s, ru, 'readout.file', { meeting: meeting.hash, text: 'RU was informed.', lang: 'en', release: false, by: { name: 'Ivan', title: 'Minister', role: 'principal' } })).toBe('accepted');
    // Order does not matter: the same state from the entries shuffled.
    const entries = [...s.log.dialogue.entries()];
    expect(JSON.stringify(deriveDialogue([...entries].reverse(), parties, s.time).texts)).toBe(JSON.stringify(deriveDialogue(entries, parties, s.time).texts));
    // Entries without the parties of their time (built outside a log) are judged by today's charter.
    expect(deriveDialogue(entries.map(({ parties: _p, heads: _h, ...e }) => e), parties, s.time).texts[0]!.adopted).toBeUndefined();
  });

  it('asks the added party too for what is decided after it joined', () => {
    const { s, us, cn, ru } = story();
    const parties = [us.id, cn.id, ru.id];
    const later = s.write(us, 'text.draft', { title: { en: 'Second statement' }, type: 'joint-statement', content: { en: 'The three sides held talks.' }, by: US_MINISTER });
    s.write(us, 'text.endorse', { draft: later.hash, version: later.hash, by: US_MINISTER });
    s.write(cn, 'text.endorse', { draft: later.hash, version: later.hash, by: CN_MINISTER });
    expect(deriveDialogue(s.log.dialogue.entries(), parties, s.time).texts[1]!.adopted).toBeUndefined();
    s.write(ru, 'text.endorse', { draft: later.hash, version: later.hash, by: RU_MINISTER });
    expect(deriveDialogue(s.log.dialogue.entries(), parties, s.time).texts[1]!.adopted?.hash).toBe(later.hash);
  });
});
