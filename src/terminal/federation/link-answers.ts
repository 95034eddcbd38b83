/**
 * What a link reports beside its state (peer-link.ts): why it is not up, and what the peer's
 * answers to this terminal's own batches say (it refuses them: {@link LinkRefusal}; it stores
 * nothing: stored-watch.ts).
 */

/**
 * The peer refuses this terminal's own entries on a channel: its last answer to an own batch of
 * the channel rejected entries, and no own batch of it was taken without rejection since. Own
 * entries form a chain: once one is refused, every later one is (link-state.ts: `refusing`).
 */
export interface LinkRefusal {
  readonly channel: string;
  /** The peer's code for the first entry it rejected (ENTRY_EQUIVOCATION, ...). */
  readonly code: string;
  readonly message: string;
  /** Since when (ms), kept across reconnections: the peer refuses the same entries again. */
  readonly since: number;
  /** Own entries the peer rejected since. */
  readonly rejected: number;
  /** How much of our log of the channel the peer said it holds (its last `holds`) when it began refusing. */
  readonly peerHolds: number;
}

/** Why a link is not up, as a stable code and a sentence for status and alarms. */
export interface LinkReason {
  readonly code: string;
  readonly message: string;
}
