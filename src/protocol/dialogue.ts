/**
 * The dialogue state (docs/protocol.md §6.1): issues with each party's positions, meetings with
 * their schedules, answers and readouts, joint texts with their versions and endorsements, and
 * commitments with their updates and verdicts. A pure function of the SET of dialogue entries in
 * view, like the charter state: every party holding the same entries derives the same state,
 * whatever order they arrived in. Nothing here checks the rules: ChannelLog accepted each entry
 * against its causal past first (./dialogue-check.ts).
 */
import {
  DIALOGUE_KINDS,
  ISSUE_CATEGORIES,
  type BodyOf,
  type Charter,
  type DialogueKind,
  type DialogueRules,
  type OfficerRef,
  type Role,
} from './schemas.js';

/** The part of a dialogue entry the state reads. */
export interface DialogueEntry {
  readonly author: string;
  readonly seq: number;
  readonly time: number;
  readonly hash: string;
  readonly kind: DialogueKind;
  readonly body: Readonly<Record<string, unknown>>;
  /**
   * The parties of the charter in force in the entry's causal past, and its heads: what a decision
   * needed when it was taken (§6.1, "decided stays decided"). A ChannelLog sets both; an entry
   * without them is judged by the parties given to deriveDialogue alone.
   */
  readonly parties?: readonly string[];
  readonly heads?: Readonly<Record<string, { readonly seq: number }>>;
}

/** Is `x` in the causal past of `e` (§7; heads are transitively closed, so one look suffices)? */
const inPastOf = (x: DialogueEntry, e: DialogueEntry): boolean => (x.author === e.author ? x.seq < e.seq : x.seq <= (e.heads?.[x.author]?.seq ?? 0));

/**
 * Whether one of `answers` decided the question when it was written: every party of the charter
 * then in force (its `parties`), other than `exempt`, had answered in its causal past or by it
 * (`counts` says whether an entry is such an answer by that party). So a joint text adopted, a
 * meeting accepted or a commitment confirmed by the parties of its time stays so when a party is
 * added later (docs/protocol.md §6.1).
 */
export function decidedThen(answers: readonly DialogueEntry[], exempt: ReadonlySet<string>): boolean {
  return answers.some((d) => d.parties !== undefined && d.parties.every((p) => exempt.has(p) || answers.some((x) => x.author === p && (x === d || inPastOf(x, d)))));
}

/** Roles that may state positions, endorse texts and record commitments when the charter says nothing (§6.1). */
export const DIALOGUE_DEFAULTS = Object.freeze({
  positions: ['plenipotentiary', 'principal'] as readonly Role[],
  endorse: ['plenipotentiary'] as readonly Role[],
  commitments: ['plenipotentiary', 'principal'] as readonly Role[],
});

/** The dialogue rules of a charter, defaults filled in. */
export function dialogueRules(charter: Charter): Required<Omit<DialogueRules, 'categories'>> & { readonly categories: readonly string[] } {
  const r = charter.dialogue ?? {};
  return {
    positions: r.positions ?? [...DIALOGUE_DEFAULTS.positions],
    endorse: r.endorse ?? [...DIALOGUE_DEFAULTS.endorse],
    commitments: r.commitments ?? [...DIALOGUE_DEFAULTS.commitments],
    categories: [...ISSUE_CATEGORIES, ...(r.categories ?? []).filter((c) => !(ISSUE_CATEGORIES as readonly string[]).includes(c))],
  };
}

export function isDialogueKind(kind: string): kind is DialogueKind {
  return DIALOGUE_KINDS.has(kind);
}

export interface PositionView {
  readonly hash: string;
  readonly party: string;
  readonly seq: number;
  readonly time: number;
  readonly text: string;
  readonly lang: string;
  readonly by: OfficerRef;
}

