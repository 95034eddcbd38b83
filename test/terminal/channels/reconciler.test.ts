/**
 * The reconciler (#14 A1): a channel is not signed on while a peer holds more of this terminal's
 * own log than its database, or (at start-up) until the peers said how much they hold; own entries
 * are asked for from the peer's stream, and a peer that claims more than it sends is given up.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/terminal/clock.js';
import { httpAnswerOf } from '../../../src/terminal/errors.js';
import { EventBus } from '../../../src/terminal/events/event-bus.js';
import { InboundStreams } from '../../../src/terminal/federation/inbound-streams.js';
import { GIVE_UP_MS, Reconciler, type OwnWant } from '../../../src/terminal/channels/reconciler.js';

const SELF = 'S'.repeat(43);
const PEER = 'P'.repeat(43);
const CH = 'c'.repeat(64);

function setup(startWaitMs = 10_000, remembered?: ReadonlyMap<string, number>) {
  const clock = new ManualClock(1_000_000);
  const events = new EventBus();
  const heads = new Map<string, number>([[CH, 5]]);
  const alarms: string[] = [];
  events.on('alarm', (a) => alarms.push(a.code));
  const streams = new InboundStreams(clock);
  const r = new Reconciler({ self: SELF, directory: { channelIds: () => [CH], peersOf: () => [PEER], shares: (c, p) => c === CH && p === PEER, label: () => 'CN' }, head: (c) => heads.get(c) ?? 0, clock, events, streams, startWaitMs, remembered });
  const reconciled: string[] = [];
  r.onReconciled = (c) => reconciled.push(c);
  // An own entry taken back in: the committer announces it with our party as author.
  const takeBack = (seq: number) => {
    heads.set(CH, seq);
    events.emit({ type: 'entry', channel: CH, hash: 'h', author: SELF, authorCode: 'US', seq, kind: 'message', time: clock.now(), own: true, body: {} });
  };
  return { clock, r, streams, heads, alarms, reconciled, takeBack };
}

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return httpAnswerOf(e);
  }
  return undefined;
};

describe('Reconciler', () => {
  it('refuses to sign at start-up until the peer said what it holds, then allows it', () => {
    const { r, reconciled } = setup();
    r.startUp();
    const answer = refusal(() => r.check(CH));
    expect(answer?.code).toBe('CHANNEL_RECONCILING');
    expect(answer?.status).toBe(503);
    expect(r.reconciling()).toEqual([{ channel: CH, have: 5, peerHolds: 0, why: 'waiting-for-peers' }]);
    r.peerHolds(PEER, CH, 5);
    expect(() => r.check(CH)).not.toThrow();
    expect(r.reconciling()).toEqual([]);
    expect(reconciled).toEqual([CH]);
  });

  it('stops waiting for an unreachable peer after the start-up wait', () => {
    const { r, clock } = setup(3000);
    r.startUp();
    expect(refusal(() => r.check(CH))?.code).toBe('CHANNEL_RECONCILING');
    clock.advance(3000);
    r.tick();
    expect(() => r.check(CH)).not.toThrow();
  });

  it('after a restore (the database below what it remembers signing), waits for every peer with no time limit', () => {
    const { r, clock, alarms, reconciled } = setup(3000, new Map([[CH, 9]]));
    r.startUp();
    expect(alarms).toEqual(['CHANNEL_RECONCILING']);
    expect(r.restoredTarget(CH)).toBe(9);
    // Hours pass with the peer down: still nothing is signed (signing #6 could fork the own log).
    clock.advance(3_600_000);
    r.tick();
    expect(refusal(() => r.check(CH))?.code).toBe('CHANNEL_RECONCILING');
    expect(reconciled).toEqual([]);
    // The peer is back and holds only up to #5: the entries after it reached nobody, so #6 may be signed.
    r.peerHolds(PEER, CH, 5);
    expect(() => r.check(CH)).not.toThrow();
    expect(r.restoredTarget(CH)).toBeUndefined();
    expect(reconciled).toEqual([CH]);
  });

  it('a remembered channel the restored database lacks: nothing signed there until it is back and its peers answered', () => {
    const clock = new ManualClock(1_000_000);
    const events = new EventBus();
    const OLD = 'd'.repeat(64);
    const channels = [CH];
    const directory = { channelIds: () => channels, peersOf: () => [PEER], shares: (c: string, p: string) => channels.includes(c) && p === PEER, label: () => 'CN' };
    const r = new Reconciler({ self: SELF, directory, head: () => 0, clock, events, streams: new InboundStreams(clock), startWaitMs: 0, remembered: new Map([[OLD, 12]]) });
    const resynced: string[] = [];
    r.resync = (p) => resynced.push(p);
    r.startUp();
    expect(refusal(() => r.check(OLD))?.code).toBe('CHANNEL_RECONCILING');
    // The peer's first holds name the channel before it is known here: ignored.
    r.peerHolds(PEER, OLD, 0);
    clock.advance(60_000);
    r.tick();
    expect(refusal(() => r.check(OLD))?.code).toBe('CHANNEL_RECONCILING');
    expect(resynced).toEqual([]);
    // Its entries came back from the peer: the link is opened again, once, for fresh holds.
    channels.push(OLD);
    r.tick();
    r.tick();
    expect(resynced).toEqual([PEER]);
    expect(refusal(() => r.check(OLD))?.code).toBe('CHANNEL_RECONCILING');
    r.peerHolds(PEER, OLD, 0);
    expect(() => r.check(OLD)).not.toThrow();
  });

  it('an ordinary restart (nothing remembered beyond the database) keeps the bounded wait', () => {
    const { r, clock, alarms } = setup(3000, new Map([[CH, 5]]));
    r.startUp();
    expect(alarms).toEqual([]);
    clock.advance(3000);
    r.tick();
    expect(() => r.check(CH)).not.toThrow();
  });

  it('fetches own entries a peer holds beyond the database before signing again', () => {
    const { r, streams, alarms, takeBack } = setup();
    const asked: OwnWant[] = [];
    streams.attach(PEER, (w) => asked.push(w));
    r.peerHolds(PEER, CH, 2000);
    expect(alarms).toEqual(['CHANNEL_RECONCILING']);
    expect(r.reconciling()).toEqual([{ channel: CH, have: 5, peerHolds: 2000, why: 'peer-holds-more' }]);
    expect(asked).toEqual([{ channel: CH, author: SELF, fromSeq: 6, toSeq: 1029 }]);
    expect(refusal(() => r.check(CH))?.message).toMatch(/up to 5, its peers up to 2000/);
    takeBack(1029);
    expect(asked.at(-1)).toEqual({ channel: CH, author: SELF, fromSeq: 1030, toSeq: 2000 });
    expect(refusal(() => r.check(CH))?.code).toBe('CHANNEL_RECONCILING');
    takeBack(2000);
    expect(() => r.check(CH)).not.toThrow();
  });

  it('fetches own entries that a received entry depends on, and ignores other authors\' gaps', () => {
    const { r, streams, takeBack } = setup();
    const asked: OwnWant[] = [];
    const resynced: string[] = [];
    r.resync = (p) => resynced.push(p);
    streams.attach(PEER, (w) => asked.push(w));
    r.missing(PEER, CH, PEER, 40);
    expect(r.reconciling()).toEqual([]);
    r.missing(PEER, CH, SELF, 8);
    expect(r.reconciling()).toEqual([{ channel: CH, have: 5, peerHolds: 8, why: 'peer-holds-more' }]);
    expect(asked).toEqual([{ channel: CH, author: SELF, fromSeq: 6, toSeq: 8 }]);
    // What an entry cites is a lower bound: the link is opened again for the peer's holds.
    expect(resynced).toEqual([PEER]);
    takeBack(8);
    expect(r.reconciling()).toHaveLength(1);
    r.peerHolds(PEER, CH, 12);
    expect(asked.at(-1)).toEqual({ channel: CH, author: SELF, fromSeq: 9, toSeq: 12 });
    takeBack(12);
    expect(r.reconciling()).toEqual([]);
  });

  it('asks a stream that opens later, and asks again when a request goes unanswered', () => {
    const { r, streams, clock } = setup();
    r.peerHolds(PEER, CH, 9);
    const asked: OwnWant[] = [];
    streams.attach(PEER, (w) => asked.push(w));
    expect(asked).toHaveLength(1);
    clock.advance(2500);
    r.tick();
    expect(asked).toHaveLength(2);
  });

  it('a second stream of the same peer closing leaves the first one to ask', () => {
    const { r, streams } = setup();
    const first: OwnWant[] = [];
    streams.attach(PEER, (w) => first.push(w));
    const detachSecond = streams.attach(PEER, () => {});
    detachSecond();
    r.peerHolds(PEER, CH, 9);
    expect(first).toEqual([{ channel: CH, author: SELF, fromSeq: 6, toSeq: 9 }]);
  });

  it('the older stream of a peer closing after the newer said hello leaves the newer to ask (a reconnection)', () => {
    const { r, streams } = setup();
    const older: OwnWant[] = [];
    const newer: OwnWant[] = [];
    const closeOlder = streams.attach(PEER, (w) => older.push(w));
    streams.attach(PEER, (w) => newer.push(w));
    closeOlder();
    r.peerHolds(PEER, CH, 9);
    expect([older, newer]).toEqual([[], [{ channel: CH, author: SELF, fromSeq: 6, toSeq: 9 }]]);
  });

  it('gives up a peer that claims entries it never sends, with an alarm', () => {
    const { r, clock, alarms, reconciled } = setup();
    r.peerHolds(PEER, CH, 50);
    clock.advance(GIVE_UP_MS + 1);
    r.tick();
    expect(alarms).toContain('CHANNEL_RECONCILE_FAILED');
    expect(() => r.check(CH)).not.toThrow();
    expect(reconciled).toEqual([CH]);
  });

  it('does not wait again for a peer whose claim was given up, and alarms that once', () => {
    const { r, clock, alarms } = setup();
    r.peerHolds(PEER, CH, 50);
    clock.advance(GIVE_UP_MS + 1);
    r.tick();
    alarms.length = 0;
    // The peer reconnects and claims again, more each time: signing is no longer held up.
    for (const seq of [50, 60, 70]) {
      r.peerHolds(PEER, CH, seq);
      expect(() => r.check(CH)).not.toThrow();
    }
    expect(alarms).toEqual(['CHANNEL_RECONCILE_FAILED']);
  });

  it('ignores what a party outside the channel says of it', () => {
    const { r, streams, alarms } = setup();
    const asked: OwnWant[] = [];
    streams.attach('O'.repeat(43), (w) => asked.push(w));
    r.peerHolds('O'.repeat(43), CH, 2000);
    r.missing('O'.repeat(43), CH, SELF, 2000);
    expect(() => r.check(CH)).not.toThrow();
    expect(alarms).toEqual([]);
    expect(asked).toEqual([]);
  });

  describe('a write on a channel being reconciled', () => {
    afterEach(() => vi.useRealTimers());

    it('goes ahead at once when the channel is free, and waits for the peers\' answer otherwise', async () => {
      const { r, takeBack } = setup();
      expect(r.ready(CH)).toBeUndefined();
      r.startUp();
      const waiting = r.ready(CH)!;
      let done = false;
      void waiting.then(() => (done = true));
      await Promise.resolve();
      expect(done).toBe(false);
      r.peerHolds(PEER, CH, 7);
      await Promise.resolve();
      expect(done).toBe(false); // the peer holds more: fetched back first
      takeBack(7);
      await waiting;
      expect(done).toBe(true);
    });

    it('is refused with CHANNEL_RECONCILING when the wait runs out', async () => {
      vi.useFakeTimers();
      const { r } = setup();
      r.peerHolds(PEER, CH, 9);
      const waiting = r.ready(CH, 5000)!;
      const outcome = waiting.then(() => 'written', (e: unknown) => httpAnswerOf(e)?.code);
      await vi.advanceTimersByTimeAsync(5000);
      expect(await outcome).toBe('CHANNEL_RECONCILING');
    });
  });
});
