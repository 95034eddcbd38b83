/**
 * Reconciliation of this terminal's own logs with its peers (#14 A1, docs/operations.md "Backup
 * and restore"). A terminal whose database lost its newest entries (an old backup restored, the
 * SQLite WAL lost after a crash) would otherwise sign new entries with sequence numbers it already
 * used: an equivocation, evidence against its own party for ever, and a channel its peers refuse.
 *
 * Its peers hold every own entry they receipted. So the own writer signs nothing on a channel that
 * is reconciling:
 *  - at start-up, until every peer of the channel has said how much of our log it holds (the
 *    `holds` answer to our link's hello), or until the start-up wait passes (a peer that is down
 *    cannot be waited for for ever: docs/operations.md says to restore with the peers reachable);
 *  - whenever a peer reports holding more of our log than we have: we ask its stream for our own
 *    entries (`want` with our party as author; the peer relays what it holds), take them in as
 *    any received entry (checked completely: signature, chain), and continue the chain after them.
 * A peer that claims more than it delivers (no progress for {@link GIVE_UP_MS}) is given up with an
 * alarm, so a lying peer cannot stop this terminal writing for ever: and once given up on a channel,
 * its later claims there (after a reconnection, say) are alarmed but no longer stop the signing,
 * until this terminal restarts. Only a party of a channel is heard about it: what a peer outside
 * a channel says of that channel is ignored.
 *
 * A fork of our own log (the whole data directory restored, own-heads.json with it, and the
 * peers down longer than the start-up wait: this terminal signed numbers a peer holds other
 * entries at) is recognised and stops the channel for good (CHANNEL_OWN_LOG_FORKED): more own
 * entries would only deepen it, and every one would be refused. It is seen
 *  - in the `heads` frame before `holds`, naming the hash of the last own entry the peer holds: when it is not
 *    the hash of ours at that number, the peer is asked for its copies (up to that number) and
 *    the channel waits meanwhile ('checking-own-log');
 *  - when a peer refuses our own entries as contradicting its copy (ENTRY_EQUIVOCATION,
 *    ENTRY_WRONG_PREVIOUS_HASH: a peer that sends no `heads`): its copies are asked for likewise;
 *  - in what a peer relays of our own log: an entry signed by our key at a number held here with
 *    other content, or whose chain parts from ours (ReceiveOutcome.conflicts).
 * Only an entry signed by this terminal's own key proves the fork: a peer that merely names
 * another hash and sends nothing is given up after {@link GIVE_UP_MS}, as a claim that brings
 * nothing is (CHANNEL_RECONCILE_FAILED), so a lying peer cannot stop this terminal writing.
 *
 * One room over 400 lines: every rule here decides the same thing (may this terminal sign on a
 * channel now), over the same state (claims, checks, forks, the start-up wait); split, each part
 * would need all of it.
 */
import type { Clock } from '../clock.js';
import { TERMINAL_ERRORS, TerminalError } from '../errors.js';
import type { EventSink, EventSource } from '../events/event-bus.js';
import type { ChannelDirectory, InboundStreamsView, StreamWant } from './ports.js';
import type { LogConflict } from './channel-types.js';

/** Default wait at start-up for the peers' `holds` answers, ms (HOTLINE_RECONCILE_WAIT_MS). */
export const DEFAULT_START_WAIT_MS = 10_000;
/** A request for our own entries without progress for this long is asked again, ms. */
export const ASK_AGAIN_MS = 2_000;
/** A peer's claim without any progress for this long is given up (with an alarm), ms. */
export const GIVE_UP_MS = 30_000;
/** How long a write waits for its channel to be reconciled before CHANNEL_RECONCILING, ms. */
export const WRITE_WAIT_MS = 5_000;
/** Most entries asked for at once (one federation batch). */
const ASK_MAX = 1024;

/** A `want` for our own entries, as a stream session sends it. */
export type OwnWant = StreamWant;