export interface IssueView {
  readonly hash: string;
  readonly author: string;
  readonly time: number;
  readonly title: Readonly<Record<string, string>>;
  readonly category: string;
  readonly summary?: string;
  readonly by: OfficerRef;
  /** Every position stated, by party then oldest first: the history. */
  readonly positions: readonly PositionView[];
  /** Each party's latest position, in the order of the parties given. */
  readonly current: readonly PositionView[];
}

export interface ScheduleView {
  readonly hash: string;
  readonly author: string;
  readonly time: number;
  readonly start: number;
  readonly end: number;
  readonly place: string;
  readonly reason?: string;
}

export interface ReadoutView {
  readonly hash: string;
  readonly party: string;
  readonly seq: number;
  readonly time: number;
  readonly text: string;
  readonly lang: string;
  readonly release: boolean;
  readonly by: OfficerRef;
}

export type MeetingStatus = 'proposed' | 'accepted' | 'declined';

export interface MeetingView {
  readonly hash: string;
  readonly author: string;
  readonly time: number;
  readonly title: Readonly<Record<string, string>>;
  readonly kind: BodyOf<'meeting.propose'>['kind'];
  readonly level: BodyOf<'meeting.propose'>['level'];
  readonly zones: Readonly<Record<string, string>>;
  readonly participants: BodyOf<'meeting.propose'>['participants'];
  readonly agenda: readonly string[];
  readonly by: OfficerRef;
  /** The schedule in force: the latest proposal or reschedule (by time, then hash). */
  readonly schedule: ScheduleView;
  readonly schedules: readonly ScheduleView[];
  /** Parties that accepted the schedule in force (its author counts as accepting). */
  readonly accepted: readonly string[];
  readonly declined: ReadonlyArray<{ readonly party: string; readonly hash: string; readonly time: number; readonly reason: string }>;
  readonly status: MeetingStatus;
  /** Every readout filed, by party then oldest first. */
  readonly readouts: readonly ReadoutView[];
  /** Each party's latest readout. */
  readonly currentReadouts: readonly ReadoutView[];
}

export interface VersionView {
  readonly hash: string;
  /** 1 for the draft, base's number + 1 for an amendment. */
  readonly n: number;
  readonly author: string;
  readonly time: number;
  readonly base?: string;
  readonly content: Readonly<Record<string, string>>;
  readonly note?: string;
  readonly by: OfficerRef;
  /** Parties that endorsed exactly this version. */
  readonly endorsedBy: readonly string[];
  readonly adopted: boolean;
}

export interface TextView {
  readonly hash: string;
  readonly author: string;
  readonly time: number;
  readonly title: Readonly<Record<string, string>>;
  readonly type: BodyOf<'text.draft'>['type'];
  readonly source?: string;
  readonly by: OfficerRef;
  /** Versions by number, then time, then hash. */
  readonly versions: readonly VersionView[];
  readonly latest: VersionView;
  /** The adopted version with the highest number, if any version is adopted. */
  readonly adopted?: VersionView;
}

export interface UpdateView {
  readonly hash: string;
  readonly seq: number;
  readonly time: number;
  readonly status: BodyOf<'commitment.update'>['status'];
  readonly note?: string;
  readonly due?: number;
  readonly by: OfficerRef;
  readonly confirmedBy: ReadonlyArray<{ readonly party: string; readonly hash: string; readonly time: number }>;
  readonly disputedBy: ReadonlyArray<{ readonly party: string; readonly hash: string; readonly time: number; readonly reason: string }>;
}

export type CommitmentStatus = 'open' | BodyOf<'commitment.update'>['status'];

export interface CommitmentView {
  readonly hash: string;
  readonly author: string;
  readonly time: number;
  readonly owner: string;
  readonly what: string;
  readonly lang: string;
  /** The due date in force: the latest "delayed" update's new date, or the original. */
  readonly due: number;
  readonly originalDue: number;
  readonly source?: string;
  readonly by: OfficerRef;
  readonly status: CommitmentStatus;
  /** The owing party's updates, oldest first. */
  readonly updates: readonly UpdateView[];
  /** On the latest update when it says done: disputed by anyone, or confirmed by every other party. */
  readonly verdict?: 'confirmed' | 'disputed';
  /** Due before `at` and neither done nor withdrawn (false when no `at` was given). */
  readonly overdue: boolean;
}

