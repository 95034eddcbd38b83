import { describe, expect, it } from 'vitest';
import { ackTimes, formatReadiness, parseShifts, readinessReport, shiftOf, shiftsFromBoundaries, type DrillRow } from '../../src/terminal/operations/readiness.js';

const DAY = Date.UTC(2026, 2, 2); // a Monday, 00:00 UTC
const H = 3_600_000;
const S = 1000;
const US = 'U'.repeat(43);
const CN = 'C'.repeat(43);
const codes = new Map([[US, 'US'], [CN, 'CN']]);

let n = 0;
/** A drill sent by `author` at `time`, FLASH deadline 180 s, acknowledged `ackAfter` ms later by `officer`. */
function drill(author: string, time: number, ack?: { after: number; officer: string; by?: string; title?: string }): DrillRow {
  n++;
  const by = ack?.by ?? (author === US ? CN : US);
  return {
    hash: n.toString(16).padStart(64, '0'),
    author,
    time,
    precedence: 'FLASH',
    drill: true,
    deadlineAt: time + 180 * S,
    ackedAt: ack ? time + ack.after : null,
    ackedBy: ack ? JSON.stringify({ party: by, code: codes.get(by), officer: { name: ack.officer, title: ack.title ?? 'Duty Officer', role: 'duty-officer' }, entry: 'e'.repeat(64) }) : null,
  };
}

