/**
 * What `hotline channel show` and `channel accept` print about a channel: its terms, its members and
 * its messages, each line made printable here first (safe-text.ts) since peers wrote most of it.
 */
import type { Api } from '../terminal/index.js';
import { printable, printableDeep } from './safe-text.js';

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-');

/**
 * What the parties agree, to compare aloud before accepting: the charter hash, the protocol
 * version, the agreed formats (by id, version and hash) and each party's fingerprint.
 */
export function charterTerms(c: Pick<Api.ChannelView, 'charterHash' | 'charter' | 'parties' | 'pendingAmendment' | 'alsoPending'>, prints: ReadonlyMap<string, string> | null): string[] {
  const a = c.pendingAmendment;
  // With an amendment pending, the hash to compare aloud is the amendment's, not the charter in force.
  const out = [`  charter${a ? ' in force' : ''} ${c.charterHash}   protocol version ${c.charter.protocol ?? 1}   languages ${c.charter.languages.join(', ')}`];
  if (a) {
    out.push(`  amendment proposed by ${a.proposer}: ${a.hash} (the hash its answers name; accepted by ${a.accepted.join(', ') || 'nobody yet'}${a.awaiting.length ? `; awaiting ${a.awaiting.join(', ')}` : ''})`);
    out.push(`    reason: ${printable(a.reason)}`);
    for (const change of printableDeep(a.changes)) out.push(`    ${describeCharterChange(change)}`);
  }
  for (const o of c.alsoPending ?? []) out.push(`  also pending, proposed at the same time by ${o.proposer}: amendment ${o.hash}${o.awaiting.length ? ` (awaiting ${o.awaiting.join(', ')})` : ''}`);
  const formats = c.charter.formats ?? [];
  out.push(`  formats ${formats.length ? 'agreed (id@version, hash):' : 'none (free text only)'}`);
  for (const f of formats) out.push(`    ${`${f.id}@${f.version}`.padEnd(24)} ${f.hash}`);
  if (prints === null) {
    out.push('  fingerprints not shown: this officer may not read the terminal\'s peers (terminal.read); `hotline peer list` by an officer who may shows them');
    return out;
  }
  out.push('  fingerprints (compare them, and the charter hash, with each party over a line you trust)');
  const added = (a?.changes ?? []).flatMap((x) => (x.kind === 'party-added' ? [{ party: x.party, code: `${x.code}*` }] : []));
  for (const p of [...c.parties, ...added]) out.push(`    ${p.code.padEnd(6)} ${prints.get(p.party) ?? 'unknown here: not a paired peer'}`);
  if (added.length) out.push('    (* added by the amendment)');
  return out;
}

/** What an amendment changes, in one line of English (the console words it in the officer's language). */
export function describeCharterChange(c: Api.CharterChange): string {
  const secs = (s: number) => `${s} s`;
  const when = (t: number | null) => (t === null ? 'never' : iso(t));
  switch (c.kind) {
    case 'party-added':
      return `adds party ${c.code} (roles ${c.roles.join(', ')})`;
    case 'party-removed':
      return `removes party ${c.code}`;
    case 'party-roles':
      return `${c.code}'s roles: ${c.from.join(', ')} -> ${c.to.join(', ')}`;
    case 'title':
      return c.from === null ? `title [${c.lang}] added: "${c.to}"` : c.to === null ? `title [${c.lang}] removed` : `title [${c.lang}]: "${c.from}" -> "${c.to}"`;
    case 'language-added':
      return `adds language ${c.lang}`;
    case 'language-removed':
      return `removes language ${c.lang}`;
    case 'tier':
      return `tier: ${c.from} -> ${c.to}`;
    case 'ack-deadline':
      return `${c.precedence} acknowledgement deadline: ${secs(c.from)} -> ${secs(c.to)}`;
    case 'link-test-interval':
      return `link test interval: ${secs(c.from)} -> ${secs(c.to)}`;
    case 'expires':
      return `expires: ${when(c.from)} -> ${when(c.to)}`;
    case 'note':
      return c.to === null ? 'note removed' : `note: "${c.to}"`;
    case 'dialogue':
      return `dialogue rules: ${JSON.stringify(c.from ?? {})} -> ${JSON.stringify(c.to ?? {})}`;
    case 'format-added':
      return `adds format ${c.format.id}@${c.format.version}`;
    case 'format-removed':
      return `removes format ${c.format.id}@${c.format.version}`;
    case 'protocol':
      return `protocol version ${c.from} -> ${c.to}`;
  }
}

