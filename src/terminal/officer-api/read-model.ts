/**
 * What the officer API reads from the store: the ONE place in officer-api/ that touches the
 * Store. Routes ask it, and presenters.ts shapes the answer; writes go through the channel
 * ports (ChannelActions), never through here.
 */
import type { KeyRevocation, PartyCard } from '../../protocol/index.js';
import type { EscalationStepRow, EvidenceRow, LinkSampleRow, ListEscalationsOptions, ListMessagesOptions, ListUnackedOptions, IdempotentAnswer, LogPosition, SearchMessagesOptions, MessageRow, PeerRow, ReceiptTime, Store, StoredEntry } from '../../store/index.js';

/** The entry kinds that change a charter or a channel's state. */
const STATE_KINDS = ['charter.propose', 'charter.accept', 'charter.decline', 'charter.withdraw', 'charter.amend', 'channel.suspend', 'channel.resume', 'channel.close'];

/** Queries of the officer API over one terminal's store. */
export class OfficerReadModel {
  readonly #store: Store;
  readonly #self: string;

  /** `self` is this terminal's party: counts and lists "awaiting acknowledgement here" exclude its own messages. */
  constructor(store: Store, self: string) {
    this.#store = store;
    this.#self = self;
  }

  /** Throws when the database does not answer (readiness probe). */
  async probe(): Promise<void> {
    await this.#store.getMeta('ready-probe');
  }

  /** The answer recorded for an idempotency key (officer-api/idempotency.ts). */
  idempotent(key: string): Promise<IdempotentAnswer | undefined> {
    return this.#store.getIdempotent(key);
  }

  /** Known peers. */
  peers(): Promise<PeerRow[]> {
    return this.#store.listPeers();
  }

  /** The cards of the known peers. */
  async peerCards(): Promise<PartyCard[]> {
    return (await this.#store.listPeers()).map((p) => JSON.parse(p.card) as PartyCard);
  }

  /** Messages of a channel with receipt and acknowledgement, oldest first. */
  messages(channel: string, options?: ListMessagesOptions): Promise<MessageRow[]> {
    return this.#store.listMessages(channel, options);
  }

  /** Messages of a channel matching a search, newest first. */
  search(channel: string, options: SearchMessagesOptions): Promise<MessageRow[]> {
    return this.#store.searchMessages(channel, options);
  }

  /** One message by its log position. */
  message(at: LogPosition): Promise<MessageRow | undefined> {
    return this.#store.getMessage(at);
  }

  /**
   * The entries of the messages at `positions` and of their acknowledgements: who signed a page
   * of messages and every acknowledgement of them (presenters.ts whoSpoke), read by log position.
   */
  pageEntries(channel: string, positions: readonly LogPosition[]): Promise<StoredEntry[]> {
    return this.#store.listPageEntries(channel, positions);
  }

  /** The parties that have acknowledged the message at `at` (each once). */
  ackersOf(at: LogPosition): Promise<string[]> {
    return this.#store.ackersOf(at);
  }

  /**
   * Per message at `positions` and per party whose receipts cover it, when the first of them did
   * (receipt_marks: a page costs its size at any depth).
   */
  receiptTimes(channel: string, positions: readonly LogPosition[]): Promise<ReceiptTime[]> {
    return this.#store.listReceiptTimes(channel, positions);
  }

  /** The charter and channel-state entries of a channel (propose, accept, decline, withdraw, amend, suspend, resume, close), in log order. */
  stateEntries(channel: string): Promise<StoredEntry[]> {
    return this.#store.listEntries(channel, { kinds: STATE_KINDS });
  }

  /** How many messages a channel holds, and how many of the other side's await acknowledgement here. */
  messageCounts(channel: string): Promise<{ total: number; unacknowledged: number }> {
    return this.#store.countMessages(channel, this.#self);
  }

  /** Equivocation evidence of a channel. */
  evidence(channel: string): Promise<EvidenceRow[]> {
    return this.#store.listEvidence(channel);
  }

  /** Link-test samples of a channel and peer since `sinceMs`, at most `limit`. */
  linkSamples(channel: string, peer: string, sinceMs: number, limit: number): Promise<LinkSampleRow[]> {
    return this.#store.listLinkSamples(channel, peer, sinceMs, limit);
  }

  /** Every stored entry of a channel as wire text, in store order (for a transcript bundle). */
  async rawEntries(channel: string): Promise<string[]> {
    const raws: string[] = [];
    for await (const e of this.#store.streamEntries(channel)) raws.push(e.raw);
    return raws;
  }

  /** One entry of a log as wire text, if held. */
  async rawEntry(channel: string, author: string, seq: number): Promise<string | undefined> {
    return (await this.#store.getEntry(channel, author, seq))?.raw;
  }

  /** Every entry of a lasting kind (and every checkpoint) of a channel, as wire text, in store order (an index, not a scan). */
  lastingRaws(channel: string): Promise<string[]> {
    return this.#store.listLastingRawEntries(channel);
  }

  /** Where the messages and link tests with this hash sit, once they have left a log's memory. */
  referentPositions(channel: string, hash: string): Promise<Array<{ author: string; seq: number }>> {
    return this.#store.findReferentPositions(channel, hash);
  }

  /** An author's entries with seq in [from, to], as wire text, in seq order. */
  rawRange(channel: string, author: string, from: number, to: number): Promise<string[]> {
    return this.#store.listRawEntries(channel, author, from, to);
  }

  /** An author's entries of some kinds from `fromSeq` on, as wire text, in seq order, at most `limit`. */
  async rawOfKinds(channel: string, author: string, fromSeq: number, kinds: readonly string[], limit: number): Promise<string[]> {
    return (await this.#store.listEntries(channel, { author, fromSeq, kinds, limit })).map((e) => e.raw);
  }

  /**
   * The revocations of this party's `key.revoke` entries, in every channel held (each once, by
   * signature): every revocation the party wrote into a record, which its card must carry too.
   */
  async ownRevocations(): Promise<KeyRevocation[]> {
    const found = new Map<string, KeyRevocation>();
    for (const channel of await this.#store.listChannels())
      for (const e of await this.#store.listEntries(channel.id, { author: this.#self, kinds: ['key.revoke'] })) {
        const revocation = (JSON.parse(e.raw) as { body: { revocation: KeyRevocation } }).body.revocation;
        if (!found.has(revocation.sig)) found.set(revocation.sig, revocation);
      }
    return [...found.values()];
  }

  /** Messages not acknowledged yet, earliest deadline first. */
  unacked(options: ListUnackedOptions): Promise<MessageRow[]> {
    return this.#store.listUnacked(options);
  }

  /** How many of the other side's messages await acknowledgement here, per channel. */
  unackedByChannel(): Promise<Array<{ channel: string; count: number }>> {
    return this.#store.countUnackedByChannel(this.#self);
  }

  /** Escalation steps taken. */
  escalationSteps(filter: ListEscalationsOptions): Promise<EscalationStepRow[]> {
    return this.#store.escalations.list(filter);
  }
}
