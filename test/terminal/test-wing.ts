/**
 * A channel wing for tests: composed as the terminal composes it (src/terminal/channels/compose.ts)
 * and reachable through one object, so that a test can drive a terminal's channels by hand (send,
 * receive, settle) and hand its parts to what it tests as the composition root would. Production
 * code never takes the whole wing: it takes the ports of src/terminal/channels/ports.ts.
 */
import type { BodyOf, ChannelLog, EntryKind, LinePrecheck, OfficerRef, SealedEntry } from '../../src/protocol/index.js';
import type { EntryWriter, EntryWriterStats, MessageRow, Store } from '../../src/store/index.js';
import type { Clock } from '../../src/terminal/clock.js';
import { EventBus } from '../../src/terminal/events/event-bus.js';
import type { EntryChecker } from '../../src/terminal/channels/check-pool.js';
import type { ChannelLogger } from '../../src/terminal/channels/channel-registry.js';
import type { ChannelView, ProposeInput, ReceiveOutcome, TerminalSelf } from '../../src/terminal/channels/channel-types.js';
import { composeChannels, type ChannelWing } from '../../src/terminal/channels/compose.js';
import type { BatchWriteOptions, MessageLocation, WriteOptions } from '../../src/terminal/channels/ports.js';
import type { EscalationPlanner } from '../../src/terminal/channels/projector.js';

export type { TerminalEvent } from '../../src/terminal/events/event-bus.js';
export type { TerminalSelf, ReceiveOutcome, ProposeInput, ChannelView } from '../../src/terminal/channels/channel-types.js';
export type { WriteOptions, BatchWriteOptions } from '../../src/terminal/channels/ports.js';
export { MAX_FUTURE_SKEW_MS } from '../../src/terminal/channels/receiver.js';

interface TestWingOptions {
  store: Store;
  self: TerminalSelf;
  clock: Clock;
  log?: ChannelLogger;
  writer?: EntryWriter;
  checker?: EntryChecker;
  receiptSpacingMs?: number;
  events?: EventBus;
  planner?: EscalationPlanner;
  /** An already composed wing to stand in front of (default: one composed here). */
  wing?: ChannelWing;
}

/** A channel wing behind one object (see the file comment). */
export class TestWing {
  readonly events: EventBus;
  readonly self: TerminalSelf;
  readonly store: Store;
  readonly wing: ChannelWing;
  readonly #clock: Clock;

  constructor(options: TestWingOptions) {
    this.store = options.store;
    this.self = options.self;
    this.#clock = options.clock;
    this.events = options.events ?? new EventBus();
    this.wing = options.wing ?? composeChannels({ ...options, events: this.events });
  }

  get registry() {
    return this.wing.registry.keys;
  }
  load(): Promise<void> {
    return this.wing.load();
  }
  get writerStats(): EntryWriterStats {
    return this.wing.committer.writerStats;
  }
  committedHead(channel: string): number {
    return this.wing.committer.committedHead(channel);
  }
  entriesFor(channel: string, author: string, fromSeq: number, toSeq: number): Promise<string[]> {
    return this.wing.committer.entriesFor(channel, author, fromSeq, toSeq);
  }
  ownEntries(channel: string, fromSeq: number, toSeq: number): Promise<string[]> {
    return this.wing.committer.ownEntries(channel, fromSeq, toSeq);
  }
  proposalEntry(channel: string): Promise<string | undefined> {
    return this.wing.committer.proposalEntry(channel);
  }
  /** Elapsed time on the clock that never steps (see Clock.elapsed); the reading when it has none. */
  elapsed(): number {
    return this.#clock.elapsed?.() ?? this.#clock.now();
  }

  now(): number {
    return this.#clock.now();
  }
  addPeer(card: unknown, confirmedFingerprint: string, options?: { sameCode?: boolean }) {
    return this.wing.peers.addPeer(card, confirmedFingerprint, options);
  }
  resolveParty(idOrCode: string) {
    return this.wing.peers.resolveParty(idOrCode);
  }
  label(party: string): string {
    return this.wing.registry.label(party);
  }
  channel(idOrPrefix: string): ChannelLog {
    return this.wing.registry.channel(idOrPrefix);
  }
  channelIds(): string[] {
    return this.wing.registry.channelIds();
  }
  view(idOrPrefix: string): ChannelView {
    return this.wing.registry.view(idOrPrefix);
  }
  peersOf(channelId: string): string[] {
    return this.wing.registry.peersOf(channelId);
  }

  shares(channelId: string, peer: string): boolean {
    return this.wing.registry.shares(channelId, peer);
  }

  sendableUpTo(channelId: string, peer: string, after: number, upTo: number): number {
    return this.wing.registry.sendableUpTo(channelId, peer, after, upTo);
  }

  member(channelId: string): boolean {
    return this.wing.registry.member(channelId);
  }

  joinedBy(channelId: string, party: string): { readonly author: string; readonly seq: number } | undefined {
    return this.wing.registry.joinedBy(channelId, party);
  }
  propose(input: ProposeInput): Promise<ChannelView> {
    return this.wing.writer.propose(input);
  }
  write<K extends EntryKind>(channel: string, kind: K, body: BodyOf<K>, options?: WriteOptions): Promise<SealedEntry<K>> {
    return this.wing.writer.write(channel, kind, body, options);
  }
  accept(channel: string, options?: WriteOptions): Promise<SealedEntry> {
    return this.wing.writer.accept(channel, options);
  }
  decline(channel: string, reason: string, options?: WriteOptions): Promise<SealedEntry> {
    return this.wing.writer.decline(channel, reason, options);
  }
  withdraw(channel: string, reason: string, options?: WriteOptions): Promise<SealedEntry> {
    return this.wing.writer.withdraw(channel, reason, options);
  }
  send(channel: string, message: BodyOf<'message'>, options?: WriteOptions): Promise<SealedEntry<'message'>> {
    return this.wing.writer.send(channel, message, options);
  }
  sendMany(channel: string, messages: ReadonlyArray<BodyOf<'message'>>, options?: BatchWriteOptions): Promise<Array<SealedEntry<'message'>>> {
    return this.wing.writer.sendMany(channel, messages, options);
  }
  acknowledge(message: string, officer: OfficerRef, note?: string, options?: WriteOptions & { again?: boolean }): Promise<SealedEntry<'ack'>> {
    return this.wing.writer.acknowledge(message, officer, note, options);
  }
  checkpoint(channel: string, options?: WriteOptions): Promise<SealedEntry<'checkpoint'>> {
    return this.wing.writer.checkpoint(channel, options);
  }
  getMessage(hash: string): Promise<MessageRow | undefined> {
    return this.wing.messages.getMessage(hash);
  }
  findMessage(hashOrPrefix: string): Promise<MessageLocation> {
    return this.wing.messages.findMessage(hashOrPrefix);
  }

  acknowledgers(channel: string, hash: string, author: string): Promise<OfficerRef[]> {
    return this.wing.messages.acknowledgers(channel, hash, author);
  }
  precheck(raws: readonly string[]): Promise<LinePrecheck[]> {
    return this.wing.receiver.precheck(raws);
  }
  receive(raws: readonly string[], source: string, prechecks?: readonly LinePrecheck[]): Promise<ReceiveOutcome> {
    return this.wing.receiver.receive(raws, source, prechecks);
  }
  flush(): Promise<void> {
    return this.wing.flush();
  }
  idle(): Promise<void> {
    return this.wing.committer.idle();
  }
}
