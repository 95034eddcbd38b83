/**
 * The readiness report of a channel: how drills were answered. A pure function of the messages
 * projection (store.listMessages), the time of the report and the shift bands; no I/O, no clock.
 *
 * Definitions (README "Crisis operations"):
 *  - a drill is a message with `drill: true`;
 *  - acknowledged: a human acknowledgement was recorded (on time or late);
 *  - missed: not acknowledged by its deadline (acknowledged late, or not at all once the deadline passed);
 *  - pending: not acknowledged, deadline still ahead;
 *  - time to acknowledge: acknowledgement time minus drill time (both author times), never below 0;
 *    median is the middle value (mean of the two middle values for an even count), p90 the
 *    nearest-rank 90th percentile, worst the largest;
 *  - shift: the UTC hour band in which the drill was sent (who was on watch when it rang).
 * The messages table keeps the acknowledgement that completed a message: at the sender, in a
 * channel of more than two parties, a drill counts as answered once every party it was addressed
 * to acknowledged it, at the last one's time.
 */

/** The fields of a message row the report reads (a subset of store MessageRow). */
export interface DrillRow {
  readonly hash: string;
  readonly author: string;
  readonly time: number;
  readonly precedence: string;
  readonly drill: boolean;
  readonly deadlineAt: number | null;
  readonly ackedAt: number | null;
  /** JSON text: {party, code, officer: {name, title, role}, entry}. */
  readonly ackedBy: string | null;
}

/** A shift: a band of UTC hours [fromHour, toHour); toHour <= fromHour wraps past midnight. */
export interface Shift {
  readonly name: string;
  readonly fromHour: number;
  readonly toHour: number;
}

/** Three eight-hour watches. */
export const DEFAULT_SHIFTS: readonly Shift[] = shiftsFromBoundaries([0, 8, 16]);

/** Shifts from ascending UTC hour boundaries: [0, 8, 16] -> 00-08, 08-16, 16-24. */
export function shiftsFromBoundaries(hours: readonly number[]): Shift[] {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.some((h) => !Number.isInteger(h) || h < 0 || h > 23))
    throw new RangeError('Shift boundaries are whole UTC hours from 0 to 23, e.g. 0,8,16.');
  const pad = (h: number) => String(h).padStart(2, '0');
  return sorted.map((from, i) => {
    const end = sorted[i + 1] ?? sorted[0]! + 24;
    const to = end === 24 ? 24 : end % 24;
    return { name: `${pad(from)}-${pad(to)}`, fromHour: from, toHour: to };
  });
}

/** Parses "0,8,16" into shifts; throws RangeError with a message for the person. */
export function parseShifts(text: string): Shift[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const hours = parts.map(Number);
  if (parts.length === 0 || hours.some((h) => !Number.isInteger(h))) throw new RangeError(`Shift boundaries "${text}" are not whole UTC hours; give e.g. 0,8,16.`);
  return shiftsFromBoundaries(hours);
}

/** Which shift a time falls in. */
export function shiftOf(time: number, shifts: readonly Shift[]): Shift {
  const hour = new Date(time).getUTCHours();
  for (const s of shifts) {
    if (s.toHour > s.fromHour ? hour >= s.fromHour && hour < s.toHour : hour >= s.fromHour || hour < s.toHour) return s;
  }
  return shifts[0]!;
}

/** Time-to-acknowledge statistics, ms; null when nothing was acknowledged. */
export interface AckTimes {
  readonly count: number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
  readonly worstMs: number | null;
}

/** Counts and times of one group of drills. */
export interface DrillStats {
  readonly sent: number;
  readonly acknowledged: number;
  /** Acknowledged after the deadline (also counted in acknowledged and in missed). */
  readonly late: number;
  /** Not acknowledged by the deadline: late plus unanswered. */
  readonly missed: number;
  /** Deadline passed, no acknowledgement at all. */
  readonly unanswered: number;
  /** Not acknowledged, deadline ahead. */
  readonly pending: number;
  readonly timeToAck: AckTimes;
}

