/**
 * The period-bundle part of the offline verifier (docs/protocol.md §15.2, §15.3): the log set up
 * at the anchor checkpoint from the entries before it, the answers to that log's questions about
 * entries before the anchor, and the countersignatures of the anchor. verify.ts runs the bundle
 * verification itself and calls these for a bundle whose header names an anchor. Pure, as all of
 * protocol/.
 */
import { ChannelLog, coldEntryOf, isLastingKind, keyCheckError, referentOf, type ColdNeed } from './channel-log.js';
import { AnchorPool, anchorBounds } from './checkpoint.js';
import type { Entry, SealedEntry } from './entry.js';
import { protocolError, type ProtocolError } from './errors.js';
import { judgeKeyWithHeld, type KeyCheck, type KeyRegistry } from './identity.js';
import type { BodyOf, FormatDefinition, KeyRevocation, TerminalCertificate } from './schemas.js';
import type { ReportError, ReportPeriod } from './verify.js';

/** An entry of the bundle and the line it was read on (verify.ts's items are these and more). */
export interface PeriodItem {
  readonly s: SealedEntry;
  readonly line: number;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const err = (e: ProtocolError, at: { line?: number; author?: string; seq?: number } = {}): ReportError => ({ code: e.code, message: e.message, ...at });
const where = (x: PeriodItem) => ({ line: x.line, author: x.s.entry.author, seq: x.s.entry.seq });
const badSignature = (x: PeriodItem) => protocolError('ENTRY_BAD_SIGNATURE', { author: x.s.entry.author.slice(0, 8), seq: x.s.entry.seq });

/**
 * One author's keys before the anchor, as §3.2 judges them: the cards' certificates, and the
 * certificates and revocations of the author's `key.rotate` and `key.revoke` entries held so far
 * (this walks the author's places in `seq` order, so those are the ones at a lower `seq`). The
 * same judgement as ChannelLog's, made while the entries held are still being chosen.
 */
class AuthorKeys {
  readonly #certs: TerminalCertificate[] = [];
  readonly #revocations: KeyRevocation[] = [];
  constructor(
    readonly registry: KeyRegistry,
    readonly author: string,
  ) {}