/** The dialogue state of a channel. */
export interface DialogueState {
  readonly issues: readonly IssueView[];
  readonly meetings: readonly MeetingView[];
  readonly texts: readonly TextView[];
  readonly commitments: readonly CommitmentView[];
}

/** (time, hash) order: the order-independent "latest" across authors. */
const byTimeHash = (a: { time: number; hash: string }, b: { time: number; hash: string }) => a.time - b.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);

function group<T extends DialogueEntry>(list: readonly T[], key: (e: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const e of list) {
    const k = key(e);
    const l = m.get(k);
    if (l) l.push(e);
    else m.set(k, [e]);
  }
  return m;
}

/** Latest per party (by seq: one author's entries are ordered by their log), in `parties` order. */
function latestPerParty<T extends { party: string; seq: number }>(list: readonly T[], parties: readonly string[]): T[] {
  const latest = new Map<string, T>();
  for (const x of list) {
    const prior = latest.get(x.party);
    if (!prior || prior.seq < x.seq) latest.set(x.party, x);
  }
  const order = (p: string) => {
    const i = parties.indexOf(p);
    return i < 0 ? parties.length : i;
  };
  return [...latest.values()].sort((a, b) => order(a.party) - order(b.party) || (a.party < b.party ? -1 : 1));
}

const byPartySeq = (a: { party: string; seq: number }, b: { party: string; seq: number }) => (a.party < b.party ? -1 : a.party > b.party ? 1 : a.seq - b.seq);

/**
 * Derives the dialogue state from a set of dialogue entries (any order, other kinds ignored).
 * `parties` are the parties of the charter in force: adoption and confirmation need all of them.
 * `at` is the time overdue commitments are judged at (none are overdue without it).
 */
export function deriveDialogue(entries: Iterable<DialogueEntry>, parties: readonly string[], at?: number): DialogueState {
  const byKind = new Map<string, DialogueEntry[]>();
  for (const e of entries) {
    if (!isDialogueKind(e.kind)) continue;
    const l = byKind.get(e.kind);
    if (l) l.push(e);
    else byKind.set(e.kind, [e]);
  }
  const of = (k: DialogueKind) => byKind.get(k) ?? [];
  const ref = (field: string) => (e: DialogueEntry) => String(e.body[field]);
  return {
    issues: deriveIssues(of('issue.open'), group(of('issue.position'), ref('issue')), parties),
    meetings: deriveMeetings(of, ref, parties),
    texts: deriveTexts(of, ref, parties),
    commitments: deriveCommitments(of, ref, parties, at),
  };
}

function deriveIssues(opens: readonly DialogueEntry[], positions: Map<string, DialogueEntry[]>, parties: readonly string[]): IssueView[] {
  return [...opens].sort(byTimeHash).map((e) => {
    const b = e.body as BodyOf<'issue.open'>;
    const list: PositionView[] = (positions.get(e.hash) ?? [])
      .map((p) => {
        const pb = p.body as BodyOf<'issue.position'>;
        return { hash: p.hash, party: p.author, seq: p.seq, time: p.time, text: pb.text, lang: pb.lang, by: pb.by };
      })
      .sort(byPartySeq);
    return { hash: e.hash, author: e.author, time: e.time, title: b.title, category: b.category, ...(b.summary !== undefined ? { summary: b.summary } : {}), by: b.by, positions: list, current: latestPerParty(list, parties) };
  });
}

type Of = (k: DialogueKind) => readonly DialogueEntry[];
type Ref = (field: string) => (e: DialogueEntry) => string;

