/**
 * The rules of the dialogue kinds (docs/protocol.md §6.1), judged against an entry's CAUSAL PAST
 * as every other rule is (§7): a ChannelLog keeps one DialogueIndex of the dialogue entries it
 * holds and asks it about each new one. Pure and synchronous.
 */
import { decidedThen, dialogueRules, type DialogueEntry } from './dialogue.js';
import { protocolError, type ProtocolError } from './errors.js';
import type { BodyOf, Charter, DialogueKind, OfficerRef, Role } from './schemas.js';

/** Is `author`'s entry `seq` in the causal past of the entry being judged? */
export type InPast = (author: string, seq: number) => boolean;

/** What the charter in force says, for the entry being judged. */
export interface DialogueContext {
  readonly charter: Charter;
  /** Roles the charter in force gives the entry's author. */
  readonly roles: readonly Role[];
}

const short = (s: string) => s.slice(0, 8);
const hash12 = (s: string) => s.slice(0, 12);
const FIELD_OF: Partial<Record<DialogueKind, string>> = {
  'issue.position': 'issue',
  'meeting.accept': 'meeting',
  'meeting.decline': 'meeting',
  'meeting.reschedule': 'meeting',
  'readout.file': 'meeting',
  'text.amend': 'draft',
  'text.endorse': 'draft',
  'commitment.update': 'commitment',
  'commitment.confirm': 'commitment',
  'commitment.dispute': 'commitment',
};

/** The dialogue entries a log holds, by hash and by the object they refer to. */
export class DialogueIndex {
  readonly #byHash = new Map<string, DialogueEntry>();
  readonly #children = new Map<string, DialogueEntry[]>();
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** Every dialogue entry held (for deriveDialogue). */
  entries(): IterableIterator<DialogueEntry> {
    return this.#byHash.values();
  }

  /** Records an accepted dialogue entry. */
  add(e: DialogueEntry): void {
    if (this.#byHash.has(e.hash)) return;
    this.#byHash.set(e.hash, e);
    this.#count++;
    const field = FIELD_OF[e.kind];
    if (field === undefined) return;
    const target = String(e.body[field]);
    const list = this.#children.get(target);
    if (list) list.push(e);
    else this.#children.set(target, [e]);
  }

  /** The entries of `kind` referring to `target`, within the causal past. */
  #past(target: string, kinds: readonly DialogueKind[], inPast: InPast): DialogueEntry[] {
    return (this.#children.get(target) ?? []).filter((c) => kinds.includes(c.kind) && inPast(c.author, c.seq));
  }

  /** The held entry `hash` of `kind`, when it is in the causal past. */
  #known(hash: string | undefined, kinds: readonly DialogueKind[], inPast: InPast): DialogueEntry | undefined {
    if (hash === undefined) return undefined;
    const e = this.#byHash.get(hash);
    return e && kinds.includes(e.kind) && inPast(e.author, e.seq) ? e : undefined;
  }