  judge(e: Entry): KeyCheck {
    if (this.#certs.length === 0 && this.#revocations.length === 0) return this.registry.check(this.author, e.key, e.time);
    return judgeKeyWithHeld(this.registry, this.author, e.key, e.time, this.#certs, this.#revocations);
  }

  hold(e: Entry): void {
    if (e.kind === 'key.rotate') this.#certs.push((e.body as BodyOf<'key.rotate'>).cert);
    else if (e.kind === 'key.revoke') this.#revocations.push((e.body as BodyOf<'key.revoke'>).revocation);
  }
}

/** A period bundle's log, set up at its anchor (§15.2). */
export interface PeriodSetup<Item extends PeriodItem> {
  readonly log: ChannelLog;
  readonly checkpoint: Item;
  readonly pool: AnchorPool<Item>;
  /** The items before the anchor (the proposal aside). */
  readonly before: ReadonlySet<Item>;
  /** Items before the anchor whose signature fails, or second entries for a place: reported, and used for nothing (§15.3 step 2). */
  readonly aside: ReadonlySet<Item>;
}

/**
 * §15.2: finds the anchor checkpoint, sets the entries before it apart, rebuilds the log from
 * them (its lasting entries and each log's head at the anchor) and authenticates each of them.
 */
export function anchorLog<Item extends PeriodItem>(
  anchor: string,
  sealed: readonly Item[],
  proposalItem: Item,
  registry: KeyRegistry,
  formats: (hash: string) => FormatDefinition | undefined,
  signatureOk: (x: Item) => boolean,
  entryErrors: ReportError[],
): PeriodSetup<Item> | { error: ReportError } {
  const channel = proposalItem.s.hash;
  const missing = (why: string) => ({ error: err(protocolError('BUNDLE_ANCHOR_MISSING', { anchor: anchor.slice(0, 12), why })) });
  const checkpoint = sealed.find((x) => x.s.hash === anchor && x.s.entry.channel === channel);
  if (checkpoint === undefined || checkpoint.s.entry.kind !== 'checkpoint') return missing('the bundle holds no checkpoint entry of the channel with that hash');
  const bounds = anchorBounds(checkpoint.s.entry);
  const pool = new AnchorPool<Item>();
  const before = new Set<Item>();
  const aside = new Set<Item>();
  /** Places (author, seq) before the anchor where entries with a failing signature were found. */
  const forged = new Set<string>();
  pool.add(proposalItem);
  // An entry whose signature fails is reported and set aside first: it never takes a place, so a
  // forged copy cannot stand in for the signed one. The rest are grouped by place.
  const places = new Map<string, Map<number, Item[]>>();
  for (const x of sealed) {
    const e = x.s.entry;
    if (x === proposalItem || e.channel !== channel || e.seq > (bounds.get(e.author) ?? 0)) continue;
    if (!signatureOk(x)) {
      entryErrors.push(err(badSignature(x), where(x)));
      forged.add(`${e.author}#${e.seq}`);
      aside.add(x);
      continue;
    }
    const logOf = places.get(e.author) ?? new Map<number, Item[]>();
    places.set(e.author, logOf);
    logOf.set(e.seq, [...(logOf.get(e.seq) ?? []), x]);
  }
  // Each author's places in `seq` order, so that an entry's key is judged as §3.2 asks: by the cards
  // and the author's key entries held at lower `seq` (held just before). At each place the entries
  // whose key may sign them come first and the smallest hash of those is held (the proposal at the
  // proposer's seq 1 whatever the hashes); every other entry whose key may sign it is a second
  // entry for a held place (evidence of equivocation, used for nothing); one whose key may not is
  // a forgery, reported with its key code and set aside, so that nobody can frame a party with a
  // key of their own. Only when no entry for a place has a key that may sign it is the
  // smallest hash held (its key code is reported below, with the other entries' checks).
  for (const [author, logOf] of [...places].sort(([a], [b]) => cmp(a, b))) {
    const keys = new AuthorKeys(registry, author);
    for (const [, group] of [...logOf].sort(([a], [b]) => a - b)) {
      const judged = group.map((x) => ({ x, key: keys.judge(x.s.entry) })).sort((a, b) => Number(b.key.ok) - Number(a.key.ok) || cmp(a.x.s.hash, b.x.s.hash));
      const first = group[0]!.s.entry;
      const proposal = author === proposalItem.s.entry.author && first.seq === 1;
      for (const [i, { x, key }] of judged.entries()) {
        if (!proposal && i === 0) {
          pool.add(x);
          before.add(x);
          keys.hold(x.s.entry);
        } else if (key.ok) {
          pool.add(x); // a second entry for a held place: reported from pool.conflicts
          aside.add(x);
        } else {
          entryErrors.push(err(keyCheckError(x.s.entry, key), where(x)));
          aside.add(x);
        }
      }
    }
  }
  const tails: Array<{ author: string; entries: SealedEntry[] }> = [];
  for (const [author, bound] of bounds) {
    if (bound < 1) continue;
    const x = pool.at(author, bound);
    if (x === undefined)
      return missing(
        forged.has(`${author}#${bound}`)
          ? `its entry ${author.slice(0, 8)}#${bound}, the head of that log the checkpoint names, does not verify (ENTRY_BAD_SIGNATURE)`
          : `it holds no entry ${author.slice(0, 8)}#${bound}, the head of that log the checkpoint names`,
      );
    tails.push({ author, entries: [x.s] });
  }
  const lasting = [...before]
    .filter((x) => isLastingKind(x.s.entry.kind))
    .sort((a, b) => a.s.entry.time - b.s.entry.time || cmp(a.s.entry.author, b.s.entry.author) || a.s.entry.seq - b.s.entry.seq)
    .map((x) => x.s);
  const log = ChannelLog.restore(proposalItem.s, registry, formats, [proposalItem.s, ...lasting], tails);
  // Each entry before the anchor is authentic; that the lasting ones are all there and unaltered is
  // the checkpoint's to say (its commitment is checked when it is ingested, §15.1).
  for (const x of before) {
    const problem = log.authenticate(x.s, { signatureChecked: true });
    if (problem) entryErrors.push(err(problem, where(x)));
  }
  return { log, checkpoint, pool, before, aside };
}

/** Answers a log's question about an entry before a period bundle's anchor from the bundle (§15.2). */
export function answerCold(log: ChannelLog, need: ColdNeed, pool: AnchorPool<PeriodItem> | undefined): void {
  if (need.type === 'entry') {
    const x = pool?.at(need.author, need.seq);
    if (x) log.warmEntry(coldEntryOf(x.s));
    else log.warmNoEntry(need.author, need.seq);
    return;
  }
  const x = pool?.byHash(need.hash);
  log.warmReferent(need.hash, x ? (referentOf(x.s) ?? null) : null);
}

/** §15.2: every other party's first entry with the anchor checkpoint in its causal past. */
export function countersignatures(checkpoint: SealedEntry, byAuthor: ReadonlyMap<string, readonly SealedEntry[]>, log: ChannelLog, registry: KeyRegistry, accepted: readonly SealedEntry[]): { countersigned: ReportPeriod['countersigned']; errors: ReportError[] } {
  const c = checkpoint.entry;
  const countersigned: Array<ReportPeriod['countersigned'][number]> = [];
  const errors: ReportError[] = [];
  const judgeAt = accepted.reduce((m, s) => Math.max(m, s.entry.time), 0);
  for (const p of log.state(judgeAt).charter.parties) {
    if (p.party === c.author) continue;
    const mine = byAuthor.get(p.party) ?? [];
    const first = mine.find((s) => (s.entry.heads[c.author]?.seq ?? 0) >= c.seq);
    if (first) countersigned.push({ party: registry.label(p.party), at: first.entry.time, entry: first.hash });
    else errors.push(err(protocolError('BUNDLE_ANCHOR_NOT_COUNTERSIGNED', { anchor: checkpoint.hash.slice(0, 12), author: registry.label(c.author), party: registry.label(p.party) }), { author: p.party }));
  }
  return { countersigned, errors };
}