describe('readiness report', () => {
  it('median (midpoint for even counts), nearest-rank p90 and worst', () => {
    expect(ackTimes([])).toEqual({ count: 0, medianMs: null, p90Ms: null, worstMs: null });
    expect(ackTimes([5])).toEqual({ count: 1, medianMs: 5, p90Ms: 5, worstMs: 5 });
    expect(ackTimes([40, 10, 30, 20])).toEqual({ count: 4, medianMs: 25, p90Ms: 40, worstMs: 40 });
    // 1..10: median 5.5; p90 = the 9th of 10 (ceil(0.9*10) = 9)
    expect(ackTimes([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual({ count: 10, medianMs: 5.5, p90Ms: 9, worstMs: 10 });
    // 1..20: p90 = the 18th
    expect(ackTimes(Array.from({ length: 20 }, (_, i) => i + 1)).p90Ms).toBe(18);
  });

  it('shifts: default three watches, custom boundaries, bands past midnight', () => {
    expect(shiftsFromBoundaries([0, 8, 16]).map((s) => s.name)).toEqual(['00-08', '08-16', '16-24']);
    const night = parseShifts('6,14,22');
    expect(night.map((s) => s.name)).toEqual(['06-14', '14-22', '22-06']);
    expect(shiftOf(DAY + 23 * H, night).name).toBe('22-06');
    expect(shiftOf(DAY + 3 * H, night).name).toBe('22-06');
    expect(shiftOf(DAY + 6 * H, night).name).toBe('06-14');
    expect(shiftOf(DAY + 13 * H + 59 * 60_000, night).name).toBe('06-14');
    expect(() => parseShifts('8,x')).toThrow(/whole UTC hours/);
    expect(() => parseShifts('25')).toThrow(/0 to 23/);
  });

  it('counts sent, acknowledged, late, unanswered and pending; times by officer and by shift', () => {
    const now = DAY + 20 * H;
    const rows: DrillRow[] = [
      drill(US, DAY + 1 * H, { after: 30 * S, officer: 'Lt Wang' }), // night shift 00-08
      drill(US, DAY + 2 * H, { after: 90 * S, officer: 'Lt Wang' }),
      drill(US, DAY + 9 * H, { after: 10 * S, officer: 'Cdr Li', title: 'Watch Supervisor' }), // 08-16
      drill(US, DAY + 10 * H, { after: 240 * S, officer: 'Cdr Li', title: 'Watch Supervisor' }), // late (deadline 180 s)
      drill(US, DAY + 11 * H), // unanswered: deadline long past
      drill(US, now - 60 * S), // pending: deadline ahead (16-24)
      drill(CN, DAY + 12 * H, { after: 20 * S, officer: 'Maj Smith' }), // CN's drill answered by US
      { ...drill(US, DAY + 3 * H), drill: false, precedence: 'ROUTINE' }, // not a drill: ignored
    ];
    const r = readinessReport({ channel: 'ab'.repeat(32), messages: rows, codes, now });

    expect(r.overall).toMatchObject({ sent: 7, acknowledged: 5, late: 1, missed: 2, unanswered: 1, pending: 1 });
    // times 30, 90, 10, 240, 20 s -> sorted 10 20 30 90 240: median 30, p90 = 5th = 240, worst 240
    expect(r.overall.timeToAck).toEqual({ count: 5, medianMs: 30 * S, p90Ms: 240 * S, worstMs: 240 * S });

    expect(r.byParty.map((p) => [p.party, p.answeredBy, p.sent, p.acknowledged, p.missed, p.pending])).toEqual([
      ['CN', ['US'], 1, 1, 0, 0],
      ['US', ['CN'], 6, 4, 2, 1],
    ]);
    expect(r.byParty.find((p) => p.party === 'US')!.timeToAck).toEqual({ count: 4, medianMs: 60 * S, p90Ms: 240 * S, worstMs: 240 * S });

    expect(r.byOfficer).toEqual([
      { party: 'CN', officer: 'Cdr Li', title: 'Watch Supervisor', acknowledged: 2, late: 1, timeToAck: { count: 2, medianMs: 125 * S, p90Ms: 240 * S, worstMs: 240 * S } },
      { party: 'CN', officer: 'Lt Wang', title: 'Duty Officer', acknowledged: 2, late: 0, timeToAck: { count: 2, medianMs: 60 * S, p90Ms: 90 * S, worstMs: 90 * S } },
      { party: 'US', officer: 'Maj Smith', title: 'Duty Officer', acknowledged: 1, late: 0, timeToAck: { count: 1, medianMs: 20 * S, p90Ms: 20 * S, worstMs: 20 * S } },
    ]);

    expect(r.byShift.map((s) => [s.shift, s.sent, s.acknowledged, s.missed, s.pending, s.timeToAck.medianMs])).toEqual([
      ['00-08', 2, 2, 0, 0, 60 * S],
      ['08-16', 4, 3, 2, 0, 20 * S],
      ['16-24', 1, 0, 0, 1, null],
    ]);
    expect(r.drills.map((d) => d.status)).toEqual(['acknowledged', 'acknowledged', 'acknowledged', 'late', 'unanswered', 'acknowledged', 'pending']);

    // Only the drills one party sent.
    const cnOnly = readinessReport({ channel: 'ab'.repeat(32), messages: rows, codes, now, sender: 'cn' });
    expect(cnOnly.overall).toMatchObject({ sent: 1, acknowledged: 1 });
  });

  it('in a channel of three, counts each party\'s officer by its own acknowledgement, not only the one that completed the drill', () => {
    const RU = 'R'.repeat(43);
    const three = new Map([...codes, [RU, 'RU']]);
    const d = drill(US, DAY + 9 * H, { after: 200 * S, officer: 'Orlov', by: RU });
    const acks = new Map([[d.hash, [{ party: CN, officer: 'Wang', title: 'Duty Officer', at: d.time + 5 * S }, { party: RU, officer: 'Orlov', title: 'Duty Officer', at: d.time + 200 * S }]]]);
    const r = readinessReport({ channel: 'c'.repeat(64), messages: [d], codes: three, now: DAY + 10 * H, acks });
    expect(r.byParty[0]).toMatchObject({ party: 'US', answeredBy: ['CN', 'RU'], acknowledged: 1, late: 1 });
    expect(r.byOfficer.map((o) => [o.party, o.officer, o.acknowledged, o.late, o.timeToAck.medianMs])).toEqual([
      ['CN', 'Wang', 1, 0, 5 * S],
      ['RU', 'Orlov', 1, 1, 200 * S],
    ]);
    // Without the list, the acknowledgement that completed it only (as before).
    expect(readinessReport({ channel: 'c'.repeat(64), messages: [d], codes: three, now: DAY + 10 * H }).byOfficer.map((o) => o.officer)).toEqual(['Orlov']);
  });

  it('judges a drill to several parties by their own acknowledgements: missed by the one that did not answer, even once an amendment removed it', () => {
    const RU = 'R'.repeat(43);
    const three = new Map([...codes, [RU, 'RU']]);
    // The row says acknowledged (CN's, marked once RU was removed); RU never answered.
    const d = drill(US, DAY + 9 * H, { after: 5 * S, officer: 'Wang', by: CN });
    const acks = new Map([[d.hash, [{ party: CN, officer: 'Wang', title: 'Duty Officer', at: d.time + 5 * S }]]]);
    const addressed = new Map([[d.hash, [CN, RU]]]);
    const r = readinessReport({ channel: 'c'.repeat(64), messages: [d], codes: three, now: DAY + 10 * H, acks, addressed });
    expect(r.drills[0]).toMatchObject({ status: 'unanswered', ackedAt: null, notBy: ['RU'] });
    expect(r.overall).toMatchObject({ acknowledged: 0, missed: 1, unanswered: 1 });
    expect(formatReadiness(r)).toContain('MISSED, not acknowledged by RU');
    // Both answered, RU after the deadline: late, at RU's time.
    const both = new Map([[d.hash, [...acks.get(d.hash)!, { party: RU, officer: 'Orlov', title: 'Duty Officer', at: d.time + 200 * S }]]]);
    expect(readinessReport({ channel: 'c'.repeat(64), messages: [d], codes: three, now: DAY + 10 * H, acks: both, addressed }).drills[0]).toMatchObject({ status: 'late', ackedAt: d.time + 200 * S });
  });

  it('prints a readable table', () => {
    const now = DAY + 12 * H;
    const r = readinessReport({ channel: 'ab'.repeat(32), messages: [drill(US, DAY + 9 * H, { after: 42 * S, officer: 'Lt Cdr Wang' }), drill(US, DAY + 10 * H)], codes, now });
    const text = formatReadiness(r, 'Maritime line');
    expect(text).toContain('Readiness of channel abababababab "Maritime line" at 2026-03-02T12:00:00Z');
    expect(text).toContain('drills sent 2, acknowledged 1 (50%), missed 1 (0 late, 1 unanswered), pending 0');
    expect(text).toContain('time to acknowledge: median 42s, p90 42s, worst 42s');
    expect(text).toMatch(/CN\s+Lt Cdr Wang\s+Duty Officer\s+1\s+0\s+42s\s+42s\s+42s/);
    expect(text).toMatch(/08-16\s+2\s+1\s+1\s+0\s+42s/);
    expect(text).toContain('DRILL from US  shift 08-16  acknowledged 2026-03-02T09:00:42Z after 42s by CN Lt Cdr Wang (Duty Officer)');
    expect(text).toContain('MISSED, not acknowledged');
    expect(formatReadiness(readinessReport({ channel: 'ab'.repeat(32), messages: [], codes, now }))).toContain('No drills yet');
  });
});
