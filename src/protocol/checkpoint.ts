/**
 * Checkpoints (docs/protocol.md §15): a version-2 entry that commits, by count and digest, to the
 * lasting entries of its causal past (the charter's, the keys' and the dialogue's: what later
 * entries may be judged by whatever their age). Every party that accepts a checkpoint has checked
 * the commitment against its own copy, so a checkpoint in the causal past of an entry of every
 * party is a state of the channel all of them signed: what a period bundle is anchored at.
 */
import { canonicalize, sha256Hex } from './encoding.js';
import { DOMAIN } from './keys.js';
import { sealedFromStored, type SealedEntry } from './entry.js';

/** One lasting entry's place, as a checkpoint commits to it. */
export interface LastingPlace {
  readonly author: string;
  readonly seq: number;
  readonly hash: string;
}

/**
 * The commitment of §15.1: the lasting entries ordered by author (code-unit order) then seq,
 * `lasting = SHA-256("hotline/2/checkpoint\0" || canonical JSON of the array of their hashes)`.
 */
export function lastingCommitment(places: readonly LastingPlace[]): { count: number; lasting: string } {
  const ordered = [...places].sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq));
  return { count: ordered.length, lasting: sha256Hex(DOMAIN.checkpoint, canonicalize(ordered.map((p) => p.hash))) };
}

/**
 * The anchor of a checkpoint (§15.2): for each author, the highest seq of its causal past (the
 * checkpoint's own author: the entry before it). Entries at or below are "before the anchor".
 */
export function anchorBounds(checkpoint: { readonly author: string; readonly seq: number; readonly heads: Readonly<Record<string, { readonly seq: number }>> }): Map<string, number> {
  const bounds = new Map<string, number>();
  for (const [author, head] of Object.entries(checkpoint.heads)) bounds.set(author, head.seq);
  bounds.set(checkpoint.author, checkpoint.seq - 1);
  return bounds;
}

/**
 * The checkpoints among stored entries' wire texts (a store's lasting entries, which hold them),
 * newest first. Canonical text names the kind as `"kind":"checkpoint"` only in the envelope (a
 * quote inside a string value is escaped), so only those lines are parsed.
 */
export function checkpointsAmong(raws: readonly string[]): SealedEntry[] {
  return raws
    .filter((r) => r.includes('"kind":"checkpoint"'))
    .map(sealedFromStored)
    .filter((s) => s.entry.kind === 'checkpoint')
    .sort((a, b) => b.entry.time - a.entry.time || b.entry.seq - a.entry.seq);
}

/** What a period bundle holds before its anchor (§15.2), found by place and by hash. */
export class AnchorPool<T extends { readonly s: { readonly hash: string; readonly entry: { readonly author: string; readonly seq: number } } }> {
  readonly #byPlace = new Map<string, T>();
  readonly #byHash = new Map<string, T>();
  /** Second entries for a place already held: evidence of equivocation. */
  readonly conflicts: Array<{ held: T; other: T }> = [];

  add(x: T): void {
    const key = `${x.s.entry.author} ${x.s.entry.seq}`;
    const held = this.#byPlace.get(key);
    if (held !== undefined) {
      if (held.s.hash !== x.s.hash) this.conflicts.push({ held, other: x });
      return;
    }
    this.#byPlace.set(key, x);
    this.#byHash.set(x.s.hash, x);
  }

  at(author: string, seq: number): T | undefined {
    return this.#byPlace.get(`${author} ${seq}`);
  }

  byHash(hash: string): T | undefined {
    return this.#byHash.get(hash);
  }
}

/** Where a period's entries are read from: a terminal's store, or a whole transcript in memory. */
export interface PeriodSource {
  /** Authors with at least one entry, and how many each has. */
  lengths(): Promise<ReadonlyMap<string, number>>;
  /** Every lasting entry (isLastingKind) of the channel, the proposal aside. */
  lasting(): Promise<readonly SealedEntry[]>;
  at(author: string, seq: number): Promise<SealedEntry | undefined>;
  /** `author`'s entries fromSeq..toSeq, in order. */
  range(author: string, fromSeq: number, toSeq: number): Promise<readonly SealedEntry[]>;
  /** The entry with this hash, if held (only messages and link tests are asked for). */
  byHash(hash: string): Promise<SealedEntry | undefined>;
}

