/**
 * A deterministic dialogue on a bilateral channel (docs/protocol.md §6.1), modelled on a two-day
 * ministerial visit: issues, positions, a meeting in Beijing, two readouts that differ, a joint
 * statement adopted at version 2, and three commitments (confirmed, disputed, overdue). For tests,
 * test vectors and the benchmark.
 */
import { charterHash, type BodyOf, type OfficerRef, type SealedEntry } from '../protocol/index.js';
import { Scenario, makeCharter, makeParty, type TestParty } from './scenario.js';

export const US_MINISTER: OfficerRef = { name: 'Jane Doe', title: 'Secretary of State', role: 'plenipotentiary' };
export const CN_MINISTER: OfficerRef = { name: 'Wang Lei', title: 'Minister of Foreign Affairs', role: 'plenipotentiary' };
export const US_PRINCIPAL: OfficerRef = { name: 'John Roe', title: 'Assistant Secretary', role: 'principal' };
export const CN_PRINCIPAL: OfficerRef = { name: 'Li Na', title: 'Director-General', role: 'principal' };

export const AGENDA = [
  ['trade', 'Trade', '贸易'],
  ['human-rights', 'Human rights', '人权'],
  ['cybersecurity', 'Cybersecurity', '网络安全'],
  ['territorial', 'Territorial disputes', '领土争端'],
  ['crisis-communication', 'Crisis communication channels', '危机沟通渠道'],
] as const;

/** What dialogueScenario wrote, by role in the story. */
export interface DialogueStory {
  readonly s: Scenario;
  readonly us: TestParty;
  readonly cn: TestParty;
  readonly issues: ReadonlyArray<SealedEntry<'issue.open'>>;
  readonly meeting: SealedEntry<'meeting.propose'>;
  readonly draft: SealedEntry<'text.draft'>;
  readonly v2: SealedEntry<'text.amend'>;
  readonly commitments: ReadonlyArray<SealedEntry<'commitment.add'>>;
  readonly doneUpdates: ReadonlyArray<SealedEntry<'commitment.update'>>;
}

const DAY = 86_400_000;

/** Builds the whole story; `salt` gives other keys (and so other hashes). */
export function dialogueScenario(salt = ''): DialogueStory {
  const us = makeParty('US', { en: 'United States', zh: '美国' }, salt);
  const cn = makeParty('CN', { en: 'China', zh: '中国' }, salt);
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], { title: { en: 'US–China senior dialogue', zh: '中美高层对话' }, tier: 'ministerial' }));
  s.acceptAll();
  const issues = AGENDA.map(([category, en, zh]) => s.write(us, 'issue.open', { title: { en, zh }, category, by: US_PRINCIPAL }));
  for (const i of issues) {
    s.write(us, 'issue.position', { issue: i.hash, party: us.id, text: `The United States position on ${i.entry.body.title.en}.`, lang: 'en', by: US_MINISTER });
    s.write(cn, 'issue.position', { issue: i.hash, party: cn.id, text: `中方在${i.entry.body.title.zh}问题上的立场。`, lang: 'zh', by: CN_MINISTER });
  }
  const start = s.time + DAY;
  const meeting = s.write(us, 'meeting.propose', {
    title: { en: 'Ministerial visit to Beijing', zh: '部长级访华' },
    kind: 'visit',
    level: 'ministerial',
    start,
    end: start + 2 * DAY,
    place: 'Beijing',
    zones: { [us.id]: 'America/New_York', [cn.id]: 'Asia/Shanghai' },
    participants: [
      { party: us.id, name: US_MINISTER.name, title: US_MINISTER.title },
      { party: cn.id, name: CN_MINISTER.name, title: CN_MINISTER.title },
    ],
    agenda: issues.map((i) => i.hash),
    by: US_PRINCIPAL,
  });
  s.write(cn, 'meeting.accept', { meeting: meeting.hash, schedule: meeting.hash, by: CN_PRINCIPAL });
  s.time = start + 2 * DAY + 3_600_000;
  s.write(us, 'readout.file', { meeting: meeting.hash, text: 'The two sides agreed to resume military-to-military talks.', lang: 'en', release: true, by: US_PRINCIPAL });
  s.write(cn, 'readout.file', { meeting: meeting.hash, text: '双方同意在平等基础上恢复两军对话。', lang: 'zh', release: true, by: CN_PRINCIPAL });
  const draft = s.write(us, 'text.draft', {
    title: { en: 'Joint statement', zh: '联合声明' },
    type: 'joint-statement',
    content: { en: 'The two sides held candid talks.', zh: '双方进行了坦诚的会谈。' },
    source: meeting.hash,
    by: US_PRINCIPAL,
  });
  const v2 = s.write(cn, 'text.amend', {
    draft: draft.hash,
    base: draft.hash,
    content: { en: 'The two sides held candid and constructive talks.', zh: '双方进行了坦诚和建设性的会谈。' },
    note: 'Constructive.',
    by: CN_PRINCIPAL,
  });
  s.write(us, 'text.endorse', { draft: draft.hash, version: v2.hash, by: US_MINISTER });
  s.write(cn, 'text.endorse', { draft: draft.hash, version: v2.hash, by: CN_MINISTER });
  const due = s.time + 7 * DAY;
  const add = (owner: TestParty, what: string): SealedEntry<'commitment.add'> =>
    s.write(us, 'commitment.add', { owner: owner.id, what, lang: 'en', due, source: meeting.hash, by: US_MINISTER });
  const commitments = [
    add(cn, 'Designate a point of contact for the crisis line.'),
    add(us, 'Share the draft terms of reference of the working group.'),
    add(cn, 'Reply to the proposal on maritime safety.'),
  ];
  const update = (by: TestParty, c: SealedEntry, body: Omit<BodyOf<'commitment.update'>, 'commitment' | 'by'>) =>
    s.write(by, 'commitment.update', { commitment: c.hash, ...body, by: by === us ? US_PRINCIPAL : CN_PRINCIPAL });
  const done0 = update(cn, commitments[0]!, { status: 'done', note: 'Point of contact: Director Chen, +86 10 0000 0000.' });
  s.write(us, 'commitment.confirm', { commitment: commitments[0]!.hash, update: done0.hash, by: US_PRINCIPAL });
  const done1 = update(us, commitments[1]!, { status: 'done', note: 'Sent by diplomatic note on day 3.' });
  s.write(cn, 'commitment.dispute', { commitment: commitments[1]!.hash, update: done1.hash, reason: 'The note has not been received.', by: CN_PRINCIPAL });
  update(cn, commitments[2]!, { status: 'in-progress' });
  return { s, us, cn, issues, meeting, draft, v2, commitments, doneUpdates: [done0, done1] };
}

