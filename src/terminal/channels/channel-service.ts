/**
 * TEMPORARY facade over the channel wing (compose.ts), kept only while the federation and officer
 * API move to the narrow ports of ports.ts; it goes once nothing takes ChannelService. New code
 * takes the ports, never this class.
 */
import type { BodyOf, ChannelLog, EntryKind, LinePrecheck, OfficerRef, SealedEntry } from '../../protocol/index.js';
import type { EntryWriter, EntryWriterStats, MessageRow, Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import { EventBus } from '../events/event-bus.js';
import type { EntryChecker } from './check-pool.js';
import type { ChannelLogger } from './channel-registry.js';
import type { ChannelView, ProposeInput, ReceiveOutcome, TerminalSelf } from './channel-types.js';
import { composeChannels, type ChannelWing } from './compose.js';
import type { BatchWriteOptions, MessageLocation, WriteOptions } from './ports.js';
import type { EscalationPlanner } from './projector.js';

export type { TerminalEvent } from '../events/event-bus.js';
export type { TerminalSelf, ReceiveOutcome, ProposeInput, ChannelView } from './channel-types.js';
export type { WriteOptions, BatchWriteOptions } from './ports.js';
export { MAX_FUTURE_SKEW_MS } from './receiver.js';

interface ChannelServiceOptions {
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

/** The channel wing behind one object (temporary: see the file comment). */
export class ChannelService {
  readonly events: EventBus;
  readonly self: TerminalSelf;
  readonly store: Store;
  readonly wing: ChannelWing;
  readonly #clock: Clock;

  constructor(options: ChannelServiceOptions) {
    this.store = options.store;
    this.self = options.self;
    this.#clock = options.clock;
    // eslint-disable-next-line no-restricted-syntax -- temporary facade for tests, removed with this file
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
  now(): number {
    return this.#clock.now();
  }
  addPeer(card: unknown, confirmedFingerprint: string) {
    return this.wing.peers.addPeer(card, confirmedFingerprint);
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
  acknowledge(message: string, officer: OfficerRef, note?: string, options?: WriteOptions): Promise<SealedEntry<'ack'>> {
    return this.wing.writer.acknowledge(message, officer, note, options);
  }
  getMessage(hash: string): Promise<MessageRow | undefined> {
    return this.wing.messages.getMessage(hash);
  }
  findMessage(hashOrPrefix: string): Promise<MessageLocation> {
    return this.wing.messages.findMessage(hashOrPrefix);
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
