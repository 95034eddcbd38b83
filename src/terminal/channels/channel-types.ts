/**
 * The data types of the channel wing: who this terminal is, what a receive did, what a proposal
 * asks for, and a channel as officers see it.
 */
import type { Charter, CharterChange, FormatRef, PartyCard, Role, Signer, Tier } from '../../protocol/index.js';

/** Who this terminal speaks for. */
export interface TerminalSelf {
  readonly party: string;
  readonly code: string;
  readonly signer: Signer;
  readonly card: PartyCard;
}

/** What became of a batch of received entries. */
export interface ReceiveOutcome {
  accepted: number;
  duplicate: number;
  pending: number;
  rejected: Array<{ hash?: string; code: string; message: string }>;
  /** Entries to ask for: the sender (or anyone) may supply them. */
  missing: Array<{ channel: string; author: string; fromSeq: number; toSeq: number }>;
  /**
   * Authentic entries that contradict the log held here: another entry at a held (author, seq)
   * (`equivocation`), or an entry whose previous hash is not that of the author's head held here
   * (`previous`: the chains part at or before `seq` - 1), or an entry of another author that cites
   * the author's entry `seq` with another hash than the one held here (`cited`: that author's word,
   * not proof). For this terminal's own author, its own log may have forked (channels/reconciler.ts).
   */
  conflicts?: LogConflict[];
}

/** One of {@link ReceiveOutcome.conflicts}. */
export interface LogConflict {
  channel: string;
  author: string;
  seq: number;
  kind: 'equivocation' | 'previous' | 'cited';
}

/** The roles a party holds in a charter unless the proposal or amendment says otherwise. */
export const DEFAULT_CHARTER_ROLES: readonly Role[] = Object.freeze(['plenipotentiary', 'principal', 'duty-officer', 'observer']);

/** Input for proposing a channel. */
export interface ProposeInput {
  title: Record<string, string>;
  tier: Tier;
  /** Party ids or codes of the other parties (known peers). */
  parties: string[];
  roles?: Role[];
  languages?: string[];
  linkTestIntervalSec?: number;
  ackDeadlineSec?: Partial<Charter['ackDeadlineSec']>;
  expires?: number;
  note?: string;
  /** The charter's dialogue rules (docs/protocol.md §6.1). */
  dialogue?: Charter['dialogue'];
  /** Agreed formats (docs/protocol.md §13), as the charter lists them. */
  formats?: FormatRef[];
  /** Protocol version of the channel's entries (docs/protocol.md §14.1): 2 lets a message be proven alone. */
  protocol?: 1 | 2;
}

/** A channel as officers see it. */
export interface ChannelView {
  id: string;
  state: string;
  title: Record<string, string>;
  tier: string;
  proposer: string;
  charterHash: string;
  charter: Charter;
  parties: Array<{ party: string; code: string; roles: readonly string[]; accepted: boolean; suspended: boolean; entries: number }>;
  /** An amendment awaiting answers (docs/protocol.md §5.3): parties by label, and what it changes from the charter in force. */
  pendingAmendment?: { hash: string; proposer: string; accepted: string[]; awaiting: string[]; reason: string; changes: CharterChange[] };
  /** Other amendments pending at once (proposed concurrently, §5.3), after the one shown above. */
  alsoPending?: Array<{ hash: string; proposer: string; awaiting: string[] }>;
  /**
   * Present when this party holds the channel but may not write to it (docs/protocol.md §5.3): an adopted
   * amendment removed it (`outcome` removed), or the amendment that would have added it, offered to this
   * terminal, was declined or withdrawn. Its record stays here, read-only; nothing more is written to the
   * channel from this terminal. `at` is that amendment's time, `by` its proposer (label), `reason` its reason.
   */
  left?: { at: number; by: string; reason: string; outcome: 'removed' | 'declined' | 'withdrawn' };
  entries: number;
}