/** What became of one drill. */
export type DrillStatus = 'acknowledged' | 'late' | 'unanswered' | 'pending';

export interface DrillLine {
  readonly id: string;
  readonly from: string;
  readonly time: number;
  readonly deadlineAt: number | null;
  readonly shift: string;
  readonly status: DrillStatus;
  readonly ackedAt: number | null;
  readonly timeToAckMs: number | null;
  readonly ackedBy: { readonly party: string; readonly officer: string; readonly title: string } | null;
  /** In a channel of three or more: the parties it went to that have not acknowledged it (codes). */
  readonly notBy?: readonly string[];
}

export interface ReadinessReport {
  readonly channel: string;
  readonly generatedAt: number;
  readonly shifts: readonly Shift[];
  readonly overall: DrillStats;
  /** Per party that sent drills, with the parties that answered them. */
  readonly byParty: ReadonlyArray<DrillStats & { readonly party: string; readonly answeredBy: readonly string[] }>;
  /** Per acknowledging officer (party code and name). */
  readonly byOfficer: ReadonlyArray<{ readonly party: string; readonly officer: string; readonly title: string; readonly acknowledged: number; readonly late: number; readonly timeToAck: AckTimes }>;
  /** Per shift, in shift order, every shift listed even with no drills. */
  readonly byShift: ReadonlyArray<DrillStats & { readonly shift: string }>;
  /** Every drill, oldest first. */
  readonly drills: readonly DrillLine[];
}

export interface ReadinessInput {
  readonly channel: string;
  readonly messages: readonly DrillRow[];
  /** Party id -> code, for display. */
  readonly codes: ReadonlyMap<string, string>;
  readonly now: number;
  readonly shifts?: readonly Shift[];
  /** Only drills sent by this party (id or code). */
  readonly sender?: string;
  /**
   * Every acknowledgement of each drill, by message hash (party id, officer, time): in a channel of
   * three or more each party's officer counts in `byOfficer` and `answeredBy`, not only the one
   * whose acknowledgement completed the drill. Without it, the completing one only.
   */
  readonly acks?: ReadonlyMap<string, ReadonlyArray<{ readonly party: string; readonly officer: string; readonly title: string; readonly at: number }>>;
  /**
   * The parties each drill went to (by message hash; the charter of its causal past, its author
   * left out). With `acks`, a drill to two parties or more is judged by them alone: acknowledged
   * once each has (at the last one's time), missed by those that had not by its deadline, whatever
   * amendment later added or removed a party. Without it, by the message row.
   */
  readonly addressed?: ReadonlyMap<string, readonly string[]>;
}

/** Median (midpoint for even counts), nearest-rank p90 and maximum of a list of durations. */
export function ackTimes(values: readonly number[]): AckTimes {
  if (values.length === 0) return { count: 0, medianMs: null, p90Ms: null, worstMs: null };
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  const median = n % 2 === 1 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
  const p90 = v[Math.max(0, Math.ceil(0.9 * n) - 1)]!;
  return { count: n, medianMs: median, p90Ms: p90, worstMs: v[n - 1]! };
}

function stats(lines: readonly DrillLine[]): DrillStats {
  const count = (s: DrillStatus) => lines.filter((l) => l.status === s).length;
  const late = count('late');
  const unanswered = count('unanswered');
  return {
    sent: lines.length,
    acknowledged: count('acknowledged') + late,
    late,
    missed: late + unanswered,
    unanswered,
    pending: count('pending'),
    timeToAck: ackTimes(lines.flatMap((l) => (l.timeToAckMs === null ? [] : [l.timeToAckMs]))),
  };
}

interface AckedBy {
  party?: string;
  code?: string;
  officer?: { name?: string; title?: string };
}

function parseAckedBy(text: string | null, codes: ReadonlyMap<string, string>): DrillLine['ackedBy'] {
  if (!text) return null;
  let a: AckedBy;
  try {
    a = JSON.parse(text) as AckedBy;
  } catch {
    return { party: '?', officer: '?', title: '' };
  }
  return { party: a.code ?? (a.party ? (codes.get(a.party) ?? a.party.slice(0, 8)) : '?'), officer: a.officer?.name ?? '?', title: a.officer?.title ?? '' };
}

