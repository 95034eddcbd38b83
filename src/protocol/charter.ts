/**
 * The charter state machine (docs/protocol.md §5). A channel's state is a pure function of the
 * SET of control entries (charter.*, channel.*) in view, so every party that holds the same
 * entries derives the same state, whatever order they arrived in.
 *
 *   proposed --all parties accept the same charter hash--> active <--suspend/resume--> suspended
 *   proposed --decline--> declined     proposed --withdraw (proposer)--> withdrawn
 *   proposed --time passes "expires"--> expired          active|suspended --close--> closed
 */
import { canonicalBytes, sha256Hex } from './encoding.js';
import { protocolError, type ProtocolError } from './errors.js';
import { DOMAIN, publicKeyProblem } from './keys.js';
import { DIALOGUE_KINDS, KINDS, validateCharter, type Charter, type EntryKind, type Role } from './schemas.js';

export const CHANNEL_STATES = ['proposed', 'active', 'suspended', 'declined', 'withdrawn', 'expired', 'closed'] as const;
/** Where a channel stands. */
export type ChannelState = (typeof CHANNEL_STATES)[number];

/** Kinds that change the charter state: the only entries deriveState looks at. */
export const CONTROL_KINDS: ReadonlySet<EntryKind> = new Set<EntryKind>(KINDS.filter((k) => k.startsWith('charter.') || k.startsWith('channel.')));

/** The part of a control entry the state machine reads. */
export interface ControlEntry {
  readonly author: string;
  readonly seq: number;
  readonly time: number;
  readonly hash: string;
  readonly kind: EntryKind;
  readonly body: Readonly<Record<string, unknown>>;
  /** The entry's heads (§7): which amendments are in its causal past, for their order (§5.3). */
  readonly heads?: Readonly<Record<string, { readonly seq: number }>>;
}

/** Hash of a charter: SHA-256("hotline/1/charter\0" || canonical JSON), hex. Accepts name it. */
export function charterHash(charter: Charter): string {
  // deriveState runs for every entry written; a frozen (signed) charter never changes, so its hash is kept.
  const known = Object.isFrozen(charter) ? charterHashes.get(charter) : undefined;
  if (known !== undefined) return known;
  const hash = sha256Hex(DOMAIN.charter, canonicalBytes(charter));
  if (Object.isFrozen(charter)) charterHashes.set(charter, hash);
  return hash;
}

const charterHashes = new WeakMap<Charter, string>();

/** Checks a charter beyond its schema: distinct parties and codes, proposer listed, titles. */
export function checkCharter(charter: unknown, proposer?: string): ProtocolError | undefined {
  const problem = validateCharter.firstError(charter);
  if (problem) return protocolError('CHARTER_INVALID', { detail: problem });
  const c = charter as Charter;
  // A party id is its root key (§3.1): one no signature can verify under (small-order) or a second
  // spelling of a key could never accept, so a charter naming it would wait for it for ever.
  for (const p of c.parties) {
    const why = publicKeyProblem(p.party);
    if (why) return protocolError('CHARTER_INVALID', { detail: `the party ${p.code} is not an acceptable Ed25519 public key (${why})` });
  }
  const keys = new Set(c.parties.map((p) => p.party));
  if (keys.size !== c.parties.length) return protocolError('CHARTER_INVALID', { detail: 'a party is listed twice' });
  const codes = new Set(c.parties.map((p) => p.code));
  if (codes.size !== c.parties.length) return protocolError('CHARTER_INVALID', { detail: 'two parties share a code' });
  if (proposer !== undefined && !keys.has(proposer))
    return protocolError('CHARTER_INVALID', { detail: 'the proposing party is not among the parties' });
  for (const lang of c.languages)
    if (!c.title[lang]) return protocolError('CHARTER_INVALID', { detail: `the title has no "${lang}" version` });
  if (c.formats) {
    const seen = new Set<string>();
    for (const f of c.formats) {
      if (seen.has(`${f.id} ${f.version}`)) return protocolError('CHARTER_INVALID', { detail: `the format ${f.id} v${f.version} is listed twice` });
      seen.add(`${f.id} ${f.version}`);
    }
  }
  const d = c.ackDeadlineSec;
  if (!(d.FLASH <= d.IMMEDIATE && d.IMMEDIATE <= d.PRIORITY && d.PRIORITY <= d.ROUTINE))
    return protocolError('CHARTER_INVALID', {
      detail: 'acknowledgement deadlines must not grow shorter as precedence falls (FLASH <= IMMEDIATE <= PRIORITY <= ROUTINE)',
    });
  return undefined;
}