/** Why a channel is reconciling, for status, readiness and the refusal. */
export interface ReconcilingChannel {
  readonly channel: string;
  /** Highest own seq held here. */
  readonly have: number;
  /** Highest own seq a peer reported holding (0 while waiting for the peers at start-up). */
  readonly peerHolds: number;
  /**
   * 'peer-holds-more' (fetching), 'waiting-for-peers' (start-up), 'checking-own-log' (a peer named
   * another hash for an own entry held here: its copy is asked for), or 'own-log-forked' (for good:
   * nothing is signed there until an operator repairs it, docs/operations.md "Backup and restore");
   * for status and readiness also 'clock-behind-log' (own-writer.ts clockBehindChannels).
   */
  readonly why: 'peer-holds-more' | 'waiting-for-peers' | 'checking-own-log' | 'own-log-forked' | 'clock-behind-log';
  /** With 'own-log-forked': the lowest own seq known to differ from the peer's (the fork is at or before it). */
  readonly forkedAt?: number;
  /** With 'own-log-forked' and 'checking-own-log': the peer (party id) whose copy differs. */
  readonly peer?: string;
}

/** A fork of this terminal's own log in one channel, proven by an entry signed by its key. */
interface Fork {
  /** Lowest own seq known to differ; exact when an entry at that seq was compared. */
  seq: number;
  exact: boolean;
  readonly peer: string;
}

/** A peer named another hash for an own entry held here: its copies were asked for. */
interface Check {
  readonly peer: string;
  readonly seq: number;
  readonly since: number;
  askedAt: number;
}

export interface ReconcilerOptions {
  readonly self: string;
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'peersOf' | 'shares' | 'label'> & Partial<Pick<ChannelDirectory, 'channel'>>;
  /** Highest own seq durably held per channel (the committer's committedHead). */
  readonly head: (channel: string) => number;
  readonly clock: Clock;
  readonly events: EventSink & EventSource;
  /** The peers' streams open to this terminal (federation/inbound-streams.ts): where own entries are asked for. */
  readonly streams: Pick<InboundStreamsView, 'ask' | 'onOpen'>;
  readonly startWaitMs?: number;
  /**
   * The highest own seq per channel this terminal remembers having committed (own-heads.ts). A
   * channel whose database head is lower was restored (or lost its newest commits): it waits for
   * every peer's holds with no time limit.
   */
  readonly remembered?: ReadonlyMap<string, number>;
  /**
   * The hash of this terminal's own committed entry at `seq` of a channel, to compare with what a
   * peer's `holds` names (`heads`); without it, only the head is compared (ChannelDirectory).
   */
  readonly ownHash?: (channel: string, seq: number) => Promise<string | undefined>;
  /**
   * Channels whose own log forked before the last stop (own-heads.ts): stopped from the start,
   * until `hotline repair --forked` removed the forked part.
   */
  readonly rememberedForks?: ReadonlyMap<string, { readonly seq: number; readonly peer: string }>;
  readonly log?: { warn(o: object, m?: string): void; info(o: object, m?: string): void };
}

interface Claim {
  target: number;
  /**
   * Known only from what a received entry cites (a lower bound): not done until the peer has also
   * said what it holds (its `holds`, after the link is opened again: {@link Reconciler.resync}).
   */
  needHolds: boolean;
  peer: string;
  askedTo: number;
  askedAt: number;
  progressAt: number;
}