/** Each party's first acknowledgement time, of the parties `to`. */
function firstAcks(acks: ReadonlyArray<{ readonly party: string; readonly at: number }>, to: readonly string[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const a of acks) if (to.includes(a.party) && (first.get(a.party) ?? Infinity) > a.at) first.set(a.party, a.at);
  return first;
}

/** The readiness report of one channel from its messages. */
export function readinessReport(input: ReadinessInput): ReadinessReport {
  const shifts = input.shifts ?? DEFAULT_SHIFTS;
  const label = (party: string) => input.codes.get(party) ?? party.slice(0, 8);
  const sender = input.sender;
  const lines: DrillLine[] = input.messages
    .filter((m) => m.drill)
    .filter((m) => sender === undefined || m.author === sender || label(m.author) === sender.toUpperCase())
    .sort((a, b) => a.time - b.time || a.hash.localeCompare(b.hash))
    .map((m) => {
      const ackedBy = parseAckedBy(m.ackedBy, input.codes);
      const to = input.addressed?.get(m.hash);
      const answered = to && to.length > 1 ? firstAcks(input.acks?.get(m.hash) ?? [], to) : undefined;
      const notBy = answered && to ? to.filter((p) => !answered.has(p)) : undefined;
      const ackedAt = answered && notBy ? (notBy.length === 0 ? Math.max(...answered.values()) : null) : m.ackedAt;
      let status: DrillStatus;
      if (ackedAt !== null) status = m.deadlineAt !== null && ackedAt > m.deadlineAt ? 'late' : 'acknowledged';
      else status = m.deadlineAt !== null && input.now > m.deadlineAt ? 'unanswered' : 'pending';
      return {
        id: m.hash,
        from: label(m.author),
        time: m.time,
        deadlineAt: m.deadlineAt,
        shift: shiftOf(m.time, shifts).name,
        status,
        ackedAt,
        timeToAckMs: ackedAt === null ? null : Math.max(0, ackedAt - m.time),
        ackedBy: ackedAt === null ? null : ackedBy,
        ...(notBy?.length ? { notBy: notBy.map(label) } : {}),
      };
    });

  // Each acknowledgement of each drill: every party's when given, else the one that completed it.
  type OneAck = { readonly party: string; readonly officer: string; readonly title: string; readonly ms: number; readonly late: boolean };
  const acksOf = (l: DrillLine): OneAck[] => {
    const given = input.acks?.get(l.id);
    if (given?.length) return given.filter((a) => a.party !== l.from).map((a) => ({ party: label(a.party), officer: a.officer, title: a.title, ms: Math.max(0, a.at - l.time), late: l.deadlineAt !== null && a.at > l.deadlineAt }));
    return l.ackedBy ? [{ ...l.ackedBy, ms: l.timeToAckMs!, late: l.status === 'late' }] : [];
  };

  const byParty = [...new Set(lines.map((l) => l.from))].sort().map((party) => {
    const mine = lines.filter((l) => l.from === party);
    return { party, answeredBy: [...new Set(mine.flatMap((l) => acksOf(l).map((a) => a.party)))].sort(), ...stats(mine) };
  });

  const officers = new Map<string, OneAck[]>();
  for (const l of lines)
    for (const a of acksOf(l)) {
      const key = `${a.party}\u0000${a.officer}`;
      officers.set(key, [...(officers.get(key) ?? []), a]);
    }
  const byOfficer = [...officers.values()]
    .map((as) => ({
      party: as[0]!.party,
      officer: as[0]!.officer,
      title: as[as.length - 1]!.title,
      acknowledged: as.length,
      late: as.filter((a) => a.late).length,
      timeToAck: ackTimes(as.map((a) => a.ms)),
    }))
    .sort((a, b) => a.party.localeCompare(b.party) || a.officer.localeCompare(b.officer));

  const byShift = shifts.map((s) => ({ shift: s.name, ...stats(lines.filter((l) => l.shift === s.name)) }));

  return { channel: input.channel, generatedAt: input.now, shifts, overall: stats(lines), byParty, byOfficer, byShift, drills: lines };
}