/** An amendment in view with who has answered it. */
export interface AmendmentView {
  readonly hash: string;
  readonly charter: Charter;
  /** The charter then in force (§5.3), which this one would replace: what its changes are against. */
  readonly previous: Charter;
  /** The reason its `charter.amend` gave. */
  readonly reason: string;
  readonly proposer: string;
  /** The seq of its `charter.amend` entry in the proposer's log. */
  readonly seq: number;
  readonly time: number;
  readonly accepted: ReadonlySet<string>;
  /** Everyone whose acceptance it needs: the parties of the charter then in force and of the amended one. */
  readonly needed: ReadonlySet<string>;
  readonly status: 'pending' | 'adopted' | 'declined' | 'withdrawn';
}

/** The state derived from a set of control entries. */
export interface DerivedState {
  readonly state: ChannelState;
  readonly proposer: string;
  /** The charter in force (the original, or the latest adopted amendment). */
  readonly charter: Charter;
  readonly charterHash: string;
  /** The original proposal's charter hash. */
  readonly proposalHash: string;
  /** Parties that accepted the original proposal. */
  readonly accepted: ReadonlySet<string>;
  /** Parties that answered the original proposal (accept or decline). */
  readonly answered: ReadonlySet<string>;
  /** Parties holding a suspension, with the suspending entry. */
  readonly suspendedBy: ReadonlyMap<string, ControlEntry>;
  readonly amendments: readonly AmendmentView[];
  readonly closedBy?: ControlEntry;
  readonly declinedBy?: ControlEntry;
  readonly withdrawnBy?: ControlEntry;
}

/** Everyone who may write to the channel: parties of the charter in force and of pending amendments. */
export function writers(d: DerivedState): Set<string> {
  const set = new Set(d.charter.parties.map((p) => p.party));
  for (const a of d.amendments) if (a.status === 'pending') for (const p of a.charter.parties) set.add(p.party);
  return set;
}

/** Whether `party` is one of {@link writers}, without building the set (the charter in force checked first). */
export function isWriter(d: DerivedState, party: string): boolean {
  return d.charter.parties.some((p) => p.party === party) || d.amendments.some((a) => a.status === 'pending' && a.charter.parties.some((p) => p.party === party));
}

/** Roles a party may use under the charter in force. */
export function rolesOf(d: DerivedState, party: string): readonly Role[] {
  return d.charter.parties.find((p) => p.party === party)?.roles ?? [];
}

/**
 * Derives the channel state from the proposal and a set of control entries (order irrelevant).
 * `at` is the time at which to judge expiry (the entry's own time when validating an entry,
 * the reader's clock when displaying).
 */
