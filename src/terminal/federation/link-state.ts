/**
 * One state per peer, the one status, /readyz, metrics and the console show: the transport (the
 * outbound stream and its heartbeats, peer-link.ts) combined with the signed link tests of every
 * channel shared with the peer (schedulers/link-tester.ts). The transport can look up while the
 * peer answers nothing above it (a frozen process behind a live TCP stack); the link tests can
 * look fine for a while after the transport died. Either one down is down. And a stream that is
 * connected while the peer refuses every own entry sent on a channel (a forked own log, say) is
 * `refusing`, not up: nothing of that channel reaches the peer however well the line answers.
 * And a line that works one way round is `degraded`: the peer has had no stream to this terminal
 * for a while (inbound-streams.ts; this terminal fetches its entries, pull-fallback.ts), or this
 * terminal cannot reach the peer while the peer's stream to it is up (the peer fetches ours).
 * The outbound stream and the link tests alone can look fine while the peer cannot reach this
 * terminal at all (a firewall blocking this terminal's federation port, a wrong address in its
 * card, a broken return route): version-2 link tests travel on the outbound stream both ways.
 * And a peer whose storage stalls keeps answering heartbeats and probes while it stores nothing:
 * a batch of entries unanswered past an allowance (peer-link.ts STORED_OVERDUE_MS) makes it `down`.
 */
import type { LinkState } from './peer-link.js';

/**
 * How long a peer's stream may be missing while the outbound one is up before the line says so,
 * ms. The composition root caps it at the pull fallback's start (pull-fallback.ts PULL_AFTER_MS,
 * 5 s): once the peer's entries are fetched for want of its stream, the line works one way round,
 * and the echoes fetched so must not show it `up` (HOTLINE_INBOUND_GRACE_MS may shorten it).
 */
export const DEFAULT_INBOUND_GRACE_MS = 30_000;

/** `missingSince` (inbound-streams.ts) once longer ago than `graceMs`; undefined before, or while a stream is open. */
export function inboundOverdue(missingSince: number | undefined, now: number, graceMs = DEFAULT_INBOUND_GRACE_MS): number | undefined {
  return missingSince !== undefined && now - missingSince >= graceMs ? missingSince : undefined;
}

/** The combined state of the line to one peer. */
export type LineState = LinkState | 'degraded' | 'refusing';

/** Every line state, for metrics (one gauge label each). */
export const LINE_STATES = ['connecting', 'up', 'degraded', 'refusing', 'down'] as const satisfies readonly LineState[];

/** The transport's view of one peer (PeerLinks.list). */
export interface TransportView {
  readonly state: LinkState;
  readonly since: number;
  readonly reason: string | null;
  /** The code of `reason` (PeerLink.reason): a STORE_ code is the peer's storage failing, not the line. */
  readonly reasonCode?: string | null;
  /** The peer refuses this terminal's own entries on a channel (PeerLink.refusal), if it does. */
  readonly refusing?: { readonly channel: string; readonly code: string; readonly message: string; readonly since: number } | null;
  /** Since when the peer's own stream to this terminal has been missing, once longer than the grace ({@link inboundOverdue}); absent otherwise. */
  readonly inboundMissingSince?: number | undefined;
  /** The peer has a stream open to this terminal now (inbound-streams.ts). */
  readonly inboundOpen?: boolean;
  /** The peer answers heartbeats but has answered no batch of entries past the allowance (PeerLink.notStoring). */
  readonly notStoring?: { readonly since: number; readonly batches: number } | null;
}

/** One channel's link-test health with the peer (LinkTester.health). */
export interface LinkTestView {
  readonly channel: string;
  readonly state: string;
  readonly since: number;
}

/** The combined state, since when, and why it is not up. */
export interface LineView {
  readonly state: LineState;
  readonly since: number;
  readonly reason: string | null;
}

const short = (channel: string) => channel.slice(0, 12);