/** The highest seq of `author` (1..length) with time <= t, or 0: author times never go back (§4.2). */
export async function seqAtTime(source: PeriodSource, author: string, length: number, t: number): Promise<number> {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const e = await source.at(author, mid);
    if (e !== undefined && e.entry.time <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** `party`'s first entry (after `from`) with the checkpoint in its causal past, or undefined: heads never go back (§7). */
export async function firstCountersignature(source: PeriodSource, checkpoint: SealedEntry, party: string, from: number, length: number): Promise<SealedEntry | undefined> {
  const c = checkpoint.entry;
  const covers = (e: SealedEntry | undefined) => e !== undefined && (e.entry.heads[c.author]?.seq ?? 0) >= c.seq;
  if (length <= from || !covers(await source.at(party, length))) return undefined;
  let lo = from + 1;
  let hi = length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (covers(await source.at(party, mid))) hi = mid;
    else lo = mid + 1;
  }
  return source.at(party, lo);
}

/**
 * The entries of a period bundle (§15.2) anchored at `checkpoint` and ending at `until` (every
 * entry dated up to it, extended to each other party's first countersignature of the checkpoint
 * and closed under causal past), with the entries before the anchor the bundle must carry: every
 * lasting one, each log's head at the anchor, and those the period's entries refer to. The
 * proposal is not among them. Ordered by author, then seq.
 */
export async function periodEntries(source: PeriodSource, checkpoint: SealedEntry, parties: readonly string[], until?: number): Promise<SealedEntry[]> {
  const bounds = anchorBounds(checkpoint.entry);
  const lengths = await source.lengths();
  const end = new Map<string, number>();
  for (const [author, length] of lengths) end.set(author, until === undefined ? length : await seqAtTime(source, author, length, until));
  const c = checkpoint.entry;
  end.set(c.author, Math.max(end.get(c.author) ?? 0, c.seq));
  for (const p of parties) {
    if (p === c.author) continue;
    const first = await firstCountersignature(source, checkpoint, p, bounds.get(p) ?? 0, lengths.get(p) ?? 0);
    if (first !== undefined) end.set(p, Math.max(end.get(p) ?? 0, first.entry.seq));
  }
  // Closed under causal past: heads are transitively closed (§7), so a few passes settle it.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [author, seq] of [...end]) {
      if (seq <= (bounds.get(author) ?? 0)) continue;
      const last = await source.at(author, seq);
      for (const [dep, head] of Object.entries(last?.entry.heads ?? {}))
        if (head.seq > (end.get(dep) ?? 0)) {
          end.set(dep, head.seq);
          changed = true;
        }
    }
  }
  const out = new Map<string, SealedEntry>();
  const add = (s: SealedEntry | undefined) => {
    if (s !== undefined && s.entry.channel !== null) out.set(s.hash, s);
  };
  const isBefore = (author: string, seq: number) => seq <= (bounds.get(author) ?? 0);
  for (const s of await source.lasting()) if (isBefore(s.entry.author, s.entry.seq)) add(s);
  for (const [author, bound] of bounds) if (bound >= 1) add(await source.at(author, bound));
  for (const [author, last] of end) {
    const first = (bounds.get(author) ?? 0) + 1;
    for (let from = first; from <= last; from += 1000) {
      for (const s of await source.range(author, from, Math.min(last, from + 999))) {
        add(s);
        for (const ref of referencesBefore(s, isBefore)) add(typeof ref === 'string' ? await source.byHash(ref) : await source.at(ref.author, ref.seq));
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.entry.author < b.entry.author ? -1 : a.entry.author > b.entry.author ? 1 : a.entry.seq - b.entry.seq));
}

/** What an entry refers to that may lie before the anchor: places by (author, seq), referents by hash. */
function referencesBefore(s: SealedEntry, isBefore: (author: string, seq: number) => boolean): Array<string | { author: string; seq: number }> {
  const out: Array<string | { author: string; seq: number }> = [];
  const e = s.entry;
  for (const [author, head] of Object.entries(e.heads)) if (isBefore(author, head.seq)) out.push({ author, seq: head.seq });
  const body = e.body as { message?: unknown; replyTo?: unknown; test?: unknown; holds?: unknown };
  if (e.kind === 'ack' && typeof body.message === 'string') out.push(body.message);
  if (e.kind === 'message' && typeof body.replyTo === 'string') out.push(body.replyTo);
  if (e.kind === 'link.echo' && typeof body.test === 'string') out.push(body.test);
  if (e.kind === 'receipt' && Array.isArray(body.holds))
    for (const h of body.holds as Array<{ author: string; seq: number }>) if (isBefore(h.author, h.seq)) out.push({ author: h.author, seq: h.seq });
  return out;
}

/** A PeriodSource over entries in memory (a whole transcript): for tests, vectors and tools. */
export function periodSourceOf(entries: readonly SealedEntry[], isLasting: (kind: string) => boolean): PeriodSource {
  const byAuthor = new Map<string, SealedEntry[]>();
  const byHash = new Map<string, SealedEntry>();
  for (const s of [...entries].sort((a, b) => a.entry.seq - b.entry.seq)) {
    const list = byAuthor.get(s.entry.author) ?? [];
    list.push(s);
    byAuthor.set(s.entry.author, list);
    byHash.set(s.hash, s);
  }
  const at = (author: string, seq: number) => byAuthor.get(author)?.[seq - 1];
  return {
    lengths: async () => new Map([...byAuthor].map(([a, l]) => [a, l.length])),
    lasting: async () => [...byHash.values()].filter((s) => s.entry.channel !== null && isLasting(s.entry.kind)),
    at: async (author, seq) => at(author, seq),
    range: async (author, from, to) => (byAuthor.get(author) ?? []).slice(from - 1, to),
    byHash: async (hash) => byHash.get(hash),
  };
}