export { DAY };

/** RU's minister, in the channel {@link joiningScenario} adds it to. */
export const RU_MINISTER: OfficerRef = { name: 'Ivan Petrov', title: 'Minister', role: 'plenipotentiary' };

/**
 * Decided stays decided (docs/protocol.md §6.1): US and CN adopt a joint statement, accept a
 * meeting and confirm a commitment; then an amendment adds RU, which every party accepts. What the
 * two had decided stays decided; what is asked after RU joined needs RU's answer too.
 */
export function joiningScenario(salt = 'joins') {
  const us = makeParty('US', { en: 'United States' }, salt);
  const cn = makeParty('CN', { en: 'China' }, salt);
  const ru = makeParty('RU', { en: 'Russia' }, salt);
  const s = new Scenario([us, cn, ru]);
  s.propose(makeCharter([us, cn], { tier: 'ministerial' }));
  s.write(cn, 'charter.accept', { charter: s.log.state(s.time).proposalHash });
  const draft = s.write(us, 'text.draft', { title: { en: 'Joint statement' }, type: 'joint-statement', content: { en: 'The two sides held talks.' }, by: US_MINISTER });
  s.write(us, 'text.endorse', { draft: draft.hash, version: draft.hash, by: US_MINISTER });
  s.write(cn, 'text.endorse', { draft: draft.hash, version: draft.hash, by: CN_MINISTER });
  const start = s.time + DAY;
  const meeting = s.write(us, 'meeting.propose', { title: { en: 'Talks' }, kind: 'call', level: 'ministerial', start, end: start + 3_600_000, place: 'Geneva', participants: [], agenda: [], by: US_PRINCIPAL });
  s.write(cn, 'meeting.accept', { meeting: meeting.hash, schedule: meeting.hash, by: CN_PRINCIPAL });
  const commitment = s.write(us, 'commitment.add', { owner: cn.id, what: 'Name a point of contact.', lang: 'en', due: s.time + DAY, by: US_PRINCIPAL });
  const done = s.write(cn, 'commitment.update', { commitment: commitment.hash, status: 'done', note: 'Named: Col. Zhang.', by: CN_PRINCIPAL });
  s.write(us, 'commitment.confirm', { commitment: commitment.hash, update: done.hash, by: US_PRINCIPAL });
  const withRu = makeCharter([us, cn, ru], { tier: 'ministerial' });
  s.write(us, 'charter.amend', { charter: withRu, reason: 'add RU' });
  s.write(cn, 'charter.accept', { charter: charterHash(withRu) });
  s.write(ru, 'charter.accept', { charter: charterHash(withRu) });
  return { s, us, cn, ru, draft, meeting, start };
}
