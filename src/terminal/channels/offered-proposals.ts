/**
 * Channels offered to this terminal whose proposal does not name this party. A party may join a
 * channel later by amendment (docs/protocol.md §5.3), and the channel then reaches its terminal
 * from its proposal on, possibly before the amendment that names it. The receiver holds such a
 * proposal here, in memory and not stored, until an authentic `charter.amend` of that channel naming
 * this party arrives (before or after it; docs/protocol.md §12, "A channel joined by amendment").
 *
 * Bounded: at most {@link MAX_OFFERED_PER_PARTY} channels per proposing party, the oldest dropped
 * first (its senders send it again after their next reconnection), so a paired peer sending
 * channel after channel that names others cannot fill the memory.
 */
import type { BodyOf, ChannelLog, SealedEntry } from '../../protocol/index.js';

/** Channels one party may have sent here whose proposal does not name this party. */
export const MAX_OFFERED_PER_PARTY = 16;

/** An offered channel: its log, founded from the proposal (checked), and the proposal itself. */
export interface OfferedChannel {
  readonly log: ChannelLog;
  readonly sealed: SealedEntry;
}

export class OfferedProposals {
  readonly #self: string;
  /** By channel id, oldest first (a Map keeps insertion order). */
  readonly #offered = new Map<string, OfferedChannel>();

  /** `self`: this terminal's party key. */
  constructor(self: string) {
    this.#self = self;
  }

  /** Whether `charter` (a proposal's or an amendment's) names this party. */
  names(charter: { readonly parties: ReadonlyArray<{ readonly party: string }> }): boolean {
    return charter.parties.some((p) => p.party === this.#self);
  }

  /** Whether `sealed` is an amendment whose charter names this party. */
  amendmentNamesSelf(sealed: SealedEntry): boolean {
    return sealed.entry.kind === 'charter.amend' && this.names((sealed.entry.body as BodyOf<'charter.amend'>).charter);
  }

  has(channel: string): boolean {
    return this.#offered.has(channel);
  }

  /** Holds an offered channel (once; a resent proposal changes nothing), within its proposer's share. */
  hold(offered: OfferedChannel): void {
    const id = offered.log.id;
    if (this.#offered.has(id)) return;
    const author = offered.sealed.entry.author;
    const theirs = [...this.#offered].filter(([, o]) => o.sealed.entry.author === author);
    if (theirs.length >= MAX_OFFERED_PER_PARTY) this.#offered.delete(theirs[0]![0]);
    this.#offered.set(id, offered);
  }

  /** Takes an offered channel out (it is this party's now), if held. */
  take(channel: string): OfferedChannel | undefined {
    const offered = this.#offered.get(channel);
    this.#offered.delete(channel);
    return offered;
  }
}