/**
 * Combines the transport with the link tests (see the file comment). With `now`, the line's
 * `since` is never later than now: a time recorded while this terminal's clock was ahead (a
 * refusal of entries dated in the peer's future, typically) reads "since now" once the clock is
 * set right, never "since" a time still to come (docs/operations.md "Clocks").
 */
export function combineLine(transport: TransportView, tests: readonly LinkTestView[], now?: number): LineView {
  const line = combine(transport, tests);
  return now !== undefined && line.since > now ? { ...line, since: now } : line;
}

function combine(transport: TransportView, tests: readonly LinkTestView[]): LineView {
  // The peer's storage failed (it said so with `refused` before closing the stream): down for that
  // reason, whatever streams are open; the route is not in question.
  if (transport.state !== 'up' && transport.reasonCode?.startsWith('STORE_'))
    return { state: 'down', since: transport.since, reason: `${transport.reason ?? transport.reasonCode}. Nothing sent reaches its record until it stores again (it is sent again then, nothing lost); call the peer's operator` };
  // This terminal cannot reach the peer, but the peer's stream to it is up: the peer fetches this
  // terminal's entries over it (pull-fallback.ts), so the line works one way round.
  if (transport.state !== 'up' && transport.inboundOpen === true)
    return {
      state: 'degraded',
      since: transport.since,
      reason: `this terminal cannot reach the peer (${transport.reason ?? transport.state}); the peer's own stream to this terminal is up, and the peer fetches this terminal's entries over it. Check the peer's address in its card and the route to it`,
    };
  if (transport.state !== 'up') return { state: transport.state, since: transport.since, reason: transport.reason };
  // A peer whose storage stalls still answers heartbeats and link-test probes (neither needs a
  // commit): the stream and the tests look fine while nothing sent reaches its record.
  const stall = transport.notStoring;
  if (stall)
    return {
      state: 'down',
      since: Math.max(transport.since, stall.since),
      reason: `the peer has stored none of the entries sent to it since then (${stall.batches} ${stall.batches === 1 ? 'batch' : 'batches'} unanswered) although its stream answers heartbeats: its storage is stalled (database locked or unreachable, disk full or failing). Nothing sent reaches its record until it answers; call the peer's operator`,
    };
  // The peer refusing this terminal's entries comes first: its link tests are entries too, so they
  // go unanswered as a consequence (a clock far ahead: "refusing", not a route to look for).
  const down = tests.filter((t) => t.state === 'down');
  const r = transport.refusing;
  if (r) return { state: 'refusing', since: Math.max(transport.since, r.since), reason: `the peer refuses this terminal's entries on channel ${short(r.channel)}: ${r.code} (${r.message})${down.length > 0 ? '; link tests go unanswered meanwhile' : ''}` };
  if (down.length > 0) {
    const since = Math.max(transport.since, ...down.map((t) => t.since));
    return { state: 'down', since, reason: `link tests unanswered on channel ${down.map((t) => short(t.channel)).join(', ')} although the stream is connected` };
  }
  if (transport.inboundMissingSince !== undefined)
    return {
      state: 'degraded',
      since: Math.max(transport.since, transport.inboundMissingSince),
      reason: "the peer has had no stream to this terminal since then: this terminal's messages reach it, and its entries (messages, receipts, acknowledgements) are fetched over this terminal's own connection every 2 s or come through other parties. Check that this terminal's federation address in its card is reachable from the peer (firewall, port forwarding, routes)",
    };
  const degraded = tests.filter((t) => t.state === 'degraded');
  if (degraded.length > 0) {
    const since = Math.max(transport.since, ...degraded.map((t) => t.since));
    return { state: 'degraded', since, reason: `link tests late or showing clock drift on channel ${degraded.map((t) => short(t.channel)).join(', ')}` };
  }
  return { state: 'up', since: transport.since, reason: null };
}

/** Whether traffic gets through in this state (readiness counts the peer; a refusing peer takes nothing of a channel). */
export function carriesTraffic(state: LineState): boolean {
  return state === 'up' || state === 'degraded';
}
