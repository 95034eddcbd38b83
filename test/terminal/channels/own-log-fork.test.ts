/**
 * A forked own log (the whole data directory restored from an old backup, the peers down longer
 * than the start-up wait, new own entries signed at numbers a peer already holds): recognised
 * from the hash a peer's `holds` names, or from an own entry the peer relays that contradicts
 * ours; a hard stop on that channel with CHANNEL_OWN_LOG_FORKED, which does not blame the peer.
 * A peer that merely names another hash and proves nothing is given up, as a lying claim is.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetOwnFork, OWN_HEADS_FILE, OwnHeadsWriter, readOwnForks, readOwnHeads } from '../../../src/terminal/channels/own-heads.js';
import { ManualClock } from '../../../src/terminal/clock.js';
import { httpAnswerOf } from '../../../src/terminal/errors.js';
import { EventBus } from '../../../src/terminal/events/event-bus.js';
import { InboundStreams } from '../../../src/terminal/federation/inbound-streams.js';
import { GIVE_UP_MS, Reconciler, type OwnWant } from '../../../src/terminal/channels/reconciler.js';

const SELF = 'S'.repeat(43);
const PEER = 'P'.repeat(43);
const CH = 'c'.repeat(64);
const hashOf = (seq: number) => `${seq}`.padStart(64, 'a');
const OTHER = 'f'.repeat(64);

function setup(rememberedForks?: ReadonlyMap<string, { seq: number; peer: string }>) {
  const clock = new ManualClock(1_000_000);
  const events = new EventBus();
  const heads = new Map<string, number>([[CH, 5]]);
  const alarms: Array<{ code: string; message: string }> = [];
  events.on('alarm', (a) => alarms.push({ code: a.code, message: a.message }));
  const streams = new InboundStreams(clock);
  const r = new Reconciler({
    self: SELF,
    streams,
    directory: {
      channelIds: () => [CH],
      peersOf: () => [PEER],
      shares: (c, p) => c === CH && p === PEER,
      label: (p) => (p === PEER ? 'CN' : 'US'),
      channel: () => ({ head: (a: string) => (a === SELF ? { seq: heads.get(CH)!, hash: hashOf(heads.get(CH)!) } : undefined) }) as never,
    },
    head: (c) => heads.get(c) ?? 0,
    clock,
    events,
    startWaitMs: 3000,
    ownHash: async (_c, seq) => (seq <= (heads.get(CH) ?? 0) ? hashOf(seq) : undefined),
    rememberedForks,
  });
  const wants: OwnWant[] = [];
  streams.attach(PEER, (w) => wants.push(w));
  return { clock, r, heads, alarms, wants };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return httpAnswerOf(e);
  }
  return undefined;
};

describe('a forked own log', () => {
  it('holds naming the hash of our head: nothing to wait for, compared in memory', () => {
    const { r, alarms } = setup();
    r.startUp();
    r.peerHolds(PEER, CH, 5, hashOf(5));
    expect(r.reconciling()).toEqual([]);
    expect(() => r.check(CH)).not.toThrow();
    expect(alarms).toEqual([]);
  });

  it('holds naming the hash this terminal holds at an older seq: nothing to do once compared', async () => {
    const { r, alarms } = setup();
    r.startUp();
    r.peerHolds(PEER, CH, 4, hashOf(4));
    expect(r.reconciling()[0]?.why).toBe('checking-own-log');
    await settle();
    expect(r.reconciling()).toEqual([]);
    expect(() => r.check(CH)).not.toThrow();
    expect(alarms).toEqual([]);
  });

  it('holds naming another hash: the peer is asked for its copies, an own entry that differs stops the channel for good', async () => {
    const { r, alarms, wants, clock } = setup();
    r.startUp();
    r.peerHolds(PEER, CH, 5, OTHER);
    await settle();
    // Not believed on its word: the channel waits while the peer is asked for its copies of #1..#5.
    expect(r.reconciling()).toEqual([{ channel: CH, have: 5, peerHolds: 5, why: 'checking-own-log', peer: PEER }]);
    expect(refusal(() => r.check(CH))?.code).toBe('CHANNEL_RECONCILING');
    expect(wants).toEqual([{ channel: CH, author: SELF, fromSeq: 1, toSeq: 5 }]);
    const waiting = r.ready(CH, 60_000)!;

    // Its copies come back: #1..#3 duplicates, #4 and #5 signed by our key with other content.
    r.conflict(PEER, { channel: CH, author: SELF, seq: 4, kind: 'equivocation' });
    r.conflict(PEER, { channel: CH, author: SELF, seq: 5, kind: 'equivocation' });
    expect(alarms.map((a) => a.code)).toEqual(['CHANNEL_OWN_LOG_FORKED']);
    const message = alarms[0]!.message;
    expect(message).toContain(`own log of channel ${CH.slice(0, 12)} forked at #4`);
    expect(message).toContain('CN is not at fault');
    expect(message).toContain(`hotline repair --data DIR --forked ${CH.slice(0, 12)} --from 4`);
    expect(message).not.toMatch(/check that peer/i);

    // A hard stop: writes refused at once (409), the one waiting too; status says why and where.
    const answer = refusal(() => r.check(CH));
    expect(answer).toMatchObject({ code: 'CHANNEL_OWN_LOG_FORKED', status: 409 });
    await expect(waiting).rejects.toMatchObject({ code: 'CHANNEL_OWN_LOG_FORKED' });
    await expect(r.ready(CH)!).rejects.toMatchObject({ code: 'CHANNEL_OWN_LOG_FORKED' });
    expect(r.reconciling()).toEqual([{ channel: CH, have: 5, peerHolds: 0, why: 'own-log-forked', forkedAt: 4, peer: PEER }]);
    expect(r.isForked(CH)).toBe(true);

    // Time passes, the peer reconnects and says the same: still stopped, no "check that peer".
    clock.advance(GIVE_UP_MS * 3);
    r.tick();
    r.peerHolds(PEER, CH, 5, OTHER);
    await settle();
    expect(r.reconciling()[0]?.why).toBe('own-log-forked');
    expect(alarms.map((a) => a.code)).toEqual(['CHANNEL_OWN_LOG_FORKED']);
  });

  it('a peer holding more whose copies do not chain on ours: forked at or before our head, then found exactly', async () => {
    const { r, alarms, wants } = setup();
    r.startUp();
    // The peer holds our log up to #8 (the original chain); this database forked after #2 and has #3..#5 of its own.
    r.peerHolds(PEER, CH, 8);
    expect(r.reconciling()[0]?.why).toBe('peer-holds-more');
    expect(wants.at(-1)).toEqual({ channel: CH, author: SELF, fromSeq: 6, toSeq: 8 });
    // #6 comes back and its previous hash is not our #5.
    r.conflict(PEER, { channel: CH, author: SELF, seq: 6, kind: 'previous' });
    expect(alarms.map((a) => a.code)).toEqual(['CHANNEL_RECONCILING', 'CHANNEL_OWN_LOG_FORKED']);
    expect(alarms[1]!.message).toContain('forked at or before #5');
    expect(r.reconciling()[0]).toMatchObject({ why: 'own-log-forked', forkedAt: 5 });
    // Its copies of #1..#5 were asked for: #3 is the first that differs.
    expect(wants.at(-1)).toEqual({ channel: CH, author: SELF, fromSeq: 1, toSeq: 5 });
    r.conflict(PEER, { channel: CH, author: SELF, seq: 3, kind: 'equivocation' });
    r.conflict(PEER, { channel: CH, author: SELF, seq: 4, kind: 'equivocation' });
    expect(r.reconciling()[0]).toMatchObject({ why: 'own-log-forked', forkedAt: 3 });
    expect(refusal(() => r.check(CH))?.message).toContain('forked at #3');
    expect(alarms.filter((a) => a.code === 'CHANNEL_OWN_LOG_FORKED')).toHaveLength(1);
  });

  it('a peer that names another hash and never proves it is given up: a lying peer cannot stop the writing', async () => {
    const { r, alarms, clock } = setup();
    r.startUp();
    r.peerHolds(PEER, CH, 5, OTHER);
    await settle();
    expect(refusal(() => r.check(CH))?.code).toBe('CHANNEL_RECONCILING');
    clock.advance(GIVE_UP_MS + 1);
    r.tick();
    expect(() => r.check(CH)).not.toThrow();
    expect(alarms.map((a) => a.code)).toEqual(['CHANNEL_RECONCILE_FAILED']);
    // Its next word is not waited for again.
    r.peerHolds(PEER, CH, 5, OTHER);
    await settle();
    expect(() => r.check(CH)).not.toThrow();
  });

  it('a peer that sends no heads but refuses our entries as contradicting its copy: its copies are asked for, and prove the fork', () => {
    const { r, alarms, wants } = setup();
    r.startUp();
    r.peerHolds(PEER, CH, 3);
    expect(r.reconciling()).toEqual([]);
    // Our #4 and #5 went to it and were refused: ENTRY_WRONG_PREVIOUS_HASH (its #3 is not ours).
    r.refused(PEER, CH, 'ENTRY_WRONG_PREVIOUS_HASH', 3);
    expect(r.reconciling()).toEqual([{ channel: CH, have: 5, peerHolds: 3, why: 'checking-own-log', peer: PEER }]);
    expect(wants).toEqual([{ channel: CH, author: SELF, fromSeq: 1, toSeq: 3 }]);
    r.conflict(PEER, { channel: CH, author: SELF, seq: 2, kind: 'equivocation' });
    expect(r.reconciling()[0]).toMatchObject({ why: 'own-log-forked', forkedAt: 2 });
    expect(alarms.map((a) => a.code)).toEqual(['CHANNEL_OWN_LOG_FORKED']);

    // Another code is the peer's judgement of the entries, not a sign of a fork; a word that proves nothing is given up.
    const other = setup();
    other.r.startUp();
    other.r.peerHolds(PEER, CH, 3);
    other.r.refused(PEER, CH, 'ENTRY_TIME_IN_FUTURE', 3);
    expect(other.r.reconciling()).toEqual([]);
    other.r.refused(PEER, CH, 'ENTRY_EQUIVOCATION', 3);
    other.clock.advance(GIVE_UP_MS + 1);
    other.r.tick();
    expect(() => other.r.check(CH)).not.toThrow();
    expect(other.alarms.map((a) => a.code)).toEqual(['CHANNEL_RECONCILE_FAILED']);
  });

  it('a peer entry citing our entry with another hash: its copies are asked for, and prove the fork', () => {
    const { r, alarms, wants } = setup();
    r.startUp();
    r.peerHolds(PEER, CH, 7);
    // CN's receipt names our #4 with another hash than ours: CN's word, not proof.
    r.conflict(PEER, { channel: CH, author: SELF, seq: 4, kind: 'cited' });
    expect(r.reconciling()[0]).toMatchObject({ why: 'checking-own-log', peerHolds: 4 });
    expect(wants.at(-1)).toEqual({ channel: CH, author: SELF, fromSeq: 1, toSeq: 4 });
    expect(alarms.map((a) => a.code)).toEqual(['CHANNEL_RECONCILING']);
    r.conflict(PEER, { channel: CH, author: SELF, seq: 3, kind: 'equivocation' });
    expect(r.reconciling()[0]).toMatchObject({ why: 'own-log-forked', forkedAt: 3 });
  });

  it('conflicts of other authors, or from outside the channel, are not a fork of our own log', () => {
    const { r, alarms } = setup();
    r.startUp();
    r.peerHolds(PEER, CH, 5);
    r.conflict(PEER, { channel: CH, author: PEER, seq: 2, kind: 'equivocation' });
    r.conflict('X'.repeat(43), { channel: CH, author: SELF, seq: 2, kind: 'equivocation' });
    expect(() => r.check(CH)).not.toThrow();
    expect(alarms).toEqual([]);
  });

  it('is remembered across a restart (own-heads.json) until hotline repair --forked forgets it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotline-fork-'));
    const { r } = setup();
    r.startUp();
    r.conflict(PEER, { channel: CH, author: SELF, seq: 4, kind: 'equivocation' });
    const writer = new OwnHeadsWriter({ dir, heads: () => new Map([[CH, 5]]), forked: () => r.forks() });
    await writer.write();
    expect(JSON.parse(await readFile(join(dir, OWN_HEADS_FILE), 'utf8'))).toEqual({ v: 1, heads: { [CH]: 5 }, forked: { [CH]: { seq: 4, peer: PEER } } });
    expect(await readOwnHeads(dir)).toEqual(new Map([[CH, 5]]));

    // The next start: stopped from the first moment, whatever the peers say or the time.
    const again = setup(await readOwnForks(dir));
    again.r.startUp();
    expect(again.alarms.map((a) => a.code)).toEqual(['CHANNEL_OWN_LOG_FORKED']);
    again.clock.advance(60_000);
    again.r.tick();
    expect(refusal(() => again.r.check(CH))).toMatchObject({ code: 'CHANNEL_OWN_LOG_FORKED', status: 409 });
    expect(again.r.reconciling()).toEqual([{ channel: CH, have: 5, peerHolds: 0, why: 'own-log-forked', forkedAt: 4, peer: PEER }]);

    // Repaired: the fork is forgotten, the heads stay (so the next start waits for every peer).
    await forgetOwnFork(dir, CH);
    expect(await readOwnForks(dir)).toEqual(new Map());
    expect(await readOwnHeads(dir)).toEqual(new Map([[CH, 5]]));
    expect(JSON.parse(await readFile(join(dir, OWN_HEADS_FILE), 'utf8'))).toEqual({ v: 1, heads: { [CH]: 5 } });
  });
});
