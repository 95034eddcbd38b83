/**
 * The projector on its own: entries in, rows out, no store and no clock. What officers see of a
 * channel (its row, messages with deadlines and first escalation look, acknowledgements by whom,
 * receipts) is decided here, before the commit.
 */
import { describe, expect, it } from 'vitest';
import { formatHash, shippedFormats } from '../../../src/protocol/index.js';
import { projectEntries, type ProjectionContext } from '../../../src/terminal/channels/projector.js';
import { bilateralScenario, makeCharter, makeParty, Scenario } from '../../../src/testkit/scenario.js';

function context(s: Scenario, overrides: Partial<ProjectionContext> = {}): ProjectionContext {
  const d = s.log.state(s.time);
  return {
    log: s.log,
    after: { state: d.state, proposer: d.proposer, charter: d.charter },
    channelChanged: false,
    now: s.time,
    label: (p) => s.parties.find((x) => x.id === p)?.code ?? '?',
    planner: { firstDueAt: (m) => (m.deadlineAt === null ? null : m.deadlineAt + 1) },
    ...overrides,
  };
}

describe('projector', () => {
  it('projects a message with its deadline from the charter and its first escalation look from the planner', () => {
    const s = bilateralScenario(0);
    const [us] = s.parties;
    const flash = s.message(us!, 'Unidentified aircraft', 'FLASH');
    const p = projectEntries([flash], context(s));
    const deadline = flash.entry.time + s.log.state(s.time).charter.ackDeadlineSec.FLASH * 1000;
    expect(p.messages).toEqual([
      expect.objectContaining({ hash: flash.hash, channel: s.log.id, author: us!.id, seq: flash.entry.seq, precedence: 'FLASH', text: 'Unidentified aircraft', replyTo: null, drill: false, deadlineAt: deadline, escalationDueAt: deadline + 1 }),
    ]);
    expect(p.channel).toBeUndefined();
    expect(p.acks).toBeUndefined();
  });

  it("gives a formatted message its format's deadline when it is shorter than the charter's", () => {
    const s = bilateralScenario(0);
    const [us] = s.parties;
    const plain = s.message(us!, 'Launch', 'ROUTINE');
    const launch = [...shippedFormats().values()].find((d) => d.id === 'launch-notification')!;
    const ref = { id: launch.id, version: launch.version, hash: formatHash(launch) };
    // The projector reads bodies only (ingest checked them): a body with a format is enough here.
    const formatted = { ...plain, entry: { ...plain.entry, body: { ...plain.entry.body, format: ref, fields: {} } } } as typeof plain;
    const routine = s.log.state(s.time).charter.ackDeadlineSec.ROUTINE;
    expect(launch.ackDeadlineSec).toBeLessThan(routine);
    const p = projectEntries([formatted], context(s, { formats: (h) => (h === ref.hash ? launch : undefined) }));
    expect(p.messages![0]!.deadlineAt).toBe(plain.entry.time + launch.ackDeadlineSec * 1000);
    // Without the definition, or for a plain message, the charter's.
    expect(projectEntries([formatted], context(s)).messages![0]!.deadlineAt).toBe(plain.entry.time + routine * 1000);
    expect(projectEntries([plain], context(s, { formats: () => launch })).messages![0]!.deadlineAt).toBe(plain.entry.time + routine * 1000);
  });

  it("gives another party's message its deadline from its arrival on this terminal's clock, its own from its time", () => {
    const s = bilateralScenario(0);
    const [us, cn] = s.parties;
    const flash = s.message(us!, 'Unidentified aircraft', 'FLASH');
    const window = s.log.state(s.time).charter.ackDeadlineSec.FLASH * 1000;
    // US's clock is 4 minutes behind CN's: the FLASH arrives at CN 4 minutes "after" its time.
    const arrival = flash.entry.time + 4 * 60_000;
    const atCn = projectEntries([flash], context(s, { now: arrival, self: cn!.id }));
    expect(atCn.messages![0]!.deadlineAt).toBe(arrival + window);
    expect(atCn.messages![0]!.time).toBe(flash.entry.time); // the author's time, shown beside
    const atUs = projectEntries([flash], context(s, { now: arrival, self: us!.id }));
    expect(atUs.messages![0]!.deadlineAt).toBe(flash.entry.time + window);
  });

  it('writes the channel row only when its state changed, with the charter after the batch', () => {
    const us = makeParty('US', { en: 'United States' });
    const cn = makeParty('CN', { en: 'China' });
    const s = new Scenario([us, cn]);
    const proposal = s.propose(makeCharter([us, cn]));
    const p = projectEntries([proposal], context(s, { channelChanged: true, now: 42 }));
    expect(p.channel).toMatchObject({ id: s.log.id, proposer: us.id, state: 'proposed', createdAt: proposal.entry.time, updatedAt: 42 });
    expect(JSON.parse(p.channel!.charter)).toEqual(s.log.state(s.time).charter);
  });

  it('names who acknowledged a held message, and which entry says so', () => {
    const s = bilateralScenario(0);
    const [us, cn] = s.parties;
    const m = s.message(us!, 'Request your intentions', 'IMMEDIATE');
    const ack = s.ack(cn!, m, 'Lt Cdr Wang');
    const p = projectEntries([ack], context(s));
    expect(p.acks).toEqual([{ message: { channel: s.log.id, author: us!.id, seq: m.entry.seq }, at: ack.entry.time, by: expect.any(String), entry: { author: cn!.id, seq: ack.entry.seq } }]);
    expect(JSON.parse(p.acks![0]!.by)).toMatchObject({ party: cn!.id, code: 'CN', officer: { name: 'Lt Cdr Wang' }, entry: ack.hash });
  });

  it('turns a cumulative receipt into one row per author it covers', () => {
    const s = bilateralScenario(2);
    const [us, cn] = s.parties;
    const r = s.receipt(cn!);
    const p = projectEntries([r], context(s));
    const usHead = s.log.head(us!.id)!;
    expect(p.receipts).toContainEqual({ channel: s.log.id, holder: cn!.id, author: us!.id, seq: usHead.seq, hash: usHead.hash, at: r.entry.time });
    expect(p.messages).toBeUndefined();
  });

  it('projects nothing for link tests and charter answers', () => {
    const s = bilateralScenario(0);
    const [us] = s.parties;
    const t = s.write(us!, 'link.test', { nonce: '00112233445566778899aabbccddeeff', t1: s.time });
    expect(projectEntries([t], context(s))).toEqual({});
  });
});
