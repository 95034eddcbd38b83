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

/** Whether `reason` is the peer's own storage failing (a `refused` with a store code), not the line. */
export function peerStorageReason(reason: LinkReason | null): boolean {
  return reason?.code.startsWith('STORE_') === true;
}

/**
 * Why a dial failed, in words for status and alarms. A 401 answer to the upgrade is the peer's
 * FED_UNPINNED_CLIENT: it does not know this terminal's certificate, which is what a pairing done
 * on one side only looks like (the peer has not added this party's card yet), not a network fault.
 */
export function dialFailure(error: Error, peer: string): string {
  if (/Unexpected server response: 401\b/.test(error.message))
    return `${peer} refuses this terminal (401, FED_UNPINNED_CLIENT): it has not paired with this party yet, or holds an older card of it. Pairing is mutual: ${peer}'s operator must add this party's current card (\`hotline card export\` here, \`hotline peer add CARD\` there) after comparing the fingerprint read to them over a line you trust`;
  return error.message;
}

/** Pins as one comparable text ('' when none). */
export function pinText(pins: string | readonly string[]): string {
  return typeof pins === 'string' ? pins : pins.join(' ');
}