/** "acknowledged T by CN Wang": in a channel of three or more, each party's, "acknowledged by CN T1, RU Orlov T2". */
function acknowledgedText(m: Api.Message): string {
  const others = (m.acks ?? []).filter((a) => a.party !== m.ackedBy?.party);
  if (!m.own || others.length === 0) return `acknowledged ${iso(m.ackedAt!)} by ${ackedByText(m.ackedBy)}`;
  const each = [...others.map((a) => `${ackedByText({ party: a.party, code: a.code, officer: a.officer, entry: a.entry })} ${iso(a.time)}`), `${ackedByText(m.ackedBy)} ${iso(m.ackedAt!)}`];
  return `acknowledged by ${each.join(', ')}`;
}

/** Our message to several parties that some have acknowledged: "acknowledged by CN; " (the others are awaited). */
function partlyAcknowledged(m: Api.Message): string {
  if (!m.own || !m.acks?.length) return '';
  return `acknowledged by ${[...new Set(m.acks.map((a) => a.code))].join(', ')}; `;
}

/**
 * Who acknowledged, as `channel show` prints it: the party's code and the officer's name, the code
 * once. An acknowledgement without a registered officer is signed as "CODE duty officer"
 * (terminal.ts), which reads "CN duty officer", not "CN CN duty officer".
 */
export function ackedByText(by: Api.AckedBy | null | undefined): string {
  const code = by?.code ?? '?';
  const name = by?.officer?.name.trim() ?? '';
  if (name === '') return code;
  return name === code || name.startsWith(`${code} `) ? name : `${code} ${name}`;
}

/** A message's text on one line: the lines of a multi-line text (a formatted message's rendering) joined by " / ". */
export function oneLine(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' / ');
}

/**
 * The receipt of one of our messages: as before in a two-party channel ("receipted T" / "no
 * receipt yet"); with two or more other parties, each one's receipt, and who has none yet.
 */
export function receiptText(m: Pick<Api.Message, 'receiptedAt' | 'receipts'>): string {
  const receipts = m.receipts ?? [];
  if (receipts.length < 2) return m.receiptedAt ? `receipted ${iso(m.receiptedAt)}` : 'no receipt yet';
  const got = receipts.filter((r) => r.at !== null).map((r) => `${r.code} ${iso(r.at)}`);
  const missing = receipts.filter((r) => r.at === null).map((r) => r.code);
  if (missing.length === 0) return `receipted ${iso(m.receiptedAt)} (${got.join(', ')})`;
  return `${got.length ? `receipted by ${got.join(', ')}; ` : ''}no receipt yet from ${missing.join(', ')}`;
}

/** The parties a message is addressed to whose receipt is not held yet (codes); none in a two-party channel unless unreceipted. */
export function missingReceipts(m: Pick<Api.Message, 'receipts'>): string[] {
  return (m.receipts ?? []).filter((r) => r.at === null).map((r) => r.code);
}

/**
 * The lines of `hotline channel show`: what peers wrote made printable here (safe-text.ts), each
 * message on one line (a formatted message's text flattened first, so that its newlines read as
 * separators, not as a literal "\n"), a formatted message's rendering below it, one line per field.
 */
