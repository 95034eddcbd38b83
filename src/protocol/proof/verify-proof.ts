/**
 * Verifying a proof of one message (docs/protocol.md §14.4): the steps in the order of the
 * specification, stopping at the first failure, each with its code. Pure: no clock, no I/O.
 */
import { bodyHash, hashOfHeader } from '../body-commitment.js';
import { checkEntryValue, type Entry } from '../entry.js';
import { protocolError, type ProtocolError } from '../errors.js';
import { checkPartyCard, judgeKey, shownCard } from '../identity.js';
import { duplicateMember, hasLoneSurrogate } from '../encoding.js';
import { printable } from '../printable.js';
import { DOMAIN, verifyDomain } from '../keys.js';
import { validateBody, type BodyOf, type Charter, type PartyCard } from '../schemas.js';
import { isProofLike, receiptHolds, validateProof, validateRedacted, type ProofDocument } from './document.js';

/** An entry of the proof as the verifier judged it. */
interface Judged {
  readonly entry: Entry | (Omit<Entry, 'body'> & { bodyHash: string });
  readonly hash: string;
}

/** What a valid proof shows (§14.5). */
export interface ProofFacts {
  readonly channel: string;
  readonly title: Readonly<Record<string, string>>;
  readonly parties: ReadonlyArray<{ readonly code: string; readonly party: string; readonly names: Readonly<Record<string, string>> }>;
  readonly message: { readonly hash: string; readonly author: string; readonly seq: number; readonly time: number; readonly version: 1 | 2; readonly body: BodyOf<'message'> };
  readonly receipts: ReadonlyArray<{ readonly party: string; readonly time: number; readonly seq: number; readonly upTo: number; readonly hash: string }>;
  readonly acks: ReadonlyArray<{ readonly party: string; readonly time: number; readonly hash: string; readonly officer: BodyOf<'ack'>['officer']; readonly note?: string }>;
  /** The sender's entries shown between the message and the highest receipt: redacted, or in full (version 1). */
  readonly path: { readonly redacted: number; readonly full: number; readonly fullKinds: readonly string[] };
}

export type ProofVerdict = { readonly valid: true; readonly facts: ProofFacts } | { readonly valid: false; readonly error: ProtocolError };

class Stop extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}
const stop = (...args: Parameters<typeof protocolError>): never => {
  throw new Stop(protocolError(...args));
};

const label = (e: { author: string; seq: number; kind: string }) => `${e.kind} ${e.author.slice(0, 8)}#${e.seq}`;

/** A full entry: schema, body and hash (§4.4 without the text checks: the document is re-canonicalised). */
function full(value: unknown, what: string): Judged {
  const r = checkEntryValue(structuredClone(value));
  if (!r.ok) return stop('PROOF_MALFORMED', { detail: `${what}: ${r.error.message}` });
  return { entry: r.sealed.entry, hash: r.sealed.hash };
}

/** A version-2 header: its schema, and its hash from the header itself (§14.2). */
function header(value: unknown, what: string): Judged {
  const problem = validateRedacted.firstError(value);
  if (problem) return stop('PROOF_MALFORMED', { detail: `${what}: ${problem}` });
  const { sig: _sig, ...h } = value as Record<string, unknown>;
  return { entry: value as Judged['entry'], hash: hashOfHeader(h).toString('hex') };
}

/** Either form, told apart by "bodyHash" (only version-2 headers have it). */
function anyEntry(value: unknown, what: string): Judged {
  return typeof value === 'object' && value !== null && 'bodyHash' in value ? header(value, what) : full(value, what);
}

function checkSigned(j: Judged, cards: ReadonlyMap<string, PartyCard[]>, channel: string, what: string): void {
  const e = j.entry;
  if (e.channel !== channel) stop('PROOF_WRONG_CHANNEL', { what, channel: channel.slice(0, 12), step: 4 });
  const domain = e.v === 2 ? DOMAIN.entry2 : DOMAIN.entry;
  if (!verifyDomain(e.key, domain, Buffer.from(j.hash, 'hex'), e.sig)) stop('PROOF_BAD_SIGNATURE', { what });
  const own = cards.get(e.author);
  if (!own) stop('PROOF_UNKNOWN_KEY', { what, why: 'the proof holds no card of the author' });
  const certs = own!.flatMap((c) => c.terminals.filter((t) => t.key === e.key));
  const k = judgeKey(certs, undefined, e.time);
  if (!k.ok) stop('PROOF_UNKNOWN_KEY', { what, why: k.code === 'ENTRY_UNKNOWN_KEY' ? 'no certificate names the key' : 'outside every certificate period of the key' });
}

const newest = (cards: readonly PartyCard[]) => cards.reduce(shownCard);

