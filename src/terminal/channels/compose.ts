/**
 * The channel wing, composed: registry, committer, own-entry writer, receiver, receipts, message
 * finder and peers, wired to each other through their narrow ports. Called by the composition
 * root (terminal.ts) and by tests that run channel wings back to back; every other module receives
 * the parts it needs, never this whole.
 */
import type { FormatResolver } from '../../protocol/index.js';
import { EntryWriter, type Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import type { EventSink } from '../events/event-bus.js';
import type { EntryChecker } from './check-pool.js';
import { ChannelCommitter, STORE_STALL_MS } from './channel-committer.js';
import { wholeSetting } from '../env-settings.js';
import { ChannelRegistry, type ChannelLogger } from './channel-registry.js';
import type { TerminalSelf } from './channel-types.js';
import { ChannelMessages } from './message-finder.js';
import { OwnWriter } from './own-writer.js';
import { Peers } from './peer-directory.js';
import type { EscalationPlanner } from './projector.js';
import { ReceiptScheduler } from './receipts.js';
import { Receiver } from './receiver.js';

export interface ChannelWingOptions {
  readonly store: Store;
  readonly self: TerminalSelf;
  readonly clock: Clock;
  readonly events: EventSink;
  readonly log?: ChannelLogger;
  /** Where received entries get their context-free checks (default: this thread). */
  readonly checker?: EntryChecker;
  /** When escalation first looks at a new message (default: the earliest any policy could act). */
  readonly planner?: EscalationPlanner;
  /** Least time between two receipts of one channel, ms (ReceiptScheduler). */
  readonly receiptSpacingMs?: number;
  /** The group-commit writer (default: one that commits at the next turn of the event loop). */
  readonly writer?: EntryWriter;
  /** Where the definitions of agreed formats come from (default: the shipped library). */
  readonly formats?: FormatResolver;
  /** Entries per author each channel log keeps in memory (HOTLINE_LOG_WINDOW). */
  readonly logWindow?: number;
}

/** The parts of a channel wing. */
export interface ChannelWing {
  readonly registry: ChannelRegistry;
  readonly committer: ChannelCommitter;
  readonly writer: OwnWriter;
  readonly receiver: Receiver;
  readonly receipts: ReceiptScheduler;
  readonly messages: ChannelMessages;
  readonly peers: Peers;
  /** Loads peers' cards and every channel from the store. */
  load(): Promise<void>;
  /** Writes the receipts due now and resolves once everything started has committed. */
  flush(): Promise<void>;
}

/** Builds a channel wing over a store. */
export function composeChannels(o: ChannelWingOptions): ChannelWing {
  const self = o.self;
  const registry = new ChannelRegistry({ self: { party: self.party, code: self.code, card: self.card }, store: o.store, clock: o.clock, log: o.log, formats: o.formats, logWindow: o.logWindow });
  const committer = new ChannelCommitter({ registry, writer: o.writer ?? new EntryWriter(o.store, { maxDelayMs: 0 }), store: o.store, events: o.events, clock: o.clock, planner: o.planner, log: o.log, stallMs: storeStallFrom(process.env.HOTLINE_STORE_STALL_MS) });
  const messages = new ChannelMessages({ registry, store: o.store });
  const peers = new Peers({ registry, store: o.store, clock: o.clock, events: o.events });
  const writer = new OwnWriter({
    registry,
    committer,
    signer: self.signer,
    clock: o.clock,
    peers,
    messages,
    onClockBehind: (e, channel) => {
      o.log?.error({ code: e.code, channel }, e.message);
      o.events.emit({ type: 'alarm', code: 'CLOCK_BEHIND_LOG', message: e.message, channel });
    },
    onOwnKeyRevoked: (e, channel) => {
      o.log?.error({ code: e.code, channel }, e.message);
      o.events.emit({ type: 'alarm', code: 'OWN_KEY_REVOKED', message: e.message, channel });
    },
  });
  const receipts = new ReceiptScheduler({ registry, committer, writer, spacingMs: o.receiptSpacingMs, log: o.log });
  committer.onReceived = (channel) => receipts.schedule(channel);
  const receiver = new Receiver({ registry, committer, store: o.store, events: o.events, clock: o.clock, checker: o.checker, log: o.log });
  return {
    registry,
    committer,
    writer,
    receiver,
    receipts,
    messages,
    peers,
    async load() {
      const held = await registry.load();
      for (const log of registry.logs()) committer.noteLoaded(log);
      receiver.holdLoaded(held);
    },
    flush: () => receipts.flush(),
  };
}

/** HOTLINE_STORE_STALL_MS: how long a commit may wait before the database counts as stalled (channel-committer.ts). */
function storeStallFrom(value: string | undefined): number {
  return wholeSetting(value, { name: 'HOTLINE_STORE_STALL_MS', unit: 'ms', min: 100, max: 3_600_000, fallback: STORE_STALL_MS });
}