function deriveMeetings(of: Of, ref: Ref, parties: readonly string[]): MeetingView[] {
  const reschedules = group(of('meeting.reschedule'), ref('meeting'));
  const accepts = group(of('meeting.accept'), ref('schedule'));
  const declines = group(of('meeting.decline'), ref('schedule'));
  const readouts = group(of('readout.file'), ref('meeting'));
  return [...of('meeting.propose')].sort(byTimeHash).map((e) => {
    const b = e.body as BodyOf<'meeting.propose'>;
    const schedules: ScheduleView[] = [
      { hash: e.hash, author: e.author, time: e.time, start: b.start, end: b.end, place: b.place },
      ...(reschedules.get(e.hash) ?? []).map((r) => {
        const rb = r.body as BodyOf<'meeting.reschedule'>;
        return { hash: r.hash, author: r.author, time: r.time, start: rb.start, end: rb.end, place: rb.place ?? b.place, reason: rb.reason };
      }),
    ].sort(byTimeHash);
    const schedule = schedules[schedules.length - 1]!;
    const answers = (accepts.get(schedule.hash) ?? []).filter((a) => a.body.meeting === e.hash);
    const acc = new Set([schedule.author, ...answers.map((a) => a.author)]);
    const declined = (declines.get(schedule.hash) ?? [])
      .filter((d) => d.body.meeting === e.hash)
      .map((d) => ({ party: d.author, hash: d.hash, time: d.time, reason: String(d.body.reason) }))
      .sort(byTimeHash);
    const status: MeetingStatus = declined.length > 0 ? 'declined' : parties.every((p) => acc.has(p)) || decidedThen(answers, new Set([schedule.author])) ? 'accepted' : 'proposed';
    const list: ReadoutView[] = (readouts.get(e.hash) ?? [])
      .map((r) => {
        const rb = r.body as BodyOf<'readout.file'>;
        return { hash: r.hash, party: r.author, seq: r.seq, time: r.time, text: rb.text, lang: rb.lang, release: rb.release, by: rb.by };
      })
      .sort(byPartySeq);
    return {
      hash: e.hash,
      author: e.author,
      time: e.time,
      title: b.title,
      kind: b.kind,
      level: b.level,
      zones: b.zones ?? {},
      participants: b.participants,
      agenda: b.agenda,
      by: b.by,
      schedule,
      schedules,
      accepted: parties.filter((p) => acc.has(p)),
      declined,
      status,
      readouts: list,
      currentReadouts: latestPerParty(list, parties),
    };
  });
}

const NOBODY: ReadonlySet<string> = new Set();

function deriveTexts(of: Of, ref: Ref, parties: readonly string[]): TextView[] {
  const amends = group(of('text.amend'), ref('draft'));
  const endorsements = group(of('text.endorse'), ref('version'));
  return [...of('text.draft')].sort(byTimeHash).map((e) => {
    const b = e.body as BodyOf<'text.draft'>;
    const raw = new Map<string, { e: DialogueEntry; base?: string; content: Record<string, string>; note?: string; by: OfficerRef }>();
    raw.set(e.hash, { e, content: b.content, by: b.by });
    for (const a of amends.get(e.hash) ?? []) {
      const ab = a.body as BodyOf<'text.amend'>;
      raw.set(a.hash, { e: a, base: ab.base, content: ab.content, ...(ab.note !== undefined ? { note: ab.note } : {}), by: ab.by });
    }
    // A version's number follows its base chain; bases are versions of the same text (§6.1).
    const numbers = new Map<string, number>();
    const number = (h: string, depth = 0): number => {
      const known = numbers.get(h);
      if (known !== undefined) return known;
      const v = raw.get(h);
      const n = !v || v.base === undefined || depth > raw.size ? 1 : number(v.base, depth + 1) + 1;
      numbers.set(h, n);
      return n;
    };
    const versions: VersionView[] = [...raw.values()]
      .map((v) => {
        const answers = (endorsements.get(v.e.hash) ?? []).filter((x) => x.body.draft === e.hash);
        const endorsedBy = new Set(answers.map((x) => x.author));
        return {
          hash: v.e.hash,
          n: number(v.e.hash),
          author: v.e.author,
          time: v.e.time,
          ...(v.base !== undefined ? { base: v.base } : {}),
          content: v.content,
          ...(v.note !== undefined ? { note: v.note } : {}),
          by: v.by,
          endorsedBy: parties.filter((p) => endorsedBy.has(p)),
          adopted: parties.every((p) => endorsedBy.has(p)) || decidedThen(answers, NOBODY),
        };
      })
      .sort((x, y) => x.n - y.n || byTimeHash(x, y));
    const adopted = versions.filter((v) => v.adopted);
    return {
      hash: e.hash,
      author: e.author,
      time: e.time,
      title: b.title,
      type: b.type,
      ...(b.source !== undefined ? { source: b.source } : {}),
      by: b.by,
      versions,
      latest: versions[versions.length - 1]!,
      ...(adopted.length > 0 ? { adopted: adopted[adopted.length - 1]! } : {}),
    };
  });
}

