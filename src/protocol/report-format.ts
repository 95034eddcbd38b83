/**
 * The verification report for people: plain text, stable layout, no colour codes (the CLI may
 * add them). Times are UTC ISO 8601. Every line goes through printable(): texts from the bundle
 * (messages, names, reasons, even error details) cannot forge a line or drive the terminal.
 */
import { formatLinkHealth } from './link-report.js';
import { printable } from './printable.js';
import type { DialogueSummary } from './dialogue-summary.js';
import type { VerificationReport } from './verify.js';

/** The first `n` characters (code points, so no surrogate pair is cut) and "..." when longer. */
const clip = (text: string, n: number) => {
  const chars = [...text];
  return chars.length > n ? `${chars.slice(0, n - 3).join('')}...` : text;
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Formats a verification report as text. */
export function formatReport(r: VerificationReport, options: { maxMessages?: number } = {}): string {
  const out: string[] = [];
  const maxMessages = options.maxMessages ?? 50;
  out.push(`Hotline verification report`);
  out.push(`Verdict: ${r.valid ? 'VALID' : 'INVALID'}${r.firstError ? ` (first error: ${r.firstError.code})` : ''}`);
  if (r.channel) out.push(`Channel: ${r.channel}`);
  if (r.title) out.push(`Title:   ${Object.entries(r.title).map(([l, t]) => `${t} [${l}]`).join(' / ')}`);
  if (r.tier) out.push(`Tier:    ${r.tier}`);
  // The hash the parties read to each other when they accepted (§5.1): of the charter in force.
  if (r.charterHash) out.push(`Charter: ${r.charterHash} (the charter in force)`);
  if (r.state) out.push(`State:   ${r.state}${r.asOf ? ` (as of ${iso(r.asOf)}, the latest signed entry)` : ''}`);
  if (r.parties.length) {
    out.push('', 'Parties');
    for (const p of r.parties)
    {
      out.push(`  ${p.code.padEnd(6)} ${Object.values(p.names).join(' / ')}`, `         fingerprint ${p.fingerprint}   entries ${p.entries}${p.head ? `   head ${p.head.hash.slice(0, 16)}` : ''}`);
      for (const v of p.revocations) out.push(`         its card revokes key ${v.key.slice(0, 8)} from ${iso(v.from)} (informative: only key.revoke entries count)`);
    }
  }
  if (r.history.length) {
    out.push('', 'State history');
    for (const h of r.history) out.push(`  ${iso(h.at)}  ${h.state.padEnd(10)} by ${h.by} (${h.kind})${h.reason ? `: ${h.reason}` : ''}`);
  }
  if (r.amendments?.length) {
    out.push('', 'Amendments (§5.3, in the order they are judged)');
    for (const a of r.amendments) out.push(`  ${iso(a.at)}  ${a.status.toUpperCase().padEnd(9)} proposed by ${a.proposer}, accepted by ${a.accepted.join(', ')}: charter ${a.charterHash.slice(0, 16)}${a.reason ? ` ("${a.reason}")` : ''}`);
  }
  if (r.period) {
    const p = r.period;
    const asked = p.since !== undefined || p.until !== undefined ? ` (asked for ${p.since !== undefined ? iso(p.since) : 'the start'} .. ${p.until !== undefined ? iso(p.until) : 'the end'})` : '';
    out.push('', `Period${asked}`);
    out.push(`  anchored at checkpoint ${p.anchor.slice(0, 16)} by ${p.by} at ${iso(p.at)}; entries from the anchor on are checked link by link`);
    out.push(`  ${p.before} entries before the anchor: the charter, key and dialogue entries the checkpoint commits to, and those the period refers to`);
    for (const c of p.countersigned) out.push(`  countersigned by ${c.party} at ${iso(c.at)} (entry ${c.entry.slice(0, 16)})`);
  }
  out.push('', 'Integrity');
  out.push(`  entries ${r.integrity.entries}, accepted ${r.integrity.verified}; hash chains ${r.integrity.chains}; signatures ${r.integrity.signatures}`);
  const formatted = r.messages.filter((m) => m.format !== undefined).length;
  // §13.3: a formatted message is accepted only if its fields hold to the definition the
  // charter agreed, carried in the bundle and checked against its hash: say that it was done.
  if (formatted > 0) out.push(`  formatted messages ${formatted}: each checked against the definition the charter agreed (its hash, its fields)`);
  if (r.receipts.length) {
    out.push('', 'Receipt coverage');
    for (const c of r.receipts) out.push(`  ${c.holder} holds ${c.author} 1..${c.upTo} of ${c.of}${c.upTo >= c.of ? ' (complete)' : ''}   head ${c.head.slice(0, 16)}   at ${iso(c.at)}`);
  }
  if (r.messages.length) {
    out.push('', `Messages (${r.messages.length})`);
    const shown = r.messages.slice(0, maxMessages);
    for (const m of shown) {
      const who = m.from ? ` ${m.from.name}, ${m.from.title}` : '';
      out.push(`  ${iso(m.time)}  ${m.author}#${m.seq} ${m.precedence}${m.drill ? ' DRILL' : ''} [${m.lang}]${who}: ${clip(m.text, 100)}`);
      if (m.format) out.push(`      format: ${m.format.id} v${m.format.version} (definition ${m.format.hash.slice(0, 16)})`);
      out.push(`      received: ${m.receivedBy.length ? m.receivedBy.map((x) => `${x.party} ${iso(x.at)}`).join(', ') : 'no receipt'}`);
      out.push(`      acknowledged: ${m.acks.length ? m.acks.map((a) => `${a.officer.name === a.party || a.officer.name.startsWith(`${a.party} `) ? a.officer.name : `${a.party} ${a.officer.name}`} (${a.officer.title}) ${iso(a.at)}`).join(', ') : 'none'}`);
    }
    if (r.messages.length > shown.length) out.push(`  ... ${r.messages.length - shown.length} more (use --json for all)`);
  }
  if (r.dialogue) out.push(...formatDialogue(r.dialogue));
  if (r.link) out.push(...formatLinkHealth(r.link, iso));
  if (r.equivocations.length) {
    out.push('', 'EQUIVOCATIONS (two different entries with the same author and sequence)');
    for (const q of r.equivocations) out.push(`  ${q.author.slice(0, 8)} #${q.seq}: evidence kept (2 entries)`);
  }
  if (r.errors.length) {
    out.push('', `Errors (${r.errors.length})`);
    for (const e of r.errors.slice(0, 20)) out.push(`  ${e.code}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`);
    if (r.errors.length > 20) out.push(`  ... ${r.errors.length - 20} more`);
  }
  return `${out.map(printable).join('\n')}\n`;
}

const titleOf = (t: Readonly<Record<string, string>>) => Object.entries(t).map(([l, x]) => `${clip(x, 60)} [${l}]`).join(' / ');

/** The dialogue summary (docs/protocol.md §6.1): what a reader checks a record against. */
function formatDialogue(d: DialogueSummary): string[] {
  const out: string[] = ['', 'Dialogue'];
  out.push(`  Issues (${d.issues.length})`);
  for (const i of d.issues) {
    out.push(`    ${i.entry.slice(0, 12)}  ${i.category}: ${titleOf(i.title)}`);
    for (const p of i.positions) out.push(`      position of ${p.party}: ${iso(p.at)} (${p.revisions} version${p.revisions === 1 ? '' : 's'}) entry ${p.entry.slice(0, 12)}`);
    if (i.positions.length === 0) out.push('      no position stated');
  }
  out.push(`  Meetings (${d.meetings.length})`);
  for (const m of d.meetings) {
    out.push(`    ${m.entry.slice(0, 12)}  ${m.status.toUpperCase()} ${m.level} ${m.kind}, ${iso(m.start)} to ${iso(m.end)}, ${m.place}: ${titleOf(m.title)}`);
    for (const r of m.readouts) out.push(`      readout of ${r.party}: ${iso(r.at)}${r.release ? ' (for release)' : ' (not for release)'} entry ${r.entry.slice(0, 12)}`);
  }
  out.push(`  Joint texts (${d.texts.length})`);
  for (const t of d.texts)
    out.push(`    ${t.entry.slice(0, 12)}  ${t.type}: ${titleOf(t.title)}; ${t.versions} version${t.versions === 1 ? '' : 's'}; ${t.adopted ? `ADOPTED version ${t.adopted.n}, entry ${t.adopted.entry} (endorsed by ${t.adopted.endorsedBy.join(', ')})` : 'not adopted'}`);
  const statuses = ['open', 'in-progress', 'delayed', 'done', 'withdrawn'];
  out.push(`  Commitments (${d.commitments.length})`);
  for (const st of statuses) {
    const list = d.commitments.filter((c) => c.status === st);
    if (list.length === 0) continue;
    out.push(`    ${st} (${list.length})`);
    for (const c of list)
      out.push(`      ${c.entry.slice(0, 12)}  ${c.owner} owes, due ${iso(c.due)}${c.overdue ? ' OVERDUE' : ''}${c.verdict ? ` ${c.verdict.toUpperCase()}` : ''}: ${clip(c.what, 80)}`);
  }
  return out;
}