/** Decides which channels may be signed on, and fetches our own entries back from the peers. */
export class Reconciler {
  readonly #o: ReconcilerOptions;
  /** Per channel loaded at start-up: peers that have not reported their holds yet. */
  readonly #awaiting = new Map<string, Set<string>>();
  /** Channels whose database lacks own entries this terminal remembers signing: seq remembered. */
  readonly #restored = new Map<string, number>();
  /** Restored channels the database does not hold at all yet: their peers are known once they come back. */
  readonly #peersUnknown = new Set<string>();
  /** Of those, the ones back in the directory whose peers were asked to say anew what they hold. */
  readonly #askedAgain = new Set<string>();
  #waitUntil = 0;
  readonly #claims = new Map<string, Claim>();
  /** `${channel}/${peer}` whose claim there was given up: its claims there no longer block. */
  readonly #distrusted = new Set<string>();
  readonly #distrustAlarmed = new Set<string>();
  /** Called when a channel may be signed on again (receipts that were due are written then). */
  onReconciled: (channel: string) => void = () => {};
  /** Called when a channel's own log is found forked (own-heads.json remembers it). */
  onForked: (channel: string) => void = () => {};
  /** Opens the link to a peer again, so that it says anew what it holds of our logs (its `holds`). */
  resync: (peer: string) => void = () => {};
  /** Writes waiting for their channel to be reconciled. */
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Channels whose own log forked: nothing is signed there until a restart after a repair. */
  readonly #forks = new Map<string, Fork>();
  /** Channels where a peer named another hash for an own entry held here. */
  readonly #checks = new Map<string, Check>();
  /** Own-hash comparisons under way, per channel (the channel waits for them). */
  readonly #comparing = new Map<string, number>();

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    for (const [channel, f] of options.rememberedForks ?? []) this.#forks.set(channel, { seq: f.seq, exact: true, peer: f.peer });
    options.events.on('entry', (e) => {
      if (e.author === options.self && this.#claims.has(e.channel)) this.#progress(e.channel);
    });
    options.streams.onOpen((peer) => this.#streamOpened(peer));
  }

  /** At start-up, every channel that has peers waits for their holds (bounded by the start wait). */
  startUp(): void {
    const { directory, clock } = this.#o;
    this.#waitUntil = clock.now() + (this.#o.startWaitMs ?? DEFAULT_START_WAIT_MS);
    // Forked before the last stop and not repaired since: said again, and still stopped.
    for (const channel of this.#forks.keys()) {
      const message = this.#forkError(channel).message;
      this.#o.log?.warn({ channel, code: 'CHANNEL_OWN_LOG_FORKED' }, message);
      this.#o.events.emit({ type: 'alarm', code: 'CHANNEL_OWN_LOG_FORKED', message, channel });
    }
    for (const id of directory.channelIds()) {
      const peers = directory.peersOf(id);
      if (!peers.length) continue;
      this.#awaiting.set(id, new Set(peers));
      const remembered = this.#o.remembered?.get(id) ?? 0;
      const have = this.#o.head(id);
      if (remembered > have) {
        this.#restored.set(id, remembered);
        this.#alarm(
          id,
          `This database holds this terminal's entries of channel ${id.slice(0, 12)} only up to ${have}, but it had signed up to ${remembered} (a database restored from a backup, or its newest commits lost). Signing nothing there until every peer of the channel (${peers.map((p) => directory.label(p)).join(', ')}) has said what it holds, with no time limit: signing before would sign numbers a peer may already hold (docs/operations.md "Backup and restore").`,
          'CHANNEL_RECONCILING',
        );
      }
    }
    this.#rememberAbsent();
  }

  /**
   * A channel this terminal had signed in but the database does not hold at all (a backup older
   * than the channel): it comes back from the peers, and nothing is signed there (no receipt, no
   * link test) until they have said what they hold of it, or the first own entry signed there would
   * take a number a peer already holds.
   */
  #rememberAbsent(): void {
    const known = new Set(this.#o.directory.channelIds());
    for (const [id, remembered] of this.#o.remembered ?? []) {
      if (known.has(id) || remembered < 1) continue;
      this.#restored.set(id, remembered);
      this.#awaiting.set(id, new Set());
      this.#peersUnknown.add(id);
      this.#o.log?.warn({ channel: id, code: 'CHANNEL_RECONCILING' }, `This database holds no entry of channel ${id.slice(0, 12)}, in which this terminal had signed up to ${remembered} (a backup older than the channel?). It comes back from the peers; nothing is signed there until they have said what they hold.`);
    }
  }

  /** The own seq remembered for a channel still waiting for its peers after a restore, if any. */
  restoredTarget(channel: string): number | undefined {
    return this.#restored.get(channel);
  }