export function deriveState(proposal: ControlEntry, controls: Iterable<ControlEntry>, at: number): DerivedState {
  const original = (proposal.body as { charter: Charter }).charter;
  const proposalHash = charterHash(original);
  const all = [...controls].filter((c) => c.kind !== 'charter.propose');
  const accepted = new Set<string>([proposal.author]);
  const answered = new Set<string>([proposal.author]);
  let declinedBy: ControlEntry | undefined;
  let withdrawnBy: ControlEntry | undefined;
  let closedBy: ControlEntry | undefined;
  const amendEntries = all.filter((c) => c.kind === 'charter.amend');
  // An amendment is named by its charter's hash; one whose charter is the proposal's or an earlier
  // amendment's is refused (§5.3), so two entries share a hash only if written concurrently: they
  // are then one amendment, the earlier entry its own, and each of their proposers accepts it.
  const amendHashes = new Map<string, ControlEntry>();
  const amendAccepts = new Map<string, Set<string>>();
  for (const a of amendEntries) {
    const h = charterHash((a.body as { charter: Charter }).charter);
    if (h === proposalHash) continue;
    const held = amendHashes.get(h);
    if (!held || earlier(a, held)) amendHashes.set(h, a);
    const acc = amendAccepts.get(h) ?? new Set<string>();
    acc.add(a.author);
    amendAccepts.set(h, acc);
  }
  const amendDeclined = new Set<string>();
  const amendWithdrawn = new Set<string>();
  const lastSuspension = new Map<string, ControlEntry>();

  for (const c of all) {
    const target = (c.body as { charter?: string }).charter;
    switch (c.kind) {
      case 'charter.accept':
        if (target === proposalHash) {
          accepted.add(c.author);
          answered.add(c.author);
        } else if (typeof target === 'string') amendAccepts.get(target)?.add(c.author);
        break;
      case 'charter.decline':
        if (target === proposalHash) {
          answered.add(c.author);
          if (!declinedBy || earlier(c, declinedBy)) declinedBy = c;
        } else if (typeof target === 'string') amendDeclined.add(target);
        break;
      case 'charter.withdraw':
        if (target === proposalHash && c.author === proposal.author) {
          if (!withdrawnBy || earlier(c, withdrawnBy)) withdrawnBy = c;
        } else if (typeof target === 'string' && amendHashes.get(target)?.author === c.author) amendWithdrawn.add(target);
        break;
      case 'channel.suspend':
      case 'channel.resume': {
        const prior = lastSuspension.get(c.author);
        if (!prior || prior.seq < c.seq) lastSuspension.set(c.author, c);
        break;
      }
      case 'channel.close':
        if (!closedBy || earlier(c, closedBy)) closedBy = c;
        break;
      default:
        break;
    }
  }

  const opened = original.parties.every((p) => accepted.has(p.party));
  // Amendments, oldest first; each is adopted once every party of the charter in force and of
  // the amended charter has accepted it. The last adopted one is in force (§5.3).
  let charter = original;
  let hash = proposalHash;
  const amendments: AmendmentView[] = [];
  const ordered = amendmentOrder(amendHashes);
  for (const [h, a] of ordered) {
    const next = (a.body as { charter: Charter }).charter;
    const acc = amendAccepts.get(h)!;
    const needed = new Set([...charter.parties, ...next.parties].map((p) => p.party));
    // The proposer's withdrawal wins over an acceptance written concurrently (docs/protocol.md
    // §5.3): no party's late acceptance (one written offline, before the withdrawal reached it)
    // binds the proposer to terms it withdrew, nor re-bases the amendments adopted since.
    let status: AmendmentView['status'];
    if (amendWithdrawn.has(h)) status = 'withdrawn';
    else if (amendDeclined.has(h)) status = 'declined';
    else if (opened && [...needed].every((p) => acc.has(p))) status = 'adopted';
    else status = 'pending';
    const previous = charter;
    if (status === 'adopted') {
      charter = next;
      hash = h;
    }
    amendments.push(Object.freeze({ hash: h, charter: next, previous, reason: String((a.body as { reason?: unknown }).reason ?? ''), proposer: a.author, seq: a.seq, time: a.time, accepted: acc, needed, status }));
  }

  // A suspension counts while its author is a party of the charter in force: one held by a party
  // an adopted amendment removed lapses (that party may write nothing more, so could never lift it).
  const suspendedBy = new Map<string, ControlEntry>();
  for (const [party, c] of lastSuspension) if (c.kind === 'channel.suspend' && charter.parties.some((p) => p.party === party)) suspendedBy.set(party, c);

  let state: ChannelState;
  if (closedBy) state = 'closed';
  else if (opened) state = suspendedBy.size > 0 ? 'suspended' : 'active';
  else if (withdrawnBy) state = 'withdrawn';
  else if (declinedBy) state = 'declined';
  else if (original.expires !== undefined && at > original.expires) state = 'expired';
  else state = 'proposed';

  return Object.freeze({
    state,
    proposer: proposal.author,
    charter,
    charterHash: hash,
    proposalHash,
    accepted,
    answered,
    suspendedBy,
    amendments,
    closedBy,
    declinedBy,
    withdrawnBy,
  });
}