/** bodyHash of a body, or undefined when it has no canonical form (a number that overflowed to Infinity, §2.4). */
function bodyHashOrNone(body: unknown): string | undefined {
  try {
    return bodyHash(body as Parameters<typeof bodyHash>[0]);
  } catch {
    return undefined;
  }
}

/**
 * True when a file's text is a proof (§14.3) rather than a bundle (§8.1): the whole text is one
 * JSON object of type "hotline.proof", in whatever spacing (a proof pretty-printed by a text
 * editor is still one). A bundle is several lines, so its whole text never parses as one value.
 */
export function isProofText(text: string): boolean {
  try {
    return isProofLike(JSON.parse(text));
  } catch {
    return false;
  }
}

/**
 * Verifies a proof given as text (a file, an upload): the text must be JSON and name no member
 * twice in one object, at any depth (§2.1: parsers disagree on which of two copies counts, so a
 * forged copy of a signed value would verify with one parser and show with another); then
 * {@link verifyProof}. Both failures are PROOF_MALFORMED, before any other step of §14.4.
 */
export function verifyProofText(text: string): ProofVerdict {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { valid: false, error: protocolError('PROOF_MALFORMED', { detail: 'it is not JSON' }) };
  }
  const name = duplicateMember(text);
  if (name !== undefined)
    return { valid: false, error: protocolError('PROOF_MALFORMED', { detail: `the member "${printable(name)}" occurs twice in one object, so readers disagree on its value` }) };
  return verifyProof(value);
}

/** Verifies a parsed proof document; the verdict names the first failure's code. */
export function verifyProof(value: unknown): ProofVerdict {
  try {
    return { valid: true, facts: judge(value) };
  } catch (e) {
    if (e instanceof Stop) return { valid: false, error: e.error };
    throw e;
  }
}