  /**
   * A peer said how much of our own log of `channel` it holds, and (`hash`, from a peer that sends
   * `heads`) the hash of the last of those entries.
   */
  peerHolds(peer: string, channel: string, seq: number, hash?: string): void {
    if (!this.#o.directory.shares(channel, peer)) return;
    if (this.#forks.has(channel)) return;
    // Compared before anything else is decided: signing waits until the hashes are compared.
    if (hash !== undefined && seq >= 1 && seq <= this.#o.head(channel)) this.#compare(peer, channel, seq, hash);
    // A restored channel back from the peers: now its peers are known, each must answer.
    if (this.#peersUnknown.delete(channel)) this.#awaiting.set(channel, new Set(this.#o.directory.peersOf(channel)));
    const waiting = this.#awaiting.get(channel);
    if (waiting?.delete(peer) && waiting.size === 0) {
      this.#awaiting.delete(channel);
      // Every peer has answered: what they hold is fetched back (a claim) or there is nothing to
      // fetch; own entries nobody received are lost and their numbers may be signed anew.
      if (this.#restored.delete(channel)) this.#o.log?.info({ channel }, 'every peer said what it holds of a restored channel');
    }
    const claim = this.#claims.get(channel);
    if (claim && claim.peer === peer) claim.needHolds = false;
    if (!this.#claim(peer, channel, seq)) {
      if (claim) this.#doneIfHeld(channel);
      else this.#reconciledIfFree(channel);
    }
  }

  /**
   * An entry received from `peer` waits for entries of `author` up to `toSeq` that this terminal
   * lacks. When they are its own (a receipt or an answer citing them, in a channel restored from a
   * backup older than it, say), they are fetched back like a peer's holds.
   */
  missing(peer: string, channel: string, author: string, toSeq: number): void {
    if (author !== this.#o.self || !this.#o.directory.shares(channel, peer)) return;
    const had = this.#claims.has(channel);
    if (this.#claim(peer, channel, toSeq) && !had) {
      // What the entry cites is a lower bound of what the peer holds: ask it for its holds.
      this.#claims.get(channel)!.needHolds = true;
      this.resync(peer);
    }
  }

  /** A peer has own entries up to `seq` that this terminal lacks: claimed, alarmed, asked for. */
  #claim(peer: string, channel: string, seq: number): boolean {
    const have = this.#o.head(channel);
    const claim = this.#claims.get(channel);
    if (seq <= have || (claim && seq <= claim.target)) return false;
    const key = `${channel}/${peer}`;
    if (this.#distrusted.has(key)) {
      // Alarmed once: a peer reconnecting to claim again would otherwise raise one every few seconds.
      if (this.#distrustAlarmed.has(key)) return false;
      this.#distrustAlarmed.add(key);
      this.#alarm(channel, `Peer ${this.#o.directory.label(peer)} again claims to hold this terminal's entries up to ${seq} of channel ${channel.slice(0, 12)} (this database: ${have}), after a claim it never made good. Not waiting for it again; check that peer.`, 'CHANNEL_RECONCILE_FAILED');
      return false;
    }
    this.#claims.set(channel, { target: seq, needHolds: claim?.needHolds ?? false, peer, askedTo: have, askedAt: 0, progressAt: this.#o.clock.now() });
    this.#alarm(channel, `Peer ${this.#o.directory.label(peer)} holds this terminal's entries up to ${seq} of channel ${channel.slice(0, 12)}, this database only up to ${have} (a restored backup or lost database file?). Fetching them back before signing anything new on that channel.`, 'CHANNEL_RECONCILING');
    this.#ask(channel);
    return true;
  }

  /**
   * A peer relayed an authentic entry that contradicts the log held here (ReceiveOutcome.conflicts):
   * when it is our own, our own log forked. `equivocation`: it differs at `seq`; `previous`: its
   * chain parts from ours at or before `seq` - 1 (the peer is asked for its copies to find where);
   * `cited`: a peer's entry names our entry `seq` with another hash (its word: its copies are asked for).
   */
  conflict(peer: string, c: LogConflict): void {
    if (c.author !== this.#o.self || !this.#o.directory.shares(c.channel, peer)) return;
    if (c.kind === 'equivocation') this.#forked(peer, c.channel, c.seq, true);
    else if (c.kind === 'cited') this.#suspect(peer, c.channel, c.seq, `cites this terminal's entry #${c.seq} with another hash`);
    else if (c.seq > 1) {
      this.#forked(peer, c.channel, c.seq - 1, false);
      this.#askCopies(peer, c.channel, c.seq - 1);
    }
  }

  /**
   * A peer refuses our own entries of `channel` as contradicting what it holds of our log (up to
   * `upTo`): from a peer that sends no `heads`, the first sign of a fork. Its word proves nothing,
   * so its copies are asked for, as for a `heads` hash that differs.
   */
  refused(peer: string, channel: string, code: string, upTo: number): void {
    if (code !== 'ENTRY_EQUIVOCATION' && code !== 'ENTRY_WRONG_PREVIOUS_HASH') return;
    this.#suspect(peer, channel, upTo, `refuses this terminal's entries (${code})`);
  }

  /** A peer's word that it holds other own entries of ours up to `upTo`: its copies are asked for, the channel waits. */
  #suspect(peer: string, channel: string, upTo: number, why: string): void {
    const seq = Math.min(upTo, this.#o.head(channel));
    if (seq < 1 || !this.#o.directory.shares(channel, peer) || this.#forks.has(channel) || this.#checks.has(channel) || this.#distrusted.has(`${channel}/${peer}`)) return;
    const now = this.#o.clock.now();
    this.#checks.set(channel, { peer, seq, since: now, askedAt: now });
    this.#o.log?.warn({ channel, peer }, `peer ${this.#o.directory.label(peer)} ${why} on channel ${channel.slice(0, 12)}: asking for its copies of this terminal's log before signing there`);
    this.#askCopies(peer, channel, seq);
  }

  /** Compares the hash a peer holds at `seq` with ours; the channel waits meanwhile. */
  #compare(peer: string, channel: string, seq: number, hash: string): void {
    // The usual case, the peer holding all of our log: compared with the head in memory, at once.
    if (seq === this.#o.head(channel)) {
      const head = this.#headHash(channel);
      if (head === hash) return;
    }
    const ours = this.#o.ownHash ?? ((_c: string, s: number) => Promise.resolve(s === this.#o.head(channel) ? this.#headHash(channel) : undefined));
    this.#comparing.set(channel, (this.#comparing.get(channel) ?? 0) + 1);
    const settle = (differs: boolean) => {
      const left = (this.#comparing.get(channel) ?? 1) - 1;
      if (left > 0) this.#comparing.set(channel, left);
      else this.#comparing.delete(channel);
      if (differs && !this.#forks.has(channel) && !this.#distrusted.has(`${channel}/${peer}`)) {
        this.#checks.set(channel, { peer, seq, since: this.#o.clock.now(), askedAt: this.#o.clock.now() });
        this.#o.log?.warn({ channel, peer, seq, code: 'CHANNEL_RECONCILING' }, `peer ${this.#o.directory.label(peer)} holds another own entry of this terminal at #${seq} than this database: asking for its copies before signing there`);
        this.#askCopies(peer, channel, seq);
      }
      this.#reconciledIfFree(channel);
    };
    ours(channel, seq).then(
      (h) => settle(h !== undefined && h !== hash),
      (e: unknown) => {
        this.#o.log?.warn({ channel, err: (e as Error).message }, 'could not read an own entry to compare with a peer\'s holds');
        settle(false);
      },
    );
  }

  #headHash(channel: string): string | undefined {
    // Called only for a channel shared with a peer, so held here (not a scan of every channel id).
    try {
      return this.#o.directory.channel?.(channel).head(this.#o.self)?.hash;
    } catch {
      return undefined;
    }
  }

  /** Asks `peer` for its copies of our own entries up to `seq` (one batch): what differs comes back as a conflict. */
  #askCopies(peer: string, channel: string, seq: number): void {
    const ask = this.#o.streams.ask(peer);
    if (!ask) return;
    ask({ channel, author: this.#o.self, fromSeq: Math.max(1, seq - ASK_MAX + 1), toSeq: seq });
  }

  /** Our own log of `channel` forked at (or before, when not `exact`) `seq`: a hard stop there. */
  #forked(peer: string, channel: string, seq: number, exact: boolean): void {
    const fork = this.#forks.get(channel);
    if (fork) {
      // A lower number, or the exact one, found since: what status shows (the alarm was raised once).
      if (seq < fork.seq || (seq === fork.seq && exact && !fork.exact)) {
        fork.seq = seq;
        fork.exact = exact;
        this.#o.log?.warn({ channel, seq, exact, code: 'CHANNEL_OWN_LOG_FORKED' }, `own log of channel ${channel.slice(0, 12)} forked at ${exact ? '' : 'or before '}#${seq}`);
        this.onForked(channel);
      }
      return;
    }
    this.#forks.set(channel, { seq, exact, peer });
    this.#claims.delete(channel);
    this.#checks.delete(channel);
    this.#awaiting.delete(channel);
    this.#restored.delete(channel);
    const message = TERMINAL_ERRORS.format('CHANNEL_OWN_LOG_FORKED', { channel: channel.slice(0, 12), at: `${exact ? 'at' : 'at or before'} #${seq}`, seq, peer: this.#o.directory.label(peer) });
    this.#o.log?.warn({ channel, seq, exact, peer, code: 'CHANNEL_OWN_LOG_FORKED' }, message);
    this.#o.events.emit({ type: 'alarm', code: 'CHANNEL_OWN_LOG_FORKED', message, channel });
    this.onForked(channel);
    // Writes waiting for the channel are refused now (they see the fork when they look again).
    for (const wake of [...(this.#waiters.get(channel) ?? [])]) wake();
  }

  /** The channels whose own log forked: where, and the peer whose copy proved it (to remember across restarts). */
  forks(): Map<string, { seq: number; peer: string }> {
    return new Map([...this.#forks].map(([c, f]) => [c, { seq: f.seq, peer: f.peer }]));
  }

  /** Whether this terminal's own log of `channel` forked (its own entries are no longer pushed there). */
  isForked(channel: string): boolean {
    return this.#forks.has(channel);
  }

  /**
   * Undefined when `channel` may be signed on now; otherwise a promise that resolves once it may
   * (the peers answer within milliseconds when they are up), or rejects with CHANNEL_RECONCILING
   * after `waitMs`. A send right after a start waits for the peers' answer instead of failing.
   */
  ready(channel: string, waitMs = WRITE_WAIT_MS): Promise<void> | undefined {
    const blocked = this.#blocked(channel);
    if (!blocked) return undefined;
    if (blocked.why === 'own-log-forked') return Promise.reject(this.#forkError(channel));
    return new Promise<void>((resolve, reject) => {
      const set = this.#waiters.get(channel) ?? new Set<() => void>();
      this.#waiters.set(channel, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        // Woken by a fork rather than by the end of reconciling: refused.
        if (this.#forks.has(channel)) reject(this.#forkError(channel));
        else resolve();
      };
      const timer = setTimeout(() => {
        set.delete(done);
        try {
          this.check(channel);
          resolve();
        } catch (e) {
          reject(e as Error);
        }
      }, waitMs);
      timer.unref?.();
      set.add(done);
    });
  }

  /** Throws CHANNEL_RECONCILING (503), or CHANNEL_OWN_LOG_FORKED (409), if this terminal may not sign on `channel` now. */
  check(channel: string): void {
    const r = this.#blocked(channel);
    if (r?.why === 'own-log-forked') throw this.#forkError(channel);
    if (r) throw new TerminalError('CHANNEL_RECONCILING', { channel: channel.slice(0, 12), have: r.have, peerHolds: r.why === 'waiting-for-peers' ? 'not yet known' : String(r.peerHolds) });
  }

  #forkError(channel: string): TerminalError {
    const fork = this.#forks.get(channel)!;
    return new TerminalError('CHANNEL_OWN_LOG_FORKED', { channel: channel.slice(0, 12), at: `${fork.exact ? 'at' : 'at or before'} #${fork.seq}`, seq: fork.seq, peer: this.#o.directory.label(fork.peer) });
  }

  /** Every channel that may not be signed on now, and why. */
  reconciling(): ReconcilingChannel[] {
    const ids = new Set([...this.#forks.keys(), ...this.#checks.keys(), ...this.#comparing.keys(), ...this.#claims.keys(), ...this.#awaiting.keys()]);
    return [...ids].map((id) => this.#blocked(id)).filter((r): r is ReconcilingChannel => r !== undefined);
  }

  /** A stream of `peer` opened (it said hello): the claims of the channels it shares are asked again at once, there. */
  #streamOpened(peer: string): void {
    for (const [channel, claim] of this.#claims) {
      if (this.#o.directory.shares(channel, peer)) {
        claim.askedAt = 0;
        this.#ask(channel);
      }
    }
  }

  /** Periodic: asks again where a request went unanswered; gives up a claim that brings nothing. */
  tick(): void {
    const now = this.#o.clock.now();
    // A restored channel back from the peers: their first `holds` came before it was known here
    // (and was ignored); open their links again so that they say it anew.
    for (const channel of this.#peersUnknown) {
      if (this.#askedAgain.has(channel) || !this.#o.directory.channelIds().includes(channel)) continue;
      this.#askedAgain.add(channel);
      for (const peer of this.#o.directory.peersOf(channel)) this.resync(peer);
    }
    for (const [channel, check] of this.#checks) {
      if (now - check.since > GIVE_UP_MS) {
        // It named another hash and never sent an entry signed by our key that differs: not believed.
        this.#checks.delete(channel);
        this.#distrusted.add(`${channel}/${check.peer}`);
        this.#alarm(channel, `Peer ${this.#o.directory.label(check.peer)} said it holds another entry of this terminal at #${check.seq} of channel ${channel.slice(0, 12)} than this database, but sent none signed by this terminal for ${GIVE_UP_MS / 1000} s; continuing from ${this.#o.head(channel)}. Check that peer.`, 'CHANNEL_RECONCILE_FAILED');
        this.#reconciledIfFree(channel);
      } else if (now - check.askedAt > ASK_AGAIN_MS) {
        check.askedAt = now;
        this.#askCopies(check.peer, channel, check.seq);
      }
    }
    for (const [channel, claim] of this.#claims) {
      if (now - claim.progressAt > GIVE_UP_MS) {
        this.#claims.delete(channel);
        this.#distrusted.add(`${channel}/${claim.peer}`);
        this.#alarm(channel, `Peer ${this.#o.directory.label(claim.peer)} claimed to hold this terminal's entries up to ${claim.target} of channel ${channel.slice(0, 12)} but sent none for ${GIVE_UP_MS / 1000} s; continuing from ${this.#o.head(channel)}. Check that peer.`, 'CHANNEL_RECONCILE_FAILED');
        this.#reconciledIfFree(channel);
      } else if (now - claim.askedAt > ASK_AGAIN_MS) this.#ask(channel);
    }
    if (this.#awaiting.size && now >= this.#waitUntil) {
      // A restored channel waits for every peer, however long (its alarm said so).
      const late = [...this.#awaiting.keys()].filter((c) => !this.#restored.has(c));
      for (const channel of late) this.#awaiting.delete(channel);
      for (const channel of late) this.#reconciledIfFree(channel);
    }
  }

  #blocked(channel: string): ReconcilingChannel | undefined {
    const have = this.#o.head(channel);
    const fork = this.#forks.get(channel);
    if (fork) return { channel, have, peerHolds: 0, why: 'own-log-forked', forkedAt: fork.seq, peer: fork.peer };
    const check = this.#checks.get(channel);
    if (check) return { channel, have, peerHolds: check.seq, why: 'checking-own-log', peer: check.peer };
    if (this.#comparing.has(channel)) return { channel, have, peerHolds: 0, why: 'checking-own-log' };
    const claim = this.#claims.get(channel);
    if (claim) return { channel, have, peerHolds: claim.target, why: 'peer-holds-more' };
    if (this.#awaiting.has(channel) && (this.#restored.has(channel) || this.#o.clock.now() < this.#waitUntil)) return { channel, have, peerHolds: 0, why: 'waiting-for-peers' };
    return undefined;
  }

  #progress(channel: string): void {
    const claim = this.#claims.get(channel)!;
    claim.progressAt = this.#o.clock.now();
    if (!this.#doneIfHeld(channel) && this.#o.head(channel) >= claim.askedTo) this.#ask(channel);
  }

  /** Ends the claim on `channel` once everything claimed is held (and the peer said what it holds). */
  #doneIfHeld(channel: string): boolean {
    const claim = this.#claims.get(channel);
    const have = this.#o.head(channel);
    if (!claim || have < claim.target || claim.needHolds) return false;
    this.#claims.delete(channel);
    this.#o.log?.info({ channel, have }, 'own entries fetched back from the peers; signing again');
    this.#reconciledIfFree(channel);
    return true;
  }

  #reconciledIfFree(channel: string): void {
    if (this.#blocked(channel)) return;
    for (const wake of [...(this.#waiters.get(channel) ?? [])]) wake();
    this.#waiters.delete(channel);
    this.onReconciled(channel);
  }

  /** Asks the claiming peer's stream (or another peer of the channel) for the next own entries. */
  #ask(channel: string): void {
    const claim = this.#claims.get(channel);
    if (!claim) return;
    const peers = [claim.peer, ...this.#o.directory.peersOf(channel).filter((p) => p !== claim.peer)];
    const ask = peers.map((p) => this.#o.streams.ask(p)).find((a) => a !== undefined);
    if (!ask) return;
    const from = this.#o.head(channel) + 1;
    const to = Math.min(claim.target, from + ASK_MAX - 1);
    claim.askedTo = to;
    claim.askedAt = this.#o.clock.now();
    ask({ channel, author: this.#o.self, fromSeq: from, toSeq: to });
  }

  #alarm(channel: string, message: string, code: 'CHANNEL_RECONCILING' | 'CHANNEL_RECONCILE_FAILED'): void {
    this.#o.log?.warn({ channel, code }, message);
    this.#o.events.emit({ type: 'alarm', code, message, channel });
  }
}
