/**
 * The proof report for people who are not specialists (docs/protocol.md §14.5): who sent the
 * message and when, who received it and when, who acknowledged it and when, the fingerprints to
 * compare, and what the proof does not show. Every text from the proof goes through printable().
 */
import { fingerprint } from '../keys.js';
import { printable } from '../printable.js';
import type { ProofVerdict } from './verify-proof.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The report as text, ending with a newline. */
export function formatProofReport(verdict: ProofVerdict): string {
  if (!verdict.valid) {
    const e = verdict.error;
    return `Proof of one message: NOT VALID\n  ${e.code}: ${printable(e.message)}\nNothing in this document can be relied on.\n`;
  }
  const f = verdict.facts;
  const code = (party: string) => printable(f.parties.find((p) => p.party === party)?.code ?? party.slice(0, 8));
  const b = f.message.body;
  const out: string[] = [];
  out.push('Proof of one message: VALID');
  out.push(`Channel    ${Object.entries(f.title).map(([l, t]) => `${printable(t)} [${l}]`).join(' / ')}`, `           id ${f.channel}`);
  out.push('', 'The message');
  out.push(`  sent by    ${code(f.message.author)}, signed at ${iso(f.message.time)} (by the sender's own clock), entry #${f.message.seq} of its log`);
  out.push(`  precedence ${b.precedence}${b.drill ? ' (DRILL)' : ''}, language ${printable(b.lang)}${b.subject ? `, subject "${printable(b.subject)}"` : ''}`);
  if (b.from) out.push(`  from       ${printable(b.from.name)}, ${printable(b.from.title)} (${b.from.role})`);
  if (b.format) out.push(`  format     ${printable(b.format.id)} v${b.format.version}`);
  out.push(`  text       "${printable(b.text)}"`);
  out.push(`  hash       ${f.message.hash}`);
  out.push('', 'Received');
  for (const r of f.receipts)
    out.push(`  by ${code(r.party)}: receipt signed at ${iso(r.time)} (its clock), holding the sender's log up to #${r.upTo}, so the message too`);
  out.push('', 'Acknowledged');
  if (f.acks.length === 0) out.push('  no acknowledgement is shown in this proof');
  for (const a of f.acks)
    out.push(`  by ${code(a.party)}: ${printable(a.officer.name)}, ${printable(a.officer.title)} (${a.officer.role}) at ${iso(a.time)}${a.note ? `: "${printable(a.note)}"` : ''}`);
  out.push('', 'Fingerprints to compare (with each party, over a line you trust: they identify the keys that signed)');
  for (const p of f.parties) out.push(`  ${printable(p.code).padEnd(6)} ${fingerprint(p.party)}   ${Object.values(p.names).map(printable).join(' / ')}`);
  out.push('', 'What this proof shows and what it does not');
  out.push('  It shows: the message exactly as signed by its sender; that the receiving parties signed receipts for');
  out.push("  the sender's log up to and including it; the acknowledgements above; the sender's entries between the");
  out.push(`  message and the receipt as ${f.path.redacted} signed header(s) without their contents.`);
  if (f.path.full > 0)
    out.push(`  Version 1 channel: ${f.path.full} entries between the message and the receipt are shown in full (${f.path.fullKinds.join(', ')}).`);
  out.push('  It does not show: any other message or its text, nor whether a key was revoked later by an entry of the');
  out.push('  channel (only the parties\' cards are checked here); times are each signer\'s own clock.');
  return `${out.join('\n')}\n`;
}
