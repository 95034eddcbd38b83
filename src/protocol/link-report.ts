/**
 * The verifier report's link-health lines (docs/protocol.md §6.2, §8.3): from the version-2 link
 * records of a transcript, per party and peer, the hours summarised, the tests sent, answered and
 * failed, the worst hourly p99 round-trip time and largest offset, and every state change.
 */
import type { SealedEntry } from './entry.js';
import type { BodyOf } from './schemas.js';

export interface ReportLinkLine {
  readonly party: string;
  readonly peer: string;
  readonly summaries: number;
  /** Milliseconds the summaries cover. */
  readonly coveredMs: number;
  readonly from: number;
  readonly until: number;
  readonly sent: number;
  readonly answered: number;
  readonly failures: number;
  readonly worstRttP99Ms: number | null;
  readonly largestOffsetMs: number | null;
}

export interface ReportLinkChange {
  readonly party: string;
  readonly peer: string;
  readonly at: number;
  readonly was: string;
  readonly state: string;
  readonly reason: string;
}

export interface ReportLinkHealth {
  readonly lines: readonly ReportLinkLine[];
  readonly changes: readonly ReportLinkChange[];
}

/** The link health of accepted entries in time order; undefined when there are no link records. */
export function summarizeLinkHealth(ordered: readonly SealedEntry[], label: (party: string) => string): ReportLinkHealth | undefined {
  const lines = new Map<string, { -readonly [K in keyof ReportLinkLine]: ReportLinkLine[K] }>();
  const changes: ReportLinkChange[] = [];
  for (const s of ordered) {
    const e = s.entry;
    if (e.kind === 'link.state') {
      const b = e.body as BodyOf<'link.state'>;
      changes.push({ party: label(e.author), peer: label(b.peer), at: b.at, was: b.was, state: b.state, reason: b.reason });
    } else if (e.kind === 'link.summary') {
      const b = e.body as BodyOf<'link.summary'>;
      for (const p of b.peers) {
        const key = `${e.author}/${p.peer}`;
        const l = lines.get(key) ?? { party: label(e.author), peer: label(p.peer), summaries: 0, coveredMs: 0, from: b.from, until: b.until, sent: 0, answered: 0, failures: 0, worstRttP99Ms: null, largestOffsetMs: null };
        l.summaries++;
        l.coveredMs += b.until - b.from;
        l.from = Math.min(l.from, b.from);
        l.until = Math.max(l.until, b.until);
        l.sent += p.sent;
        l.answered += p.answered;
        l.failures += p.failures;
        if (p.rttMs) l.worstRttP99Ms = Math.max(l.worstRttP99Ms ?? 0, p.rttMs.p99);
        if (p.offsetMs) l.largestOffsetMs = Math.max(l.largestOffsetMs ?? 0, Math.abs(p.offsetMs.min), Math.abs(p.offsetMs.max));
        lines.set(key, l);
      }
    }
  }
  if (lines.size === 0 && changes.length === 0) return undefined;
  return { lines: [...lines.values()], changes };
}

/** The report's link-health member, when the accepted entries (in time order) hold link records. */
export function linkSection(ordered: readonly SealedEntry[], label: (party: string) => string): { link?: ReportLinkHealth } {
  const link = summarizeLinkHealth(ordered, label);
  return link ? { link } : {};
}

/** The report's "Link health" section. */
export function formatLinkHealth(h: ReportLinkHealth, iso: (ms: number) => string): string[] {
  const out = ['', 'Link health (signed hourly summaries and state changes, §6.2)'];
  for (const l of h.lines)
    out.push(
      `  ${l.party} -> ${l.peer}: ${l.summaries} summaries covering ${(l.coveredMs / 3_600_000).toFixed(1)} h from ${iso(l.from)} to ${iso(l.until)}; tests ${l.sent} sent, ${l.answered} answered, ${l.failures} failed` +
        (l.worstRttP99Ms === null ? '' : `; worst hourly p99 round trip ${l.worstRttP99Ms} ms, largest clock offset ${l.largestOffsetMs} ms`),
    );
  const shown = h.changes.slice(-20);
  if (h.changes.length > shown.length) out.push(`  ... ${h.changes.length - shown.length} earlier state changes (use --json for all)`);
  for (const c of shown) out.push(`  ${iso(c.at)}  ${c.party} saw ${c.peer} ${c.was} -> ${c.state}: ${c.reason}`);
  return out;
}
