/**
 * Writing entries: fills in sequence, previous hash and heads from the channel log so that a
 * terminal cannot produce an entry its peers would reject for its place in the log.
 */
import type { ChannelLog } from './channel-log.js';
import { sealEntry, type SealedEntry } from './entry.js';
import type { Signer } from './keys.js';
import type { BodyOf, Charter, EntryKind } from './schemas.js';

/** Seals the founding charter.propose entry of a new channel; its hash is the channel id. */
export function proposeChannel(signer: Signer, author: string, charter: Charter, time: number): SealedEntry<'charter.propose'> {
  return sealEntry({ channel: null, author, key: signer.publicKey, seq: 1, prev: null, heads: {}, time, kind: 'charter.propose', body: { charter } }, signer, charter.protocol ?? 1);
}

/**
 * Seals the next entry of `author` in `log` (not yet ingested: call log.ingest with the result).
 * The author time is raised to the previous entry's time if the clock went backwards.
 */
export function composeEntry<K extends EntryKind>(
  log: ChannelLog,
  signer: Signer,
  author: string,
  kind: K,
  body: BodyOf<K>,
  time: number,
): SealedEntry<K> {
  const next = log.next(author);
  const at = Math.max(time, next.minTime);
  // The next entry's causal past is everything held, so the charter in force now fixes its version (§14.1).
  return sealEntry(
    { channel: log.id, author, key: signer.publicKey, seq: next.seq, prev: next.prev, heads: next.heads, time: at, kind, body },
    signer,
    log.state(at).charter.protocol ?? 1,
  );
}

/** Round-trip time and clock offset from a link test's four timestamps (NTP, RFC 5905 §8). */
export function linkMetrics(t1: number, t2: number, t3: number, t4: number): { rttMs: number; offsetMs: number } {
  return { rttMs: t4 - t1 - (t3 - t2), offsetMs: (t2 - t1 + (t3 - t4)) / 2 };
}
