/**
 * What the officer API's route plugins share: the ports they are given (never the channel
 * service itself), the read model, and the request schemas used in several areas.
 */
import Type from 'typebox';
import type { ChannelActions, ChannelDirectory, EntryReceiver, MessageFinder, PeerDirectory, SelfInfo } from '../channels/ports.js';
import type { EventSource } from '../events/event-bus.js';
import type { OfficerReadModel } from './read-model.js';
import type { LinkInfo } from './presenters.js';

/** The terminal as the officer API sees it: narrow ports, the read model and a clock. */
export interface OfficerApiPorts {
  readonly self: SelfInfo;
  readonly directory: ChannelDirectory;
  readonly actions: ChannelActions;
  readonly messages: MessageFinder;
  readonly peers: PeerDirectory;
  readonly receiver: EntryReceiver;
  readonly events: EventSource;
  /** Now, by the terminal's injected clock. */
  readonly now: () => number;
}

/** What the routes read: the store's queries (read-model.ts). */
export interface ReadPorts {
  readonly reads: OfficerReadModel;
}

/** Link state per peer party. */
export type LinksFn = () => readonly LinkInfo[];

/** Channels this terminal may not sign on now, fetching its own entries back (channels/reconciler.ts). */
export type ReconcilingFn = () => ReadonlyArray<{ channel: string; have: number; peerHolds: number; why: string; forkedAt?: number; peer?: string }>;

/** Link-test health per channel and peer. */
export type LinkHealthFn = () => Array<{ channel: string; peer: string; code: string; state: string; lastEchoAt: number | null; lastRttMs: number | null; lastOffsetMs: number | null; since: number }>;

/** `:id` of a channel: its id or a unique prefix of at least 6 hex digits (as for messages and dialogue objects). */
export const ChannelParams = Type.Object({ id: Type.String({ minLength: 6, maxLength: 64, pattern: '^[0-9a-f]+$' }) });

/** `:id` of a message: its hash or a unique prefix of at least 6 hex digits. */
export const MessageParams = Type.Object({ id: Type.String({ minLength: 6, maxLength: 64, pattern: '^[0-9a-f]+$' }) });

/** A BCP 47 language tag, simplified. */
export const LangTagParam = Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' });