function judge(value: unknown): ProofFacts {
  // 1. Shape and version.
  if (!isProofLike(value)) stop('PROOF_MALFORMED', { detail: 'it is not a {"type":"hotline.proof"} document' });
  const v = (value as { v?: unknown }).v;
  if (v !== 2) stop('PROOF_UNSUPPORTED_VERSION', { version: v === undefined ? 'none (no "v" member: altered, or not made by Hotline)' : JSON.stringify(v) });
  const problem = validateProof.firstError(value);
  if (problem) stop('PROOF_MALFORMED', { detail: problem });
  const doc = value as ProofDocument;
  // 2. The proposal founds the channel named.
  const proposal = full(doc.proposal, 'the proposal');
  if (proposal.entry.kind !== 'charter.propose' || proposal.hash !== doc.channel)
    stop('PROOF_WRONG_CHANNEL', { what: 'proposal', channel: doc.channel.slice(0, 12), step: 2 });
  const charter = (proposal.entry as Entry<'charter.propose'>).body.charter as Charter;
  const members = new Set(charter.parties.map((p) => p.party));
  // 3. Cards.
  const cards = new Map<string, PartyCard[]>();
  doc.cards.forEach((c, i) => {
    const e = checkPartyCard(c);
    if (e) stop('PROOF_BAD_CARD', { which: `#${i + 1} (${c.code})`, detail: e.message });
    cards.set(c.party, [...(cards.get(c.party) ?? []), c]);
  });
  // 4-5. The message: header and body (v2), or full (v1); channel, signature, key.
  const message = doc.body !== undefined ? header(doc.message, 'the message') : full(doc.message, 'the message');
  const m = message.entry;
  if (!members.has(m.author)) stop('PROOF_MALFORMED', { detail: "the message's author is not a party of the channel's charter" });
  if (m.kind !== 'message') stop('PROOF_MALFORMED', { detail: `the message entry is a ${m.kind}` });
  if ((m.v === 2) !== (doc.body !== undefined)) stop('PROOF_MALFORMED', { detail: 'a body is given exactly with a version-2 message header' });
  checkSigned(message, cards, doc.channel, 'the message');
  const body = (doc.body ?? (m as Entry).body) as BodyOf<'message'>;
  if (doc.body !== undefined) {
    const bodyProblem = validateBody.message.firstError(doc.body);
    if (bodyProblem) stop('PROOF_MALFORMED', { detail: `the message body ${bodyProblem}` });
    // As in any entry (§4.4 step 4): a terminal refuses a message whose text holds one.
    if (hasLoneSurrogate(doc.body)) stop('PROOF_MALFORMED', { detail: 'the message body holds a lone surrogate (§2.1)' });
    if (bodyHashOrNone(doc.body) === undefined) stop('PROOF_MALFORMED', { detail: 'the message body holds a number beyond the largest double (as 1e400), so it has no canonical form (§2.4)' });
    if (bodyHash(doc.body) !== (m as { bodyHash: string }).bodyHash) stop('PROOF_BAD_BODY', { what: 'the message' });
  }
  // 6. The path: the sender's next entries, chained by prev.
  const chain = [message.hash];
  let time = m.time;
  let version = m.v;
  const fullKinds = new Set<string>();
  let redacted = 0;
  doc.path.forEach((raw, i) => {
    const j = anyEntry(raw, `path entry ${i + 1}`);
    const e = j.entry;
    const seq = m.seq + 1 + i;
    if (e.author !== m.author || e.seq !== seq) stop('PROOF_BROKEN_CHAIN', { seq, why: `path entry ${i + 1} is ${e.author.slice(0, 8)}#${e.seq}, not the sender's #${seq}` });
    if (e.prev !== chain[i]) stop('PROOF_BROKEN_CHAIN', { seq, why: 'its prev is not the hash of the entry before' });
    if (e.time < time) stop('PROOF_BROKEN_CHAIN', { seq, why: 'its time is earlier than the entry before' });
    // A log never goes back to version 1 (§14.1): not after a version-2 message, nor within the path.
    if (e.v < version) stop('PROOF_BROKEN_CHAIN', { seq, why: 'a version-1 entry follows a version-2 one' });
    version = e.v;
    checkSigned(j, cards, doc.channel, `path entry ${label(e)}`);
    if ('bodyHash' in e) redacted++;
    else fullKinds.add(e.kind);
    chain.push(j.hash);
    time = e.time;
  });
  // 7. Receipts: each by another party, holding the sender's log at a seq of the chain with its hash.
  let highest = m.seq;
  const receipts = doc.receipts.map((raw, i) => {
    const which = `#${i + 1}`;
    const j = full(raw, `receipt ${which}`);
    const e = j.entry as Entry;
    if (e.kind !== 'receipt') stop('PROOF_NOT_RECEIPTED', { which, why: `it is a ${e.kind} entry` });
    if (e.author === m.author) stop('PROOF_NOT_RECEIPTED', { which, why: 'it is written by the sender itself' });
    if (!members.has(e.author)) stop('PROOF_NOT_RECEIPTED', { which, why: "its author is not a party of the channel's charter" });
    const held = receiptHolds(e, m.author, m.seq);
    if (!held) stop('PROOF_NOT_RECEIPTED', { which, why: "it does not hold the sender's log up to the message" });
    if (held!.seq - m.seq >= chain.length) stop('PROOF_NOT_RECEIPTED', { which, why: `it holds the sender's #${held!.seq}, beyond the path shown` });
    if (chain[held!.seq - m.seq] !== held!.hash) stop('PROOF_NOT_RECEIPTED', { which, why: `the hash it holds for the sender's #${held!.seq} is not that entry's` });
    checkSigned(j, cards, doc.channel, `receipt ${which}`);
    highest = Math.max(highest, held!.seq);
    return { party: e.author, time: e.time, seq: e.seq, upTo: held!.seq, hash: j.hash };
  });
  if (highest < m.seq + doc.path.length) stop('PROOF_MALFORMED', { detail: 'the path goes beyond the highest receipt: it would disclose more than the proof needs' });
  // 8. Acknowledgements name the message.
  const acks = doc.acks.map((raw, i) => {
    const which = `#${i + 1}`;
    const j = full(raw, `acknowledgement ${which}`);
    const e = j.entry as Entry;
    if (e.kind !== 'ack') stop('PROOF_BAD_ACK', { which, step: 8, why: `it is a ${e.kind} entry` });
    const b = e.body as BodyOf<'ack'>;
    if (b.message !== message.hash) stop('PROOF_BAD_ACK', { which, step: 8, why: 'it acknowledges another message' });
    if (e.author === m.author) stop('PROOF_BAD_ACK', { which, step: 8, why: 'it is written by the sender itself' });
    if (!members.has(e.author)) stop('PROOF_BAD_ACK', { which, step: 8, why: "its author is not a party of the channel's charter" });
    checkSigned(j, cards, doc.channel, `acknowledgement ${which}`);
    return { party: e.author, time: e.time, hash: j.hash, officer: b.officer, ...(b.note !== undefined ? { note: b.note } : {}) };
  });
  const involved = new Set([m.author, ...receipts.map((r) => r.party), ...acks.map((a) => a.party)]);
  const parties = [...involved].map((party) => {
    const card = newest(cards.get(party)!);
    return { code: card.code, party, names: card.names };
  });
  return {
    channel: doc.channel,
    title: charter.title,
    parties,
    message: { hash: message.hash, author: m.author, seq: m.seq, time: m.time, version: m.v, body },
    receipts,
    acks,
    path: { redacted, full: doc.path.length - redacted, fullKinds: [...fullKinds].sort() },
  };
}
