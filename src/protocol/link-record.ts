/**
 * Link records of version 2 (docs/protocol.md §6.2): `link.summary`, a party's signed account of
 * one window of link tests per peer, and `link.state`, written when its line to a peer changes
 * state. The link tests themselves are signed frames on the federation stream (§12.3), not
 * entries; these rules judge an entry on its own and against the charter in force.
 */
import { canonicalBytes } from './encoding.js';
import { protocolError, type ProtocolError } from './errors.js';
import { DOMAIN, signDomain, verifyDomain, type Signer } from './keys.js';
import type { Entry } from './entry.js';
import type { BodyOf } from './schemas.js';

/** Longest window one summary may cover: a day (terminals write one an hour). */
export const LINK_SUMMARY_MAX_WINDOW_MS = 86_400_000;

/** The rules of §6.2 for a link record, given the channel's version and the parties that may write. */
export function checkLinkRecord(e: Entry, version: number, parties: ReadonlySet<string>, d: { author: string; seq: number }): ProtocolError | undefined {
  const bad = (why: string) => protocolError('LINK_RECORD_INVALID', { ...d, kind: e.kind, why });
  if (version < 2) return bad('link records exist only on version-2 channels; a version-1 channel writes link.test and link.echo entries');
  const peerProblem = (peer: string) =>
    peer === e.author ? 'it names its own author as the peer' : parties.has(peer) ? undefined : 'it names a peer that is not a party of the channel';
  if (e.kind === 'link.state') {
    const b = e.body as BodyOf<'link.state'>;
    const p = peerProblem(b.peer);
    if (p) return bad(p);
    if (b.state === b.was) return bad(`its state and previous state are both "${b.state}"`);
    if (b.at > e.time) return bad('the change is dated after the entry');
    return undefined;
  }
  const b = e.body as BodyOf<'link.summary'>;
  if (b.from >= b.until) return bad('its window ends before it begins');
  if (b.until > e.time) return bad('its window ends after the entry');
  if (b.until - b.from > LINK_SUMMARY_MAX_WINDOW_MS) return bad('its window is longer than a day');
  const seen = new Set<string>();
  for (const peer of b.peers) {
    const p = peerProblem(peer.peer) ?? (seen.has(peer.peer) ? 'it lists a peer twice' : undefined);
    if (p) return bad(p);
    seen.add(peer.peer);
    if (peer.answered + peer.failures > peer.sent) return bad('answered and failed tests outnumber the tests sent');
    if ((peer.answered > 0) !== (peer.rttMs !== undefined) || (peer.answered > 0) !== (peer.offsetMs !== undefined))
      return bad('round-trip and offset figures are given exactly when some test was answered');
    for (const q of [peer.rttMs, peer.offsetMs])
      if (q && !(q.min <= q.p50 && q.p50 <= q.p90 && q.p90 <= q.p99 && q.p99 <= q.max)) return bad('its percentiles are not in order');
  }
  return undefined;
}

/** A link-test frame as signed (§12.3): a probe has no t2/t3; an echo carries them. */
export interface LinkFrameFields {
  readonly channel: string;
  /** The party of the terminal that signs the frame. */
  readonly from: string;
  /** The party it is meant for. */
  readonly to: string;
  /** The signing terminal key (a current key of `from`, §3.2). */
  readonly key: string;
  readonly nonce: string;
  readonly t1: number;
  readonly t2?: number;
  readonly t3?: number;
}

/** Signs a link-test frame with the terminal key: Ed25519 over "hotline/2/link-frame\0" || canonical JSON of the fields. */
export function signLinkFrame(signer: Signer, f: LinkFrameFields): string {
  return signDomain(signer, DOMAIN.linkFrame, canonicalBytes(f));
}

/** Whether `sig` is `key`'s signature of the frame's fields. */
export function verifyLinkFrame(key: string, f: LinkFrameFields, sig: string): boolean {
  return verifyDomain(key, DOMAIN.linkFrame, canonicalBytes(f), sig);
}

/** Percentiles of samples (nearest rank), rounded to whole ms; undefined for none. */
export function percentiles(samples: readonly number[]): { min: number; p50: number; p90: number; p99: number; max: number } | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!);
  return { min: Math.round(s[0]!), p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(s[s.length - 1]!) };
}
