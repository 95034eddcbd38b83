/**
 * The own-entry writer: every entry this terminal signs (charter actions, messages,
 * acknowledgements, receipts, link tests) is composed, taken into its channel's log and committed
 * here. The use cases of ChannelActions, called by the officer API, the CLI and the schedulers.
 */
import {
  ChannelLog,
  DEFAULT_ACK_DEADLINES,
  HotlineProtocolError,
  checkCharter,
  composeEntry,
  isWriter,
  printable,
  proposeChannel,
  protocolError,
  validateBody,
  type BodyOf,
  type Charter,
  type EntryKind,
  type OfficerRef,
  type Role,
  type SealedEntry,
  type Signer,
} from '../../protocol/index.js';
import type { Clock } from '../clock.js';
import { TerminalError } from '../errors.js';
import type { ChannelCommitter } from './channel-committer.js';
import { MAX_FUTURE_SKEW_MS } from './receiver.js';
import type { ChannelRegistry } from './channel-registry.js';
import type { ReconcilingChannel } from './reconciler.js';
import { DEFAULT_CHARTER_ROLES, type ChannelView, type ProposeInput } from './channel-types.js';
import type { BatchWriteOptions, ChannelActions, MessageFinder, PeerDirectory, WriteOptions } from './ports.js';

export interface OwnWriterOptions {
  readonly registry: ChannelRegistry;
  readonly committer: Pick<ChannelCommitter, 'commit' | 'fresh'>;
  /** This terminal's key (certified by its party's root key). */
  readonly signer: Signer;
  readonly clock: Clock;
  readonly peers: Pick<PeerDirectory, 'resolveParty'>;
  readonly messages: Pick<MessageFinder, 'findMessage' | 'acknowledgers'>;
  /** Told once each time the clock is found behind the log (CLOCK_BEHIND_LOG), for the alarm. */
  readonly onClockBehind?: (error: TerminalError, channel: string) => void;
  /** Told once per channel and key when this terminal's own key is found revoked there (OWN_KEY_REVOKED), for the alarm. */
  readonly onOwnKeyRevoked?: (error: TerminalError, channel: string) => void;
}

/**
 * How far the clock may be behind an author's last entry and still be stamped with that entry's
 * time (entry times never go backwards): NTP's slews and steps of a few milliseconds. Beyond it
 * the terminal refuses to sign (CLOCK_BEHIND_LOG) instead of stamping a time that is not now.
 */
export const CLOCK_TOLERANCE_MS = 1000;

/**
 * What an operator does about a clock behind the own log (CLOCK_BEHIND_LOG). Behind by less than
 * a peer's tolerance of future times (MAX_FUTURE_SKEW_MS), waiting costs at most that long. Behind
 * by more, the clock ran far ahead (a bad NTP server): every peer refused the own entries dated
 * that far ahead as from the future, and the channel would stay wedged until the clock caught up.
 * Those entries are named, with the repair that removes them; the repair itself refuses when a
 * peer is known to hold any of them, and the next start fetches back any a peer took.
 */
export function clockBehindAdvice(log: ChannelLog, self: string, now: number, last: number): string {
  const passes = new Date(last).toISOString();
  const first = last - now > MAX_FUTURE_SKEW_MS ? log.firstDatedAfter(self, now + CLOCK_TOLERANCE_MS) : undefined;
  if (!first) return `signing resumes by itself once the clock passes ${passes}.`;
  const channel = log.id.slice(0, 12);
  // Which clock was wrong cannot be told from here: a clock set back now (the peers took these
  // entries: nothing to repair) looks the same as one that ran ahead before (they refused them).
  return (
    `signing resumes by itself only once the clock passes ${passes}. Which clock was wrong decides what to do. If this clock is behind now (it was set back), ` +
    `set it right (NTP): signing resumes at once and nothing is to be repaired. If it is right now and ran that far ahead before, this terminal's entries dated after now ` +
    `(#${first.seq}${first.exact ? '' : ' or earlier'} to #${log.heldCount(self)}) were refused by the peers as from the future (the link shows \`refusing\`, ` +
    `ENTRY_MALFORMED "lies in the future"); to resume now, stop this terminal, run ` +
    `\`hotline repair --data DIR --forked ${channel} --from ${first.seq}\` (it removes them, and refuses if a peer holds any: then the peers took them and nothing is removed), ` +
    `and start it with its peers reachable; the messages it removed must be sent again (docs/operations.md "Clocks").`
  );
}

