/**
 * A terminal added to a running channel by amendment (docs/protocol.md §5.3, §12): the channel
 * reaches it from its proposal on, which does not name it. The receiver holds such a proposal in
 * memory, stores nothing and refuses nothing, until an authentic amendment naming this party
 * arrives (in the same batch or later, before or after the proposal); then the channel is its.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint, type Charter } from '../../../src/protocol/index.js';
import { MAX_OFFERED_PER_PARTY } from '../../../src/terminal/channels/offered-proposals.js';
import { PULL_AFTER_MS, PULL_EVERY_MS, PullFallback } from '../../../src/terminal/federation/pull-fallback.js';
import { backToBack, type BackToBack } from '../back-to-back.js';
import type { TestWing } from '../test-wing.js';
import { ru, thirdParty, type ThirdParty } from './third-party.js';

let pair: BackToBack | undefined;
let third: ThirdParty | undefined;
afterEach(async () => {
  await pair?.cleanup();
  await third?.close();
  pair = third = undefined;
});

/** US and CN on a channel, RU's terminal paired with both (not yet in the channel). */
async function setUp(): Promise<{ p: BackToBack; joiner: TestWing; channel: string }> {
  const p = (pair = await backToBack());
  third = await thirdParty(p);
  const channel = await p.activeChannel();
  return { p, joiner: third.wing, channel };
}

/** The charter in force with RU added. */
function withRu(p: BackToBack, channel: string): Charter {
  const charter = p.a.channel(channel).state(p.clock.now()).charter;
  return { ...charter, parties: [...charter.parties, { party: ru.id, code: 'RU', roles: ['duty-officer'] }] };
}

const allOf = async (w: TestWing, channel: string, party: string) => w.entriesFor(channel, party, 1, 10_000);