/** A duration for people: 850ms, 12s, 3m05s, 2h10m. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightFrom: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]) => `  ${r.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

const statCells = (s: DrillStats) => [String(s.sent), String(s.acknowledged), String(s.missed), String(s.pending), formatDuration(s.timeToAck.medianMs), formatDuration(s.timeToAck.p90Ms), formatDuration(s.timeToAck.worstMs)];
const STAT_HEAD = ['sent', 'acked', 'missed', 'pending', 'median', 'p90', 'worst'];

/** The report as text tables, for `hotline readiness`. */
export function formatReadiness(r: ReadinessReport, title?: string): string {
  const o = r.overall;
  const out: string[] = [];
  out.push(`Readiness of channel ${r.channel.slice(0, 12)}${title ? ` "${title}"` : ''} at ${iso(r.generatedAt)}`);
  if (o.sent === 0) {
    out.push('  No drills yet. Send one with `hotline drill CHANNEL`, or schedule them with `hotline drill-schedule CHANNEL --window 09:00-17:00`.');
    return `${out.join('\n')}\n`;
  }
  const pct = (n: number) => `${Math.round((100 * n) / o.sent)}%`;
  out.push(`  drills sent ${o.sent}, acknowledged ${o.acknowledged} (${pct(o.acknowledged)}), missed ${o.missed} (${o.late} late, ${o.unanswered} unanswered), pending ${o.pending}`);
  out.push(`  time to acknowledge: median ${formatDuration(o.timeToAck.medianMs)}, p90 ${formatDuration(o.timeToAck.p90Ms)}, worst ${formatDuration(o.timeToAck.worstMs)}`);
  out.push('', 'By party (drills sent by; answered by)');
  out.push(...table(['party', 'answered by', ...STAT_HEAD], r.byParty.map((p) => [p.party, p.answeredBy.join(',') || '-', ...statCells(p)]), 2));
  out.push('', 'By officer (who acknowledged)');
  if (r.byOfficer.length === 0) out.push('  (no acknowledgements yet)');
  else out.push(...table(['party', 'officer', 'title', 'acked', 'late', 'median', 'p90', 'worst'], r.byOfficer.map((x) => [x.party, x.officer, x.title, String(x.acknowledged), String(x.late), formatDuration(x.timeToAck.medianMs), formatDuration(x.timeToAck.p90Ms), formatDuration(x.timeToAck.worstMs)]), 3));
  out.push('', 'By shift (UTC hours, when the drill was sent)');
  out.push(...table(['shift', ...STAT_HEAD], r.byShift.map((s) => [s.shift, ...statCells(s)]), 1));
  out.push('', 'Drills');
  for (const d of r.drills) {
    const who = d.ackedBy ? ` by ${d.ackedBy.party} ${d.ackedBy.officer}${d.ackedBy.title ? ` (${d.ackedBy.title})` : ''}` : '';
    const what =
      d.status === 'pending' ? `PENDING, deadline ${d.deadlineAt === null ? '-' : iso(d.deadlineAt)}`
      : d.status === 'unanswered' ? `MISSED, not acknowledged${d.notBy ? ` by ${d.notBy.join(', ')}` : ''} (deadline ${d.deadlineAt === null ? '-' : iso(d.deadlineAt)})`
      : `${d.status === 'late' ? 'LATE, acknowledged' : 'acknowledged'} ${iso(d.ackedAt!)} after ${formatDuration(d.timeToAckMs)}${who}`;
    out.push(`  ${d.id.slice(0, 12)}  ${iso(d.time)}  DRILL from ${d.from}  shift ${d.shift}  ${what}`);
  }
  return `${out.join('\n')}\n`;
}