/**
 * The channels whose own last entry is dated ahead of the clock beyond the tolerance (the clock
 * ran ahead and was set back: nothing is signed there, CLOCK_BEHIND_LOG), for status and readiness
 * beside the reconciling ones: `peerHolds` is the last own entry dated now or earlier, and the
 * entries after it are the ones `hotline repair --forked CHANNEL --from peerHolds+1` would remove.
 */
export function clockBehindChannels(registry: Pick<ChannelRegistry, 'channelIds' | 'channel'>, self: string, now: number, skip: ReadonlySet<string> = new Set()): ReconcilingChannel[] {
  const out: ReconcilingChannel[] = [];
  for (const id of registry.channelIds()) {
    if (skip.has(id)) continue;
    const log = registry.channel(id);
    if (log.next(self).minTime - now <= CLOCK_TOLERANCE_MS) continue;
    const have = log.heldCount(self);
    const first = log.firstDatedAfter(self, now + CLOCK_TOLERANCE_MS);
    out.push({ channel: id, have, peerHolds: (first?.seq ?? have) - 1, why: 'clock-behind-log' });
  }
  return out;
}

/**
 * The channels where `key`, this terminal's signing key, is revoked at `now` (with the time from
 * which): every entry it signed there would be refused (OWN_KEY_REVOKED). For the status.
 */
export function ownKeyRevokedChannels(registry: Pick<ChannelRegistry, 'channelIds' | 'channel'>, self: string, key: string, now: number): Array<{ channel: string; from: number }> {
  const out: Array<{ channel: string; from: number }> = [];
  for (const id of registry.channelIds()) {
    const k = registry.channel(id).currentKey(self, key, now);
    if (!k.ok && k.code === 'ENTRY_KEY_REVOKED') out.push({ channel: id, from: k.revokedAt ?? now });
  }
  return out;
}

/** Signs and commits this terminal's own entries. */
export class OwnWriter implements ChannelActions {
  readonly #o: OwnWriterOptions;
  /**
   * Refuses to sign on a channel that may not be signed on now (CHANNEL_RECONCILING: the
   * reconciler, wired by the composition root); by default every channel may be.
   */
  gate: { ready(channel: string): Promise<void> | undefined } = { ready: () => undefined };
  /** Refuses messages beyond the cap of unreceipted ones for a peer (backlog.ts); none by default. */
  backlog: { check(channel: string, adding: number): void } = { check: () => undefined };
  #clockBehind = false;
  /** Channel and key pairs whose OWN_KEY_REVOKED was alarmed (receipts and link tests retry often). */
  readonly #revokedAlarmed = new Set<string>();

  constructor(options: OwnWriterOptions) {
    this.#o = options;
  }

