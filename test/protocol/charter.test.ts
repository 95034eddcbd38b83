/** The charter state machine (docs/protocol.md §5), as the parties of a channel live it. */
import { describe, expect, it } from 'vitest';
import { charterHash, composeEntry, deriveState, type Charter, type ControlEntry } from '../../src/protocol/index.js';
import { Scenario, T0, makeCharter, makeParty } from '../../src/testkit/scenario.js';

const us = makeParty('US', { en: 'United States' });
const cn = makeParty('CN', { en: 'China' });
const ru = makeParty('RU', { en: 'Russia' });

function proposed(parties = [us, cn], overrides: Partial<Charter> = {}): Scenario {
  const s = new Scenario(parties);
  s.propose(makeCharter(parties, overrides));
  return s;
}

/** Offers an entry by `by` to the log without throwing; returns the ingest result. */
function offer(s: Scenario, by: typeof us, kind: Parameters<typeof composeEntry>[3], body: object, time = s.tick()) {
  return s.log.ingest(composeEntry(s.log, by.terminal, by.id, kind, body as never, time));
}

const state = (s: Scenario) => s.log.state(s.time).state;

describe('charter state machine', () => {
  it('opens a channel once every party has accepted the proposed charter', () => {
    const s = proposed();
    expect(state(s)).toBe('proposed');
    s.acceptAll();
    expect(state(s)).toBe('active');
  });

  it('keeps a three-party channel proposed until all three have accepted', () => {
    const s = proposed([us, cn, ru]);
    const h = s.log.state(s.time).proposalHash;
    s.write(cn, 'charter.accept', { charter: h });
    expect(state(s)).toBe('proposed');
    expect(offer(s, cn, 'message', { text: 'hello', lang: 'en', precedence: 'ROUTINE' })).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
    s.write(ru, 'charter.accept', { charter: h });
    expect(state(s)).toBe('active');
  });

  it('is declined by any party and then refuses messages', () => {
    const s = proposed();
    s.write(cn, 'charter.decline', { charter: s.log.state(s.time).proposalHash, reason: 'Not at this level.' });
    expect(state(s)).toBe('declined');
    expect(offer(s, us, 'message', { text: 'hello', lang: 'en', precedence: 'ROUTINE' })).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
  });

  it('is withdrawn only by the proposing party', () => {
    const s = proposed();
    const h = s.log.state(s.time).proposalHash;
    expect(offer(s, cn, 'charter.withdraw', { charter: h, reason: 'x' })).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
    s.write(us, 'charter.withdraw', { charter: h, reason: 'Superseded.' });
    expect(state(s)).toBe('withdrawn');
  });

  it('expires when not accepted by the charter deadline, and a late accept says so', () => {
    const s = proposed([us, cn], { expires: T0 + 60_000 });
    expect(s.log.state(T0 + 60_000).state).toBe('proposed');
    expect(s.log.state(T0 + 60_001).state).toBe('expired');
    const r = offer(s, cn, 'charter.accept', { charter: s.log.state(s.time).proposalHash }, T0 + 120_000);
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'CHANNEL_EXPIRED' } });
  });

  it('lets each party suspend; only the suspending party resumes, and all suspensions must lift', () => {
    const s = proposed();
    s.acceptAll();
    s.write(us, 'channel.suspend', { reason: 'Terminal maintenance.' });
    expect(state(s)).toBe('suspended');
    expect(offer(s, cn, 'message', { text: 'hello', lang: 'en', precedence: 'ROUTINE' })).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
    expect(offer(s, cn, 'channel.resume', {})).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
    s.write(cn, 'channel.suspend', { reason: 'We suspend too.' });
    s.write(us, 'channel.resume', { reason: 'Done.' });
    expect(state(s)).toBe('suspended');
    s.write(cn, 'channel.resume', {});
    expect(state(s)).toBe('active');
    s.message(cn, 'Back.');
  });

  it('closes for good: afterwards only receipts and key management', () => {
    const s = proposed();
    s.acceptAll();
    const m = s.message(us, 'Last words.');
    s.write(cn, 'channel.close', { reason: 'Line replaced.' });
    expect(state(s)).toBe('closed');
    expect(offer(s, us, 'message', { text: 'wait', lang: 'en', precedence: 'FLASH' })).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
    expect(offer(s, cn, 'ack', { message: m.hash, officer: { name: 'A', title: 'B', role: 'duty-officer' } })).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
    s.receipt(cn);
  });

  it('adopts an amendment only once every party has accepted it', () => {
    const s = proposed([us, cn, ru]);
    s.acceptAll();
    const amended = { ...makeCharter([us, cn, ru]), linkTestIntervalSec: 30 };
    s.write(us, 'charter.amend', { charter: amended, reason: 'Faster tests.' });
    const h = charterHash(amended);
    s.write(cn, 'charter.accept', { charter: h });
    expect(s.log.state(s.time).charter.linkTestIntervalSec).toBe(60);
    expect(s.log.state(s.time).amendments[0]!.status).toBe('pending');
    const second = { ...amended, linkTestIntervalSec: 10 };
    expect(offer(s, cn, 'charter.amend', { charter: second, reason: 'x' })).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_KIND_NOT_ALLOWED' } });
    s.write(ru, 'charter.accept', { charter: h });
    const d = s.log.state(s.time);
    expect(d.charter.linkTestIntervalSec).toBe(30);
    expect(d.charterHash).toBe(h);
    expect(d.amendments[0]!.status).toBe('adopted');
  });

  it('lets the proposer\'s withdrawal win over an acceptance written concurrently with it (§5.3)', () => {
    const s = proposed([us, cn, ru]);
    s.acceptAll();
    const amended = { ...makeCharter([us, cn, ru]), linkTestIntervalSec: 30 };
    s.write(us, 'charter.amend', { charter: amended, reason: 'Faster tests.' });
    const h = charterHash(amended);
    s.write(cn, 'charter.accept', { charter: h });
    // RU's acceptance and US's withdrawal, each written without seeing the other: both valid.
    const last = composeEntry(s.log, ru.terminal, ru.id, 'charter.accept', { charter: h }, s.tick());
    const withdrawal = composeEntry(s.log, us.terminal, us.id, 'charter.withdraw', { charter: h, reason: 'Not now.' }, s.tick());
    expect(s.log.ingest(last).status).toBe('accepted');
    expect(s.log.state(s.time).amendments[0]!.status).toBe('adopted');
    expect(s.log.ingest(withdrawal).status).toBe('accepted');
    // RU's acceptance, written before the withdrawal reached it, does not bind US to what it withdrew.
    expect(s.log.state(s.time).amendments[0]!.status).toBe('withdrawn');
    expect(s.log.state(s.time).charter.linkTestIntervalSec).toBe(60);
    // Nor does a later amendment get judged against another charter when such an acceptance arrives late.
    const next = { ...makeCharter([us, cn, ru]), linkTestIntervalSec: 120 };
    s.write(cn, 'charter.amend', { charter: next, reason: 'Slower tests.' });
    s.write(us, 'charter.accept', { charter: charterHash(next) });
    s.write(ru, 'charter.accept', { charter: charterHash(next) });
    expect(s.log.state(s.time).amendments.map((a) => a.status)).toEqual(['withdrawn', 'adopted']);
  });

  it('drops an amendment that any party declines', () => {
    const s = proposed();
    s.acceptAll();
    const amended = { ...makeCharter([us, cn]), linkTestIntervalSec: 30 };
    s.write(us, 'charter.amend', { charter: amended, reason: 'Faster tests.' });
    s.write(cn, 'charter.decline', { charter: charterHash(amended), reason: 'No.' });
    const d = s.log.state(s.time);
    expect(d.amendments[0]!.status).toBe('declined');
    expect(d.charter.linkTestIntervalSec).toBe(60);
  });

  it('derives the same state from the control entries in any order', () => {
    const s = proposed([us, cn, ru]);
    s.acceptAll();
    s.write(ru, 'channel.suspend', { reason: 'x' });
    s.write(us, 'channel.suspend', { reason: 'y' });
    s.write(ru, 'channel.resume', {});
    const controls: ControlEntry[] = s.entries.map((x) => ({ author: x.entry.author, seq: x.entry.seq, time: x.entry.time, hash: x.hash, kind: x.entry.kind, body: x.entry.body as Record<string, unknown> }));
    const [proposal, ...rest] = controls;
    const forward = deriveState(proposal!, rest, s.time);
    const backward = deriveState(proposal!, [...rest].reverse(), s.time);
    expect(forward.state).toBe('suspended');
    expect(backward.state).toBe(forward.state);
    expect([...backward.suspendedBy.keys()]).toEqual([us.id]);
  });

  it("refuses an amendment to a charter the channel already had, the proposal's or an earlier amendment's: answers name an amendment by its charter's hash", () => {
    const s = new Scenario([us, cn, ru]);
    s.propose(makeCharter([us, cn]));
    s.write(cn, 'charter.accept', { charter: s.log.state(s.time).proposalHash });
    const c0 = s.log.state(s.time).charter;
    const withRu = makeCharter([us, cn, ru]);
    s.write(us, 'charter.amend', { charter: withRu, reason: 'RU joins the exercise' });
    for (const p of [cn, ru]) s.write(p, 'charter.accept', { charter: charterHash(withRu) });
    expect(s.log.state(s.time).charter.parties).toHaveLength(3);
    // Removing RU again would give back the proposal's charter: an accept of it would answer the proposal.
    expect(offer(s, us, 'charter.amend', { charter: c0, reason: 'RU leaves' })).toMatchObject({ status: 'rejected', error: { code: 'CHARTER_INVALID', message: expect.stringMatching(/the one of the proposal/) } });
    // With a note saying what it is for, it is a new charter, answered and adopted as any other.
    const back = { ...c0, note: 'RU left after the exercise' };
    s.write(us, 'charter.amend', { charter: back, reason: 'RU leaves' });
    for (const p of [cn, ru]) s.write(p, 'charter.accept', { charter: charterHash(back) });
    const d = s.log.state(s.time);
    expect(d.charter.parties.map((p) => p.code)).toEqual(['US', 'CN']);
    expect(d.amendments.map((a) => a.status)).toEqual(['adopted', 'adopted']);
    // RU again as first amended names the adopted amendment: refused too; with another note it is new.
    expect(offer(s, cn, 'charter.amend', { charter: withRu, reason: 'RU returns' })).toMatchObject({ status: 'rejected', error: { code: 'CHARTER_INVALID', message: expect.stringMatching(/adopted/) } });
    expect(offer(s, cn, 'charter.amend', { charter: { ...withRu, note: 'RU returns' }, reason: 'RU returns' })).toMatchObject({ status: 'accepted' });
  });

  it('takes two concurrent amendments of one charter as one, dated by the earlier entry, with both proposers accepting it', () => {
    const s = proposed([us, cn, ru]);
    s.acceptAll();
    const amended = { ...makeCharter([us, cn, ru]), linkTestIntervalSec: 30 };
    const controls: ControlEntry[] = s.entries.map((x) => ({ author: x.entry.author, seq: x.entry.seq, time: x.entry.time, hash: x.hash, kind: x.entry.kind, body: x.entry.body as Record<string, unknown> }));
    const [proposal, ...rest] = controls;
    // Written concurrently (neither in the other's causal past), as deriveState sees a set of entries.
    const byCn: ControlEntry = { author: cn.id, seq: 9, time: s.time + 2, hash: 'b'.repeat(64), kind: 'charter.amend', body: { charter: amended, reason: 'CN' } };
    const byUs: ControlEntry = { author: us.id, seq: 9, time: s.time + 1, hash: 'c'.repeat(64), kind: 'charter.amend', body: { charter: amended, reason: 'US' } };
    for (const order of [[byCn, byUs], [byUs, byCn]]) {
      const d = deriveState(proposal!, [...rest, ...order], s.time + 5);
      expect(d.amendments).toHaveLength(1);
      expect(d.amendments[0]).toMatchObject({ proposer: us.id, reason: 'US', time: s.time + 1, status: 'pending' });
      expect([...d.amendments[0]!.accepted].sort()).toEqual([us.id, cn.id].sort());
      // RU's acceptance adopts it.
      const ruAccepts: ControlEntry = { author: ru.id, seq: 9, time: s.time + 3, hash: 'd'.repeat(64), kind: 'charter.accept', body: { charter: charterHash(amended) } };
      expect(deriveState(proposal!, [...rest, ...order, ruAccepts], s.time + 5).charter.linkTestIntervalSec).toBe(30);
    }
  });

  it("walks an amendment after those in its causal past, whatever the clocks said: CN's clock is behind and its later amendment is in force", () => {
    const s = proposed([us, cn]);
    s.acceptAll();
    const t = s.time;
    const byUs = { ...makeCharter([us, cn]), linkTestIntervalSec: 30 };
    const byCn = { ...makeCharter([us, cn]), linkTestIntervalSec: 120 };
    expect(offer(s, us, 'charter.amend', { charter: byUs, reason: 'Faster tests.' }, t + 100_000)).toMatchObject({ status: 'accepted' });
    // CN's clock runs a minute behind: its answer and its own amendment are dated before US's amendment.
    expect(offer(s, cn, 'charter.accept', { charter: charterHash(byUs) }, t + 40_000)).toMatchObject({ status: 'accepted' });
    expect(s.log.state(t + 200_000).charter.linkTestIntervalSec).toBe(30);
    expect(offer(s, cn, 'charter.amend', { charter: byCn, reason: 'Slower after all.' }, t + 50_000)).toMatchObject({ status: 'accepted' });
    expect(offer(s, us, 'charter.accept', { charter: charterHash(byCn) }, t + 110_000)).toMatchObject({ status: 'accepted' });
    const d = s.log.state(t + 200_000);
    expect(d.amendments.map((a) => [a.charter.linkTestIntervalSec, a.status, a.previous.linkTestIntervalSec])).toEqual([[30, 'adopted', 60], [120, 'adopted', 30]]);
    expect(d.charter.linkTestIntervalSec).toBe(120);
    expect(d.charterHash).toBe(charterHash(byCn));
  });
});