describe('joining a channel by amendment', () => {
  it('is not accepted by a party that is not paired with the party added (CHARTER_PARTY_NOT_PAIRED), and is once it is', async () => {
    const p = (pair = await backToBack());
    const channel = await p.activeChannel();
    // RU paired with US only.
    await p.a.addPeer(ru.card, fingerprint(ru.id));
    await p.a.write(channel, 'charter.amend', { charter: withRu(p, channel), reason: 'Third navy in the strait' });
    await p.settle();
    const signed = p.b.channel(channel).head(p.b.self.party)?.seq;
    await expect(p.b.accept(channel)).rejects.toMatchObject({ code: 'CHARTER_PARTY_NOT_PAIRED', message: expect.stringMatching(/names RU, not a paired peer.*hotline peer add/) });
    expect(p.b.channel(channel).head(p.b.self.party)?.seq).toBe(signed); // nothing signed
    await p.b.addPeer(ru.card, fingerprint(ru.id));
    await p.b.accept(channel);
  });

  it('holds a proposal not naming this party without storing or refusing it, and takes the channel once the amendment naming it arrives', async () => {
    const { p, joiner, channel } = await setUp();
    for (let i = 0; i < 5; i++) await p.a.send(channel, { text: `before ${i}`, lang: 'en', precedence: 'ROUTINE' });
    await p.settle();
    // The proposal alone: held, not stored, not refused.
    const proposal = (await p.a.proposalEntry(channel))!;
    const first = await joiner.receive([proposal], p.a.self.party);
    expect(first).toMatchObject({ accepted: 0, pending: 1, rejected: [] });
    expect(joiner.channelIds()).toEqual([]);
    expect(await third!.store.getEntry(channel, p.a.self.party, 1)).toBeUndefined();

    // US amends; its log arrives from seq 1 again (the stream resends from what RU holds).
    await p.a.write(channel, 'charter.amend', { charter: withRu(p, channel), reason: 'Third navy in the strait' });
    await p.settle();
    await joiner.receive(await allOf(p.a, channel, p.a.self.party), p.a.self.party);
    expect(joiner.channelIds()).toEqual([channel]);
    // CN's entries (its accept, its receipts), which US's amendment names in its heads, next.
    await joiner.receive(await allOf(p.b, channel, p.b.self.party), p.b.self.party);
    await joiner.idle();
    const view = joiner.view(channel);
    expect(view.state).toBe('active');
    expect(view.pendingAmendment?.awaiting.sort()).toEqual(['CN', 'RU']);
    expect(view.pendingAmendment?.changes).toEqual([{ kind: 'party-added', party: ru.id, code: 'RU', roles: ['duty-officer'] }]);
    expect(view.pendingAmendment?.reason).toBe('Third navy in the strait');
    expect(joiner.channel(channel).head(p.a.self.party)?.seq).toBe(p.a.channel(channel).head(p.a.self.party)?.seq);
    // RU may answer it, and does.
    await joiner.accept(channel);
    // The messages written before RU was in the charter are the channel's history at RU: no
    // deadline, nothing awaiting its acknowledgement (they were addressed to US and CN).
    const before = (await third!.store.listMessages(channel)).filter((m) => m.text.startsWith('before '));
    expect(before).toHaveLength(5);
    for (const m of before) expect(m.deadlineAt).toBeNull();
    expect(await third!.store.listUnacked({ notFrom: ru.id })).toEqual([]);
  });

  it('asks a party added by amendment to acknowledge the messages written once it is in the charter', async () => {
    const { p, joiner, channel } = await setUp();
    await p.a.write(channel, 'charter.amend', { charter: withRu(p, channel), reason: 'Third navy in the strait' });
    await p.settle();
    await joiner.receive(await allOf(p.a, channel, p.a.self.party), p.a.self.party);
    await joiner.receive(await allOf(p.b, channel, p.b.self.party), p.b.self.party);
    await joiner.idle();
    await joiner.accept(channel);
    for (const side of [p.a, p.b]) await side.receive(await allOf(joiner, channel, ru.id), ru.id);
    await p.b.accept(channel);
    await p.settle();
    expect(p.a.view(channel).charter.parties.map((x) => x.code)).toContain('RU');
    const after = await p.a.send(channel, { text: 'after RU joined', lang: 'en', precedence: 'FLASH' });
    await p.settle();
    await joiner.receive(await allOf(p.b, channel, p.b.self.party), p.b.self.party);
    await joiner.receive(await allOf(p.a, channel, p.a.self.party), p.a.self.party);
    await joiner.idle();
    const held = (await third!.store.listMessages(channel)).find((m) => m.hash === after.hash);
    expect(held).toBeDefined();
    expect(held!.deadlineAt).not.toBeNull();
    expect((await third!.store.listUnacked({ notFrom: ru.id })).map((m) => m.hash)).toEqual([after.hash]);
    // CN acknowledges it: at RU it still awaits RU's own officers, with CN's acknowledgement
    // listed; at US (its sender) too it still awaits RU's: its escalation goes on.
    await p.b.acknowledge(after.hash, { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' });
    await p.settle();
    await joiner.receive(await allOf(p.b, channel, p.b.self.party), p.b.self.party);
    await joiner.idle();
    const atUs = async () => (await p.a.store.listMessages(channel)).find((m) => m.hash === after.hash);
    expect((await atUs())?.ackedAt).toBeNull();
    expect(await p.a.store.ackersOf({ channel, author: p.a.self.party, seq: (await atUs())!.seq })).toEqual([p.b.self.party]);
    expect((await third!.store.listUnacked({ notFrom: ru.id })).map((m) => m.hash)).toEqual([after.hash]);
    expect((await joiner.acknowledgers(channel, after.hash, p.b.self.party)).map((o) => o.name)).toEqual(['Lt Cdr Wang']);
    await joiner.acknowledge(after.hash, { name: 'Kapitan Orlov', title: 'Duty Officer', role: 'duty-officer' });
    expect(await third!.store.listUnacked({ notFrom: ru.id })).toEqual([]);
    // RU's acknowledgement reaches US: now every party it was addressed to has acknowledged it.
    await p.a.receive(await allOf(joiner, channel, ru.id), ru.id);
    await p.a.idle();
    expect(JSON.parse((await atUs())!.ackedBy!)).toMatchObject({ code: 'RU' });
  });

  it('takes the channel when the amendment came first and the proposal after (relayed by another party)', async () => {
    const { p, joiner, channel } = await setUp();
    await p.a.write(channel, 'charter.amend', { charter: withRu(p, channel), reason: 'x' });
    await p.settle();
    const usLog = await allOf(p.a, channel, p.a.self.party);
    // Everything of US but its proposal: held for a channel unknown here.
    const held = await joiner.receive(usLog.slice(1), p.a.self.party);
    expect(held.accepted).toBe(0);
    expect(joiner.channelIds()).toEqual([]);
    await joiner.receive([usLog[0]!], p.b.self.party);
    expect(joiner.channelIds()).toEqual([channel]);
  });

  it('does not take a channel for an amendment that does not name this party, nor for a forged one', async () => {
    const { p, joiner, channel } = await setUp();
    const usLog = await allOf(p.a, channel, p.a.self.party);
    await joiner.receive(usLog, p.a.self.party);
    expect(joiner.channelIds()).toEqual([]);
    // An amendment naming RU whose signature does not match its text.
    await p.a.write(channel, 'charter.amend', { charter: withRu(p, channel), reason: 'genuine' });
    await p.settle();
    const amend = (await allOf(p.a, channel, p.a.self.party)).at(-1)!;
    const forged = amend.replace('genuine', 'forged!');
    const out = await joiner.receive([forged], p.a.self.party);
    expect(out.rejected.map((r) => r.code)).toEqual(['ENTRY_BAD_SIGNATURE']);
    expect(joiner.channelIds()).toEqual([]);
  });

  it(`holds at most ${MAX_OFFERED_PER_PARTY} such proposals per proposing party, dropping the oldest`, async () => {
    const { p, joiner } = await setUp();
    const ids: string[] = [];
    for (let i = 0; i <= MAX_OFFERED_PER_PARTY; i++) {
      const c = await p.a.propose({ title: { en: `Line ${i}` }, tier: 'working', parties: ['CN'] });
      ids.push(c.id);
      const out = await joiner.receive([(await p.a.proposalEntry(c.id))!], p.a.self.party);
      expect(out).toMatchObject({ pending: 1, rejected: [] });
    }
    // Adding RU to the first (dropped) one and the last (held) one: only the last is taken at once.
    await p.settle();
    for (const id of [ids[0]!, ids.at(-1)!]) {
      await p.b.accept(id);
      await p.settle();
      await p.a.write(id, 'charter.amend', { charter: withRu(p, id), reason: 'x' });
      await p.settle();
      await joiner.receive((await allOf(p.a, id, p.a.self.party)).slice(1), p.a.self.party);
    }
    expect(joiner.channelIds()).toEqual([ids.at(-1)]);
  });

  it('comes whole through the pull from a party that cannot reach it: the proposal with the amendment the list names, then what they wait for', async () => {
    const { p, joiner, channel } = await setUp();
    for (let i = 0; i < 3; i++) await p.b.send(channel, { text: `CN ${i}`, lang: 'en', precedence: 'ROUTINE' });
    await p.settle();
    // CN amends (not US, the proposer): US's own log does not hold the entry that makes the channel RU's.
    await p.b.write(channel, 'charter.amend', { charter: withRu(p, channel), reason: 'Third navy in the strait' });
    await p.settle();
    // US serves RU's pull as its federation face does (federation-server.ts: GET /fed/v1/channels, GET .../entries).
    const us = p.a;
    const asked: string[] = [];
    const pulls = new PullFallback({
      streams: { missingSince: () => 0 },
      targets: () => [{ peer: us.self.party, target: { endpoint: 'https://us.example:7443', expectedFingerprint: 'f'.repeat(64) } }],
      directory: joiner,
      receiver: joiner,
      tls: { keyPem: '', certPem: '' },
      clock: p.clock,
      log: { warn: () => {}, info: () => {} },
      connect: () => ({
        request: async (u) => {
          const url = new URL(String(u));
          asked.push(`${url.pathname.slice(0, 22)} ${url.searchParams}`);
          if (url.pathname === '/fed/v1/channels') {
            const channels = us.channelIds().filter((id) => us.shares(id, ru.id)).map((id) => ({ id, proposer: us.channel(id).proposal.entry.author, ...(us.joinedBy(id, ru.id) ? { joinedBy: us.joinedBy(id, ru.id) } : {}) }));
            return { status: 200, headers: {}, body: Buffer.from(JSON.stringify({ channels })) };
          }
          const q = url.searchParams;
          const from = Number(q.get('from'));
          const lines = await us.entriesFor(url.pathname.split('/')[4]!, q.get('author')!, from, from + Number(q.get('limit')) - 1);
          return { status: 200, headers: {}, body: Buffer.from(lines.map((l) => `${l}\n`).join('')) };
        },
        close: () => {},
      }),
    });
    p.clock.advance(PULL_AFTER_MS);
    for (let round = 0; round < 3; round++) {
      await pulls.tick();
      p.clock.advance(PULL_EVERY_MS);
    }
    await joiner.idle();
    expect(asked[0]).toBe('/fed/v1/channels ');
    expect(asked.slice(1, 3)).toEqual([`/fed/v1/channels/${channel.slice(0, 5)} author=${p.a.self.party}&from=1&limit=1`, `/fed/v1/channels/${channel.slice(0, 5)} author=${p.b.self.party}&from=${us.joinedBy(channel, ru.id)!.seq}&limit=1`]);
    expect(joiner.channelIds()).toEqual([channel]);
    const view = joiner.view(channel);
    expect(view.state).toBe('active');
    expect(view.pendingAmendment?.awaiting.sort()).toEqual(['RU', 'US']);
    for (const side of [p.a, p.b]) expect(joiner.channel(channel).head(side.self.party)?.seq).toBe(us.channel(channel).head(side.self.party)?.seq);
    // The original parties joined by the proposal, not by an amendment.
    expect(us.joinedBy(channel, p.b.self.party)).toBeUndefined();
  });
});