function deriveCommitments(of: Of, ref: Ref, parties: readonly string[], at: number | undefined): CommitmentView[] {
  const updates = group(of('commitment.update'), ref('commitment'));
  const confirms = group(of('commitment.confirm'), ref('update'));
  const disputes = group(of('commitment.dispute'), ref('update'));
  return [...of('commitment.add')].sort(byTimeHash).map((e) => {
    const b = e.body as BodyOf<'commitment.add'>;
    const confirmEntries = new Map<string, DialogueEntry[]>();
    // Only the owing party's updates count (the log refuses others'): ordered by its log.
    const list: UpdateView[] = (updates.get(e.hash) ?? [])
      .filter((u) => u.author === b.owner)
      .sort((x, y) => x.seq - y.seq)
      .map((u) => {
        const ub = u.body as BodyOf<'commitment.update'>;
        const answers = (m: Map<string, DialogueEntry[]>) => (m.get(u.hash) ?? []).filter((x) => x.body.commitment === e.hash && x.author !== b.owner).sort(byTimeHash);
        confirmEntries.set(u.hash, answers(confirms));
        return {
          hash: u.hash,
          seq: u.seq,
          time: u.time,
          status: ub.status,
          ...(ub.note !== undefined ? { note: ub.note } : {}),
          ...(ub.due !== undefined ? { due: ub.due } : {}),
          by: ub.by,
          confirmedBy: answers(confirms).map((x) => ({ party: x.author, hash: x.hash, time: x.time })),
          disputedBy: answers(disputes).map((x) => ({ party: x.author, hash: x.hash, time: x.time, reason: String(x.body.reason) })),
        };
      });
    const last = list[list.length - 1];
    const status: CommitmentStatus = last?.status ?? 'open';
    let due = b.due;
    for (const u of list) if (u.status === 'delayed' && u.due !== undefined) due = u.due;
    let verdict: CommitmentView['verdict'];
    if (last?.status === 'done') {
      const confirmed = new Set(last.confirmedBy.map((c) => c.party));
      if (last.disputedBy.length > 0) verdict = 'disputed';
      else if (parties.filter((p) => p !== b.owner).every((p) => confirmed.has(p)) || decidedThen(confirmEntries.get(last.hash) ?? [], new Set([b.owner]))) verdict = 'confirmed';
    }
    const overdue = at !== undefined && due < at && status !== 'done' && status !== 'withdrawn';
    return {
      hash: e.hash,
      author: e.author,
      time: e.time,
      owner: b.owner,
      what: b.what,
      lang: b.lang,
      due,
      originalDue: b.due,
      ...(b.source !== undefined ? { source: b.source } : {}),
      by: b.by,
      status,
      updates: list,
      ...(verdict !== undefined ? { verdict } : {}),
      overdue,
    };
  });
}