  get #self(): string {
    return this.#o.registry.self.party;
  }

  /** Proposes a new channel; returns its view. */
  async propose(input: ProposeInput): Promise<ChannelView> {
    const { registry } = this.#o;
    const roles: Role[] = input.roles ?? [...DEFAULT_CHARTER_ROLES];
    const others = [];
    for (const p of input.parties) others.push(await this.#o.peers.resolveParty(p));
    const parties = [{ party: this.#self, code: registry.self.code }, ...others.filter((o) => o.party !== this.#self)];
    const charter: Charter = {
      title: input.title,
      tier: input.tier,
      parties: parties.map((p) => ({ ...p, roles })),
      languages: input.languages ?? Object.keys(input.title),
      linkTestIntervalSec: input.linkTestIntervalSec ?? 60,
      ackDeadlineSec: { ...DEFAULT_ACK_DEADLINES, ...input.ackDeadlineSec },
      ...(input.expires !== undefined ? { expires: input.expires } : {}),
      ...(input.note ? { note: input.note } : {}),
      ...(input.dialogue ? { dialogue: input.dialogue } : {}),
      ...(input.formats?.length ? { formats: input.formats } : {}),
      ...(input.protocol === 2 ? { protocol: 2 as const } : {}),
    };
    const problem = checkCharter(charter, this.#self);
    if (problem) throw new HotlineProtocolError(problem);
    const sealed = proposeChannel(this.#o.signer, this.#self, charter, this.#o.clock.now());
    const founded = ChannelLog.found(sealed, registry.keys, {}, registry.formats);
    if (!founded.ok) throw new HotlineProtocolError(founded.error);
    registry.add(founded.log);
    await this.#o.committer.commit(founded.log, [sealed], { own: true, before: 'proposed' });
    return registry.view(founded.log.id);
  }

  /** Writes an own entry of `kind` to a channel (accept, decline, suspend, message, ack, ...). */
  async write<K extends EntryKind>(channelIdOrPrefix: string, kind: K, body: BodyOf<K>, options: WriteOptions = {}): Promise<SealedEntry<K>> {
    const log = await this.#ready(channelIdOrPrefix);
    const before = log.state(this.#o.clock.now()).state;
    if (kind === 'message' && before !== 'active') throw notActive(log, before, this.#o.clock.now(), (p) => printable(this.#o.registry.label(p)));
    if (kind === 'message') this.backlog.check(log.id, 1);
    await this.#o.registry.memory.prepare(log, kind, body);
    const sealed = this.#seal(log, kind, body);
    await this.#o.committer.commit(log, [sealed], { own: true, before, audit: options.audit?.(sealed), idempotent: options.idempotent?.(sealed) });
    return sealed;
  }

  /**
   * Writes a checkpoint (docs/protocol.md §15.1): its commitment is computed when it is sealed,
   * over the very causal past it is sealed with, so nothing received meanwhile can make it wrong.
   */
  async checkpoint(channelIdOrPrefix: string, options: WriteOptions = {}): Promise<SealedEntry<'checkpoint'>> {
    const log = await this.#ready(channelIdOrPrefix);
    const before = log.state(this.#o.clock.now()).state;
    const sealed = this.#seal(log, 'checkpoint', log.checkpointBody(this.#self));
    await this.#o.committer.commit(log, [sealed], { own: true, before, audit: options.audit?.(sealed), idempotent: options.idempotent?.(sealed) });
    return sealed;
  }

  /**
   * The log an own entry is written on, once it follows the database: after a reconciliation under
   * way, and after the reload of a channel whose commit failed (an entry chained on a log that
   * holds what the database does not would be refused, or worse, refer to an entry never stored).
   * Taken afresh after both: a reload replaces the log.
   */
  async #ready(channelIdOrPrefix: string): Promise<ChannelLog> {
    const id = this.#o.registry.channel(channelIdOrPrefix).id;
    const reloading = this.#o.committer.fresh(id);
    if (reloading) await reloading;
    const reconciling = this.gate.ready(id);
    if (reconciling) await reconciling;
    return this.#o.registry.channel(id);
  }

  /** Composes an own entry and takes it into its log (it chains on what the log holds). */
  #seal<K extends EntryKind>(log: ChannelLog, kind: K, body: BodyOf<K>): SealedEntry<K> {
    this.#mayWrite(log);
    const now = this.#o.clock.now();
    const last = log.next(this.#self).minTime;
    if (last - now > CLOCK_TOLERANCE_MS) {
      const iso = (t: number) => new Date(t).toISOString();
      const error = new TerminalError('CLOCK_BEHIND_LOG', { now: iso(now), seconds: ((last - now) / 1000).toFixed(1), channel: log.id.slice(0, 12), last: iso(last), hint: clockBehindAdvice(log, this.#self, now, last) });
      if (!this.#clockBehind) this.#o.onClockBehind?.(error, log.id);
      this.#clockBehind = true;
      throw error;
    }
    this.#clockBehind = false;
    // Whatever made the body (an officer's request, a scheduler's figures), this terminal never
    // signs one its peers would refuse as malformed (§4.4 step 7): a signed malformed entry would
    // stop its log on the channel for good, under its own signature.
    const bodyProblem = validateBody[kind].firstError(body);
    if (bodyProblem) throw new HotlineProtocolError(protocolError('ENTRY_MALFORMED', { detail: `this terminal did not sign a ${kind} entry whose body is invalid (${bodyProblem})` }));
    const sealed = composeEntry(log, this.#o.signer, this.#self, kind, body, now);
    const r = log.ingest(sealed, { signatureChecked: true });
    if (r.status === 'accepted') return sealed;
    const error = 'error' in r ? r.error : protocolError('ENTRY_MALFORMED', { detail: r.status });
    // This terminal's own key is revoked in the channel: say what to do, not how to read the entry.
    if (error.code !== 'ENTRY_KEY_REVOKED') throw new HotlineProtocolError(error);
    const revoked = new TerminalError('OWN_KEY_REVOKED', { key: `${this.#o.signer.publicKey.slice(0, 16)}…`, channel: log.id.slice(0, 12), from: String(error.details.revokedAt ?? '?') });
    const alarmKey = `${log.id}/${this.#o.signer.publicKey}`;
    if (!this.#revokedAlarmed.has(alarmKey)) this.#o.onOwnKeyRevoked?.(revoked, log.id);
    this.#revokedAlarmed.add(alarmKey);
    throw revoked;
  }

  /** Refuses (CHANNEL_LEFT) to write to a channel this party is not a writer of (removed, or its addition declined or withdrawn). */
  #mayWrite(log: ChannelLog): void {
    const d = log.state(this.#o.clock.now());
    if (isWriter(d, this.#self)) return;
    const view = this.#o.registry.view(log.id);
    const left = view.left;
    const how = !left
      ? 'it is neither a party of the charter in force nor of an amendment pending in it.'
      : left.outcome === 'removed'
        ? `the amendment of ${new Date(left.at).toISOString()} proposed by ${left.by} ("${left.reason}"), adopted by every party, removed it.`
        : `the amendment of ${new Date(left.at).toISOString()} proposed by ${left.by} ("${left.reason}") that would have added it was ${left.outcome}.`;
    throw new TerminalError('CHANNEL_LEFT', { party: this.#o.registry.label(this.#self), standing: left?.outcome === 'removed' ? 'no longer' : 'not', channel: log.id.slice(0, 12), how });
  }

  /** The pending proposal or amendment a charter answer refers to. */
  #awaitingAnswer(channel: string, kind: 'charter.accept' | 'charter.decline'): { log: ChannelLog; target: string } {
    const log = this.#o.registry.channel(channel);
    const d = log.state(this.#o.clock.now());
    // Of amendments pending at once (proposed concurrently, §5.3), the first this party has not answered.
    const pendings = d.amendments.filter((a) => a.status === 'pending');
    const target = d.state === 'proposed' ? d.proposalHash : pendings.find((a) => a.needed.has(this.#self) && !a.accepted.has(this.#self))?.hash;
    if (!target) {
      const answered = pendings.map((a) => `${a.hash.slice(0, 12)} proposed by ${this.#o.registry.label(a.proposer)}`).join(', ');
      const hint = answered ? `This party has already answered every pending amendment (${answered}); the others' answers are awaited.` : 'There is no proposal or amendment awaiting an answer.';
      throw new HotlineProtocolError(protocolError('ENTRY_KIND_NOT_ALLOWED', { kind, state: d.state, why: '', hint }));
    }
    return { log, target };
  }

  /** Accepts the pending proposal or amendment of a channel. */
  async accept(channel: string, options?: WriteOptions): Promise<SealedEntry> {
    const { log, target } = this.#awaitingAnswer(channel, 'charter.accept');
    // Every party of the charter accepted must be a paired peer: a party whose card this terminal
    // lacks could neither check its entries nor have its own checked (README, "Pairing").
    const d = log.state(this.#o.clock.now());
    const charter = d.state === 'proposed' ? d.charter : d.amendments.find((a) => a.hash === target)?.charter;
    const unpaired = (charter?.parties ?? []).filter((p) => p.party !== this.#self && this.#o.registry.keys.card(p.party) === undefined);
    if (unpaired.length > 0) throw new TerminalError('CHARTER_PARTY_NOT_PAIRED', { channel: log.id.slice(0, 12), parties: unpaired.map((p) => p.code).join(', ') });
    return this.write(log.id, 'charter.accept', { charter: target }, options);
  }

  /** Declines the pending proposal or amendment. */
  async decline(channel: string, reason: string, options?: WriteOptions): Promise<SealedEntry> {
    const { log, target } = this.#awaitingAnswer(channel, 'charter.decline');
    return this.write(log.id, 'charter.decline', { charter: target, reason }, options);
  }

  /** Withdraws this party's own proposal (or pending amendment). */
  async withdraw(channel: string, reason: string, options?: WriteOptions): Promise<SealedEntry> {
    const log = this.#o.registry.channel(channel);
    const d = log.state(this.#o.clock.now());
    const own = d.amendments.find((a) => a.status === 'pending' && a.proposer === this.#self);
    return this.write(log.id, 'charter.withdraw', { charter: d.state === 'proposed' ? d.proposalHash : (own?.hash ?? d.proposalHash), reason }, options);
  }

  /** Sends a message. */
  async send(channel: string, message: BodyOf<'message'>, options?: WriteOptions): Promise<SealedEntry<'message'>> {
    return this.write(channel, 'message', message, options);
  }

  /**
   * Sends several messages at once (a gateway's batch): each is its own signed entry, in order,
   * and all of them commit in one transaction with the audit record of `options.audit`, or none
   * does. Everything that could refuse one of them is checked before the first is signed.
   */
  async sendMany(channel: string, messages: ReadonlyArray<BodyOf<'message'>>, options: BatchWriteOptions = {}): Promise<Array<SealedEntry<'message'>>> {
    if (messages.length === 0) return [];
    const log = await this.#ready(channel);
    const before = log.state(this.#o.clock.now()).state;
    if (before !== 'active') throw notActive(log, before, this.#o.clock.now(), (p) => printable(this.#o.registry.label(p)));
    this.#mayWrite(log);
    this.backlog.check(log.id, messages.length);
    for (const m of messages) await this.#o.registry.memory.prepare(log, 'message', m);
    messages.forEach((m, i) => {
      if (m.replyTo && log.referent(m.replyTo)?.kind !== 'message')
        throw new TerminalError('BAD_REQUEST', { detail: `Message ${i + 1} of the batch answers ${m.replyTo.slice(0, 12)}, which is not a message of this channel; nothing was sent. Fix or drop its replyTo.` });
    });
    const sealed: Array<SealedEntry<'message'>> = [];
    for (const m of messages) {
      try {
        sealed.push(this.#seal(log, 'message', m));
      } catch (e) {
        // Checked above, so this is a fault; the ones already taken into the log must still be
        // stored (the next entry chains on them), and the caller hears how far the batch got.
        if (sealed.length) await this.#o.committer.commit(log, sealed, { own: true, before });
        throw new TerminalError('BAD_REQUEST', { detail: `Message ${sealed.length + 1} of the batch was refused (${(e as Error).message}); the ${sealed.length} before it were sent.` });
      }
    }
    await this.#o.committer.commit(log, sealed, { own: true, before, audit: options.audit?.(sealed), idempotent: options.idempotent?.(sealed) });
    return sealed;
  }

  /** Acknowledges a message of the other side, as an officer. */
  async acknowledge(messageHashOrPrefix: string, officer: OfficerRef, note?: string, options?: WriteOptions & { again?: boolean }): Promise<SealedEntry<'ack'>> {
    const row = await this.#o.messages.findMessage(messageHashOrPrefix);
    if (row.author === this.#self) throw new TerminalError('MESSAGE_OWN', { message: row.hash.slice(0, 12) });
    // A second acknowledgement by the same officer is a mistake unless said to be deliberate (#14 D11).
    if (!options?.again && (await this.#o.messages.acknowledgers(row.channel, row.hash, this.#self)).some((o) => o.name === officer.name))
      throw new TerminalError('ACK_REPEATED', { message: row.hash.slice(0, 12), officer: printable(officer.name) });
    return this.write(row.channel, 'ack', { message: row.hash, officer, ...(note ? { note } : {}) }, options);
  }
}

/** CHANNEL_NOT_ACTIVE for a message on a channel in `state`. */
function notActive(log: ChannelLog, state: string, now: number, label: (party: string) => string): TerminalError {
  // Who holds a suspension: each party holds its own, and only it can lift it (§5.4).
  const holders = state === 'suspended' ? [...log.state(now).suspendedBy.keys()].map(label) : [];
  return new TerminalError('CHANNEL_NOT_ACTIVE', { channel: log.id.slice(0, 12), state, hint: notActiveHint(state, holders) });
}

function notActiveHint(state: string, holders: readonly string[]): string {
  switch (state) {
    case 'proposed':
      return 'Every party must accept the charter first (`hotline channel accept`).';
    case 'suspended':
      return holders.length > 0 ? `Suspended by ${holders.join(', ')}: only ${holders.length === 1 ? 'that party' : 'each of them'} can resume it (\`hotline channel resume\` on its own terminal).` : 'The suspending party must resume it (`hotline channel resume`).';
    default:
      return 'Propose a new channel to talk again.';
  }
}