  /** Judges a new dialogue entry against its causal past; undefined when it may be accepted. */
  check(e: DialogueEntry, inPast: InPast, ctx: DialogueContext): ProtocolError | undefined {
    const d = { author: short(e.author), seq: e.seq };
    const rules = dialogueRules(ctx.charter);
    const parties = ctx.charter.parties.map((p) => p.party);
    const by = e.body.by as OfficerRef;
    if (!ctx.roles.includes(by.role)) return protocolError('ENTRY_ROLE_NOT_ALLOWED', { ...d, role: by.role, allowed: ctx.roles.join(', ') });
    const needRole = (allowed: readonly Role[]) =>
      allowed.includes(by.role) ? undefined : protocolError('ENTRY_ROLE_NOT_ALLOWED', { ...d, role: by.role, allowed: allowed.filter((r) => ctx.roles.includes(r)).join(', ') || 'none for this party' });
    const invalid = (detail: string) => protocolError('DIALOGUE_INVALID', { ...d, kind: e.kind, detail });
    const badRef = (what: string, h: string) => protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `${what} ${hash12(h)}`, why: `is not ${what === 'issue' ? 'an' : 'a'} ${what} this author holds` });
    const wrongParty = (why: string) => protocolError('DIALOGUE_WRONG_PARTY', { ...d, kind: e.kind, why });
    switch (e.kind) {
      case 'issue.open': {
        const b = e.body as BodyOf<'issue.open'>;
        if (!rules.categories.includes(b.category)) return invalid(`category "${b.category}" is neither a standard one nor one the charter adds (this channel's: ${rules.categories.join(', ')})`);
        return undefined;
      }
      case 'issue.position': {
        const b = e.body as BodyOf<'issue.position'>;
        if (b.party !== e.author) return wrongParty(`states a position for ${short(b.party)}, not for its author`);
        if (!this.#known(b.issue, ['issue.open'], inPast)) return badRef('issue', b.issue);
        return needRole(rules.positions);
      }
      case 'meeting.propose': {
        const b = e.body as BodyOf<'meeting.propose'>;
        if (b.end <= b.start) return invalid('the meeting ends before it starts');
        for (const p of b.participants) if (!parties.includes(p.party)) return invalid(`participant ${p.name} belongs to ${short(p.party)}, not a party of the charter`);
        for (const z of Object.keys(b.zones ?? {})) if (!parties.includes(z)) return invalid(`a time zone is given for ${short(z)}, not a party of the charter`);
        for (const i of b.agenda) if (!this.#known(i, ['issue.open'], inPast)) return badRef('issue', i);
        return undefined;
      }
      case 'meeting.reschedule': {
        const b = e.body as BodyOf<'meeting.reschedule'>;
        if (!this.#known(b.meeting, ['meeting.propose'], inPast)) return badRef('meeting', b.meeting);
        if (b.end <= b.start) return invalid('the meeting ends before it starts');
        return undefined;
      }
      case 'meeting.accept':
      case 'meeting.decline': {
        const b = e.body as BodyOf<'meeting.accept'>;
        const meeting = this.#known(b.meeting, ['meeting.propose'], inPast);
        if (!meeting) return badRef('meeting', b.meeting);
        const current = this.#schedule(meeting, inPast);
        if (b.schedule !== current.hash) {
          const named = b.schedule === meeting.hash || this.#known(b.schedule, ['meeting.reschedule'], inPast)?.body.meeting === meeting.hash;
          if (!named) return badRef('schedule', b.schedule);
          return protocolError('DIALOGUE_SUPERSEDED', { ...d, what: 'the schedule', ref: hash12(b.schedule), newer: `schedule ${hash12(current.hash)}` });
        }
        if (current.author === e.author) return invalid('a party answers the schedules of others; its own counts as accepted');
        const answered = this.#past(meeting.hash, ['meeting.accept', 'meeting.decline'], inPast).some((a) => a.author === e.author && a.body.schedule === current.hash);
        if (answered) return invalid('this party has already answered this schedule');
        return undefined;
      }
      case 'readout.file': {
        const b = e.body as BodyOf<'readout.file'>;
        const meeting = this.#known(b.meeting, ['meeting.propose'], inPast);
        if (!meeting) return badRef('meeting', b.meeting);
        const current = this.#schedule(meeting, inPast);
        const answers = this.#past(meeting.hash, ['meeting.accept', 'meeting.decline'], inPast).filter((a) => a.body.schedule === current.hash);
        const accepted = new Set([current.author, ...answers.filter((a) => a.kind === 'meeting.accept').map((a) => a.author)]);
        const missing = parties.filter((p) => !accepted.has(p));
        const m = { ...d, meeting: hash12(meeting.hash) };
        if (answers.some((a) => a.kind === 'meeting.decline')) return protocolError('DIALOGUE_MEETING_NOT_HELD', { ...m, why: 'was declined' });
        // Accepted by every party of the charter in force, or by every party of the charter in
        // force when it was accepted (a party added since need not accept it again, §6.1).
        const acceptedThen = missing.length > 0 && decidedThen(answers.filter((a) => a.kind === 'meeting.accept'), new Set([current.author]));
        if (missing.length > 0 && !acceptedThen) return protocolError('DIALOGUE_MEETING_NOT_HELD', { ...m, why: `was not accepted by ${missing.map(short).join(', ')}` });
        if (e.time < current.start) return protocolError('DIALOGUE_MEETING_NOT_HELD', { ...m, why: `starts at ${new Date(current.start).toISOString()}, after the readout` });
        return undefined;
      }
      case 'text.draft': {
        const b = e.body as BodyOf<'text.draft'>;
        if (b.source !== undefined && !this.#known(b.source, ['issue.open', 'meeting.propose'], inPast)) return badRef('issue or meeting', b.source);
        return undefined;
      }
      case 'text.amend':
      case 'text.endorse': {
        const b = e.body as { draft: string; base?: string; version?: string };
        const draft = this.#known(b.draft, ['text.draft'], inPast);
        if (!draft) return badRef('joint text', b.draft);
        const named = (e.kind === 'text.amend' ? b.base : b.version)!;
        const versions = [draft, ...this.#past(draft.hash, ['text.amend'], inPast)];
        if (!versions.some((v) => v.hash === named)) return protocolError('DIALOGUE_UNKNOWN_VERSION', { ...d, version: hash12(named), draft: hash12(draft.hash) });
        const newer = versions.find((v) => v.kind === 'text.amend' && v.body.base === named);
        if (newer) return protocolError('DIALOGUE_SUPERSEDED', { ...d, what: 'version', ref: hash12(named), newer: `version ${hash12(newer.hash)}` });
        if (e.kind === 'text.endorse') {
          if (this.#past(draft.hash, ['text.endorse'], inPast).some((x) => x.author === e.author && x.body.version === named)) return invalid('this party has already endorsed this version');
          return needRole(rules.endorse);
        }
        return undefined;
      }
      case 'commitment.add': {
        const b = e.body as BodyOf<'commitment.add'>;
        if (!parties.includes(b.owner)) return invalid(`the owing party ${short(b.owner)} is not a party of the charter`);
        if (b.source !== undefined && !this.#known(b.source, ['issue.open', 'meeting.propose', 'text.draft'], inPast)) return badRef('issue, meeting or joint text', b.source);
        return needRole(rules.commitments);
      }
      case 'commitment.update': {
        const b = e.body as BodyOf<'commitment.update'>;
        const c = this.#known(b.commitment, ['commitment.add'], inPast);
        if (!c) return badRef('commitment', b.commitment);
        const owner = (c.body as BodyOf<'commitment.add'>).owner;
        if (owner !== e.author) return wrongParty(`updates a commitment owed by ${short(owner)}`);
        if (b.status === 'done' && b.note === undefined) return invalid('"done" needs its evidence in "note"');
        if (b.status === 'delayed' && b.due === undefined) return invalid('"delayed" needs the new date in "due"');
        if (b.status === 'withdrawn' && b.note === undefined) return invalid('"withdrawn" needs its reason in "note"');
        if (b.status !== 'delayed' && b.due !== undefined) return invalid('only "delayed" sets a new "due" date');
        return needRole(rules.commitments);
      }
      case 'commitment.confirm':
      case 'commitment.dispute': {
        const b = e.body as BodyOf<'commitment.confirm'>;
        const c = this.#known(b.commitment, ['commitment.add'], inPast);
        if (!c) return badRef('commitment', b.commitment);
        const owner = (c.body as BodyOf<'commitment.add'>).owner;
        const action = e.kind === 'commitment.confirm' ? 'confirms' : 'disputes';
        if (owner === e.author) return wrongParty(`${action} a commitment its own party owes`);
        const updates = this.#past(c.hash, ['commitment.update'], inPast).filter((u) => u.author === owner).sort((x, y) => x.seq - y.seq);
        const last = updates[updates.length - 1];
        const n = { ...d, action, commitment: hash12(c.hash) };
        if (!last || last.body.status !== 'done') return protocolError('DIALOGUE_NOT_DONE', { ...n, why: last ? `last marked it ${String(last.body.status)}` : 'has not marked it done' });
        if (b.update !== last.hash) {
          if (updates.some((u) => u.hash === b.update)) return protocolError('DIALOGUE_SUPERSEDED', { ...d, what: 'update', ref: hash12(b.update), newer: `update ${hash12(last.hash)}` });
          return badRef('update', b.update);
        }
        if (this.#past(c.hash, ['commitment.confirm', 'commitment.dispute'], inPast).some((x) => x.author === e.author && x.body.update === last.hash)) return invalid('this party has already answered this update');
        return needRole(rules.commitments);
      }
      default:
        return undefined;
    }
  }

  /** A meeting's schedule in force within the causal past: the latest of its proposal and reschedules. */
  #schedule(meeting: DialogueEntry, inPast: InPast): { hash: string; author: string; start: number } {
    let best = { hash: meeting.hash, author: meeting.author, start: (meeting.body as BodyOf<'meeting.propose'>).start, time: meeting.time };
    for (const r of this.#past(meeting.hash, ['meeting.reschedule'], inPast))
      if (r.time > best.time || (r.time === best.time && r.hash > best.hash)) best = { hash: r.hash, author: r.author, start: (r.body as BodyOf<'meeting.reschedule'>).start, time: r.time };
    return best;
  }
}