/**
 * The order amendments are walked in (§5.3): causal, then by time. Repeatedly, of the amendments
 * not yet taken, those with no other amendment not yet taken in their causal past are ready, and
 * the one of them with the least `time`, then the least charter hash, is taken. So an amendment
 * comes after every amendment in its causal past whatever the clocks said (a party whose clock is
 * behind amends after an earlier amendment with an earlier time), and concurrent amendments are
 * ordered by time. An entry without heads (ControlEntry built without them) is ordered by time alone.
 */
function amendmentOrder(byHash: ReadonlyMap<string, ControlEntry>): Array<[string, ControlEntry]> {
  const all = [...byHash].sort(([ha, a], [hb, b]) => a.time - b.time || (ha < hb ? -1 : 1));
  // x is in y's causal past: y follows x in x's author's log, or y's heads name x's place or later.
  const inPast = (x: ControlEntry, y: ControlEntry) => (x.author === y.author ? x.seq < y.seq : (y.heads?.[x.author]?.seq ?? 0) >= x.seq);
  const waiting = all.map(([, y]) => all.filter(([, x]) => x !== y && inPast(x, y)).length);
  const taken = new Array<boolean>(all.length).fill(false);
  const out: Array<[string, ControlEntry]> = [];
  while (out.length < all.length) {
    // `all` is in time order: the first ready one is the least by time, then hash. Causal pasts
    // never form a cycle; should entries claim one, the first not taken breaks it.
    let i = all.findIndex((_, k) => !taken[k] && waiting[k] === 0);
    if (i < 0) i = taken.indexOf(false);
    taken[i] = true;
    out.push(all[i]!);
    for (let k = 0; k < all.length; k++) if (!taken[k] && inPast(all[i]![1], all[k]![1])) waiting[k]!--;
  }
  return out;
}

function earlier(a: ControlEntry, b: ControlEntry): boolean {
  return a.time < b.time || (a.time === b.time && a.hash < b.hash);
}

/** Kinds allowed in each state, before the finer rules of ChannelLog (docs/protocol.md §6 table). */
export const KINDS_BY_STATE: Readonly<Record<ChannelState, ReadonlySet<EntryKind>>> = {
  proposed: new Set(['charter.accept', 'charter.decline', 'charter.withdraw', 'receipt', 'key.rotate', 'key.revoke']),
  active: new Set([
    'charter.accept',
    'charter.decline',
    'charter.withdraw',
    'charter.amend',
    'channel.suspend',
    'channel.close',
    'message',
    'receipt',
    'ack',
    'link.test',
    'link.echo',
    'link.summary',
    'link.state',
    'checkpoint',
    'key.rotate',
    'key.revoke',
    ...(KINDS.filter((k) => DIALOGUE_KINDS.has(k))),
  ]),
  suspended: new Set([
    'charter.accept',
    'charter.decline',
    'charter.withdraw',
    'channel.suspend',
    'channel.resume',
    'channel.close',
    'receipt',
    'ack',
    'link.test',
    'link.echo',
    'link.summary',
    'link.state',
    'checkpoint',
    'key.rotate',
    'key.revoke',
  ]),
  declined: new Set(['receipt', 'key.rotate', 'key.revoke']),
  withdrawn: new Set(['receipt', 'key.rotate', 'key.revoke']),
  expired: new Set(['receipt', 'key.rotate', 'key.revoke']),
  closed: new Set(['receipt', 'checkpoint', 'key.rotate', 'key.revoke']),
};