export function channelLines(raw: Api.ChannelDetail, rawMessages: readonly Api.Message[], rawRendered: ReadonlyMap<string, string> = new Map(), prints: ReadonlyMap<string, string> | null = new Map()): string[] {
  const c = printableDeep(raw);
  // Only a formatted message's text is flattened (its rendering's lines are the format's): a free
  // text keeps its line breaks escaped, so that a peer's text cannot pass for a status line here.
  const messages = printableDeep(rawMessages.map((m) => (m.format ? { ...m, text: oneLine(m.text) } : m)));
  const rendered = new Map([...rawRendered].map(([k, v]) => [k, v.split(/\r?\n/).map((line) => printable(line)).join('\n')]));
  const out: string[] = [];
  out.push(`Channel ${c.id}`);
  out.push(`  title   ${Object.entries(c.title).map(([l, t]) => `${t} [${l}]`).join(' / ')}`);
  out.push(`  state   ${c.state.toUpperCase()}   tier ${c.tier}   proposed by ${c.proposer}`);
  out.push(`  deadlines ${Object.entries(c.charter.ackDeadlineSec).map(([p, s]) => `${p} ${s}s`).join(', ')}   link test every ${c.charter.linkTestIntervalSec}s`);
  out.push(...charterTerms(c, prints));
  out.push('  members');
  for (const p of c.parties)
    out.push(`    ${p.code.padEnd(6)} ${p.accepted ? 'accepted' : 'not yet accepted'}${p.suspended ? ', SUSPENDED' : ''}   ${p.link === 'self' ? 'this terminal' : `link ${p.link}`}   entries ${p.entries}   roles ${p.roles.join(', ')}`);
  if (c.left) {
    const { at, by, reason, outcome } = c.left;
    const removed = outcome === 'removed';
    const how = removed ? 'adopted by every party, removed it' : `that would have added it, was ${outcome}`;
    out.push(`  LEFT: this party is ${removed ? 'no longer' : 'not'} in the channel: the amendment of ${iso(at)} proposed by ${by} ("${reason}"), ${how}. The record up to then stays here, read-only; nothing more is sent from this terminal (CHANNEL_LEFT)`);
  }
  if (c.equivocations) out.push(`  ALARM: ${c.equivocations} equivocation(s) recorded as evidence`);
  const r = c.reconciling;
  if (r?.why === 'own-log-forked')
    out.push(`  ALARM: this terminal's OWN LOG FORKED at #${r.forkedAt ?? '?'} (CHANNEL_OWN_LOG_FORKED): ${r.peer ?? 'a peer'} holds other entries signed by this terminal there (a restore from an old backup?); ${r.peer ?? 'the peer'} is not at fault. Nothing is signed here until repaired: docs/operations.md "Backup and restore"`);
  else if (r?.why === 'clock-behind-log')
    out.push(`  ALARM: this terminal's own entries #${r.peerHolds + 1} to #${r.have} are dated after now (CLOCK_BEHIND_LOG: its clock ran ahead and was set back). Nothing is signed here until the clock passes them, or until repaired: docs/operations.md "Clocks"`);
  else if (r) out.push(`  reconciling with the peers (${r.why}): nothing is signed here yet`);
  out.push(`  messages ${c.messages.total}, awaiting our acknowledgement ${c.messages.unacknowledged}`);
  for (const m of messages) {
    const receipt = m.own ? receiptText(m) : 'received';
    const ack = m.ackedAt ? acknowledgedText(m) : !m.own && m.deadlineAt === null ? 'from before this party joined: no acknowledgement asked' : `${partlyAcknowledged(m)}NOT acknowledged${m.ackAwaited?.length ? ` by ${m.ackAwaited.join(', ')}` : ''} (deadline ${iso(m.deadlineAt)})`;
    out.push(`    ${m.id.slice(0, 12)} ${iso(m.time)} ${m.from.padEnd(4)} ${m.precedence.padEnd(9)}${m.drill ? ' DRILL' : ''} [${m.lang}] ${m.text.length > 80 ? `${m.text.slice(0, 77)}...` : m.text}`);
    out.push(`                 ${receipt}; ${ack}`);
    // A formatted message in the officer's language, one line per field, below the original.
    const r = rendered.get(m.id);
    if (r) for (const line of r.split('\n')) out.push(`                 | ${line}`);
  }
  return out;
}
