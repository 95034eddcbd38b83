/**
 * A clean-room Hotline peer, written from docs/protocol.md (and README.md, docs/operations.md,
 * test/vectors/) alone: nothing here is imported from src/ or from other tests. It is deliberately
 * small: one party, one terminal key (rotated and revoked by key entries, §3.2), version-1 and
 * version-2 channels (§14.2 hashes, checkpoints §15.1, proofs of one message §14.3-14.4, link records
 * §6.2), the federation stream of §12 in both directions (a server the other terminal dials, and a
 * client that dials it).
 *
 * Since part 3 it also judges the other party's entries in context (§5.2-5.5 state and charter in
 * force, §6 rules of a kind, §6.1 dialogue, §13.3 formats) and refuses what the spec refuses.
 * Since part 5: heads rule 4 (§7 step 13), no machine-written entry where it may not write (§7
 * step 9), and recovery of its own entries after a restore (§12 "Reconciling", restoreOwn).
 * Since part 6: a forked own log (§12 "A forked own log"): a `heads` hash, or an entry's head, naming
 * another own entry at a seq not above the own head makes it ask for its own entries with `want`;
 * a relayed own entry that differs proves the fork (forkedAt), and it then signs and pushes nothing
 * there; a claim unproven for 30 s is not believed (disbelieved). rewindOwn() makes such a fork.
 * Since part 7: it pushes a channel, and serves wants of it, only to a party of it (its charter in
 * force or a pending amendment, §12 "Serving wants"): a channel joined by amendment goes to the party
 * added once the amendment is written, from its proposal on.
 *
 * Where the spec was not enough, the choice made is marked "SPEC:" (see /work/notes/spec-peer.md).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import WebSocket, { WebSocketServer } from 'ws';

// ---- §2 encodings ------------------------------------------------------------------------------

/** RFC 8785 canonical JSON (§2.1). Object members sorted by UTF-16 code units (JS's default sort). */
export function canonical(v: unknown): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('not a finite number');
    return JSON.stringify(v); // ECMAScript Number.prototype.toString form; -0 gives "0"
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  throw new Error(`not JSON: ${typeof v}`);
}

export const sha256 = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();
export const b64u = (b: Buffer): string => b.toString('base64url');

/** §2.2: strict base64url decoding (no padding, canonical, exact length). */
export function fromB64u(s: string, len: number): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64url');
  if (b.length !== len || b.toString('base64url') !== s) return undefined;
  return b;
}

// ---- §3.1 keys and signatures ------------------------------------------------------------------

export const PREFIX = {
  entry: Buffer.from('hotline/1/entry\0', 'latin1'),
  card: Buffer.from('hotline/1/party-card\0', 'latin1'),
  cert: Buffer.from('hotline/1/terminal-cert\0', 'latin1'),
  charter: Buffer.from('hotline/1/charter\0', 'latin1'),
  entry2: Buffer.from('hotline/2/entry\0', 'latin1'),
  body2: Buffer.from('hotline/2/body\0', 'latin1'),
  entryHash2: Buffer.from('hotline/2/entry-hash\0', 'latin1'),
  linkFrame: Buffer.from('hotline/2/link-frame\0', 'latin1'),
  revocation: Buffer.from('hotline/1/key-revocation\0', 'latin1'),
  checkpoint: Buffer.from('hotline/2/checkpoint\0', 'latin1'),
};

const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const P = (1n << 255n) - 19n;
const SMALL_ORDER = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
]);

const leInt = (b: Buffer): bigint => BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`);

/** §3.1 "acceptable public key", on the bytes alone. */
export function acceptableKey(raw: Buffer): boolean {
  if (raw.length !== 32) return false;
  const cleared = Buffer.from(raw);
  cleared[31] = cleared[31]! & 0x7f;
  const y = leInt(cleared);
  if (y >= P) return false;
  const signBit = (raw[31]! & 0x80) !== 0;
  if ((y === 1n || y === P - 1n) && signBit) return false;
  return !SMALL_ORDER.has(cleared.toString('hex'));
}

/** An Ed25519 key pair with its raw public key in base64url. */
export interface Ed25519 {
  pub: string;
  priv: KeyObject;
}

export function newEd25519(): Ed25519 {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { pub: String(jwk.x), priv: privateKey };
}

/** The key pair of a base64url seed (RFC 8032 private key). */
export function ed25519FromSeed(seed: string): Ed25519 {
  const d = fromB64u(seed, 32);
  if (!d) throw new Error('bad seed');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), d]);
  const priv = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return { pub: String(createPublicKey(priv).export({ format: 'jwk' }).x), priv };
}

export const signWith = (k: Ed25519, prefix: Buffer, payload: Buffer): string => b64u(sign(null, Buffer.concat([prefix, payload]), k.priv));

/** §3.1 strict verification: S < L, acceptable key; never throws. */
export function verifySig(pub: string, prefix: Buffer, payload: Buffer, sig: string): boolean {
  try {
    const raw = fromB64u(pub, 32);
    const s = fromB64u(sig, 64);
    if (!raw || !s || !acceptableKey(raw)) return false;
    if (leInt(s.subarray(32)) >= L) return false;
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub }, format: 'jwk' });
    return verify(null, Buffer.concat([prefix, payload]), key, s);
  } catch {
    return false;
  }
}

/** §3.3 fingerprint. */
export function fingerprint(party: string): string {
  const raw = fromB64u(party, 32);
  if (!raw) throw new Error('bad party key');
  const d = sha256(raw);
  const groups: string[] = [];
  for (let i = 0; i < 6; i++) {
    const n = BigInt(`0x${d.subarray(5 * i, 5 * i + 5).toString('hex')}`);
    groups.push(String(n % 100000n).padStart(5, '0'));
  }
  return groups.join(' ');
}

// ---- §3.4 certificates, §3.6 cards -------------------------------------------------------------

export interface TerminalCert {
  type: 'hotline.terminal-cert';
  v: 1;
  party: string;
  key: string;
  tls: string;
  notBefore: number;
  notAfter: number;
  sig: string;
}

export interface PartyCard {
  type: 'hotline.party-card';
  v: 1;
  party: string;
  code: string;
  names: Record<string, string>;
  terminals: TerminalCert[];
  revocations: unknown[];
  endpoints: string[];
  issued: number;
  sig: string;
}

function withoutSig<T extends { sig: string }>(o: T): Omit<T, 'sig'> {
  const { sig: _sig, ...rest } = o;
  return rest;
}

export function certValid(c: TerminalCert): boolean {
  const pk = fromB64u(c.party, 32);
  const tk = fromB64u(c.key, 32);
  return (
    c.type === 'hotline.terminal-cert' &&
    c.v === 1 &&
    !!pk &&
    !!tk &&
    acceptableKey(pk) &&
    acceptableKey(tk) &&
    /^[0-9a-f]{64}$/.test(c.tls) &&
    c.notAfter > c.notBefore &&
    verifySig(c.party, PREFIX.cert, Buffer.from(canonical(withoutSig(c)), 'utf8'), c.sig)
  );
}

/** §3.6: the card's signature and every certificate in it (the shape checks a full reader makes are left out). */
export function cardValid(c: PartyCard): boolean {
  return (
    c.type === 'hotline.party-card' &&
    c.v === 1 &&
    verifySig(c.party, PREFIX.card, Buffer.from(canonical(withoutSig(c)), 'utf8'), c.sig) &&
    c.terminals.length >= 1 &&
    c.terminals.every((t) => t.party === c.party && certValid(t))
  );
}

/** Terminal keys a card certifies at time t (§3.2 for a key not revoked in the channel). */
export function keysAt(card: PartyCard, t: number): string[] {
  return card.terminals.filter((c) => c.notBefore <= t && t < c.notAfter).map((c) => c.key);
}

// ---- §4 entries --------------------------------------------------------------------------------

export interface Entry {
  v: 1 | 2;
  channel: string | null;
  author: string;
  key: string;
  seq: number;
  prev: string | null;
  heads: Record<string, { seq: number; hash: string }>;
  time: number;
  kind: string;
  body: Record<string, unknown>;
  sig: string;
}

export interface Held {
  text: string;
  entry: Entry;
  hash: string;
}

/** §4.2 (version 1) or §14.2 (version 2): the entry's hash. */
export function entryHash(e: Omit<Entry, 'sig'> | Entry): string {
  const { sig: _s, ...unsigned } = e as Entry;
  if (unsigned.v === 2) {
    const { body, ...rest } = unsigned;
    const bodyHash = sha256(Buffer.concat([PREFIX.body2, Buffer.from(canonical(body), 'utf8')])).toString('hex');
    return sha256(Buffer.concat([PREFIX.entryHash2, Buffer.from(canonical({ ...rest, bodyHash }), 'utf8')])).toString('hex');
  }
  return sha256(Buffer.from(canonical(unsigned), 'utf8')).toString('hex');
}

/** The signature prefix of an entry of version v. */
export const entryPrefix = (v: number): Buffer => (v === 2 ? PREFIX.entry2 : PREFIX.entry);

/** §4.4 for a received text (the parts this peer needs) and the signature of §4.2. */
export function parseEntry(text: string): { held?: Held; code?: string } {
  if (Buffer.byteLength(text, 'utf8') > 65_536) return { code: 'ENTRY_TOO_LARGE' };
  let e: Entry;
  try {
    e = JSON.parse(text) as Entry;
  } catch {
    return { code: 'ENTRY_MALFORMED' };
  }
  if (typeof e !== 'object' || e === null || (e.v !== 1 && e.v !== 2)) return { code: e && typeof e === 'object' && 'v' in e && e.v !== 2 ? 'ENTRY_UNSUPPORTED_VERSION' : 'ENTRY_MALFORMED' };
  if (canonical(e) !== text) return { code: 'ENTRY_NON_CANONICAL' };
  const hash = entryHash(e);
  if (!verifySig(e.key, entryPrefix(e.v), Buffer.from(hash, 'hex'), e.sig)) return { code: 'ENTRY_BAD_SIGNATURE' };
  return { held: { text, entry: e, hash } };
}

export function charterHash(charter: unknown): string {
  return sha256(Buffer.concat([PREFIX.charter, Buffer.from(canonical(charter), 'utf8')])).toString('hex');
}

// ---- §15.1 checkpoints -------------------------------------------------------------------------

/** §15.1: the kinds later entries may be judged by whatever their age. */
export const LASTING_KINDS = new Set([
  'charter.propose', 'charter.accept', 'charter.decline', 'charter.withdraw', 'charter.amend',
  'channel.suspend', 'channel.resume', 'channel.close', 'key.rotate', 'key.revoke',
  'issue.open', 'issue.position', 'meeting.propose', 'meeting.accept', 'meeting.decline', 'meeting.reschedule', 'readout.file',
  'text.draft', 'text.amend', 'text.endorse', 'commitment.add', 'commitment.update', 'commitment.confirm', 'commitment.dispute',
]);

/**
 * §15.1: `{count, lasting}` over the entries `held` (any order) of a lasting kind, the proposal
 * (`channel` null) excepted, ordered by author (ASCII code units) then seq.
 */
export function lastingCommitment(held: ReadonlyArray<{ entry: Pick<Entry, 'author' | 'seq' | 'kind' | 'channel'>; hash: string }>): { count: number; lasting: string } {
  const l = held
    .filter((h) => h.entry.channel !== null && LASTING_KINDS.has(h.entry.kind))
    .sort((a, b) => (a.entry.author < b.entry.author ? -1 : a.entry.author > b.entry.author ? 1 : a.entry.seq - b.entry.seq));
  const lasting = sha256(Buffer.concat([PREFIX.checkpoint, Buffer.from(canonical(l.map((h) => h.hash)), 'utf8')])).toString('hex');
  return { count: l.length, lasting };
}

// ---- §14.3-14.4 proofs of one message ----------------------------------------------------------

/** §14.2: the body's hash. */
export const bodyHashOf = (body: unknown): string => sha256(Buffer.concat([PREFIX.body2, Buffer.from(canonical(body), 'utf8')])).toString('hex');

/** §14.2 redacted entry: the header (body replaced by bodyHash) with `sig`. A version-1 entry is shown whole. */
export function redact(e: Entry): Record<string, unknown> {
  if (e.v !== 2) return { ...e };
  const { body, ...rest } = e;
  return { ...rest, bodyHash: bodyHashOf(body) };
}

/** The hash of an entry value of a proof: a redacted one (has bodyHash) from its header, else as §4.2 / §14.2. */
function proofEntryHash(v: Record<string, unknown>): string {
  const { sig: _s, ...h } = v;
  if ('bodyHash' in v) return sha256(Buffer.concat([PREFIX.entryHash2, Buffer.from(canonical(h), 'utf8')])).toString('hex');
  return entryHash(v as unknown as Entry);
}

export type ProofVerdict = { valid: true; receipts: number; acks: number; path: number } | { valid: false; code: string; why: string };

const ENTRY_MEMBERS = ['author', 'body', 'channel', 'heads', 'key', 'kind', 'prev', 'seq', 'sig', 'time', 'v'];
const REDACTED_MEMBERS = ['author', 'bodyHash', 'channel', 'heads', 'key', 'kind', 'prev', 'seq', 'sig', 'time', 'v'];
const sameMembers = (o: unknown, names: string[]): boolean =>
  typeof o === 'object' && o !== null && !Array.isArray(o) && canonical(Object.keys(o).sort()) === canonical([...names].sort());

/**
 * §14.4, from the text alone: steps 1-8 in order, the first failure's code. The schemas of Appendix A
 * are checked only as far as this peer needs (member sets, kinds, §4.4 step 8's structural rules).
 */
export function verifyProofDoc(doc: Record<string, unknown>): ProofVerdict {
  class Stop extends Error {
    constructor(readonly code: string, readonly why: string) {
      super(why);
    }
  }
  const stop = (code: string, why: string): never => {
    throw new Stop(code, why);
  };
  const whole = (v: unknown, what: string): Record<string, unknown> => {
    if (!sameMembers(v, ENTRY_MEMBERS)) stop('PROOF_MALFORMED', `${what}: not an entry`);
    const e = v as unknown as Entry;
    if ((e.channel === null) !== (e.kind === 'charter.propose') || (e.prev === null) !== (e.seq === 1) || e.author in e.heads) stop('PROOF_MALFORMED', `${what}: §4.4 step 8`);
    if (Buffer.byteLength(canonical(e), 'utf8') > 65_536) stop('PROOF_MALFORMED', `${what}: too large`);
    return v as Record<string, unknown>;
  };
  const redacted = (v: unknown, what: string): Record<string, unknown> => {
    if (!sameMembers(v, REDACTED_MEMBERS) || (v as { v: unknown }).v !== 2) stop('PROOF_MALFORMED', `${what}: not a redacted entry`);
    return v as Record<string, unknown>;
  };
  try {
    if (doc.type !== 'hotline.proof') stop('PROOF_MALFORMED', 'type');
    if (doc.v !== 2) stop('PROOF_UNSUPPORTED_VERSION', 'v');
    const allowed = new Set(['type', 'v', 'channel', 'proposal', 'cards', 'message', 'body', 'path', 'receipts', 'acks', 'madeAt']);
    if (Object.keys(doc).some((k) => !allowed.has(k)) || !Array.isArray(doc.cards) || !Array.isArray(doc.path) || !Array.isArray(doc.receipts) || !Array.isArray(doc.acks) || doc.receipts.length < 1) stop('PROOF_MALFORMED', 'schema');
    const channel = doc.channel as string;
    // 2. the proposal, bound by its hash (its signature is not checked).
    const proposal = whole(doc.proposal, 'proposal') as unknown as Entry;
    if (proposal.kind !== 'charter.propose' || entryHash(proposal) !== channel) stop('PROOF_WRONG_CHANNEL', 'proposal');
    const parties = new Set((proposal.body.charter as { parties: Array<{ party: string }> }).parties.map((p) => p.party));
    // 3. cards.
    const cards = new Map<string, PartyCard[]>();
    for (const c of doc.cards as PartyCard[]) {
      if (!cardValid(c)) stop('PROOF_BAD_CARD', c.code);
      cards.set(c.party, [...(cards.get(c.party) ?? []), c]);
    }
    const step4 = (v: Record<string, unknown>, what: string): string => {
      const e = v as unknown as Entry;
      if (e.channel !== channel) stop('PROOF_WRONG_CHANNEL', what);
      const hash = proofEntryHash(v);
      if (!verifySig(e.key, entryPrefix(e.v), Buffer.from(hash, 'hex'), e.sig)) stop('PROOF_BAD_SIGNATURE', what);
      if (!(cards.get(e.author) ?? []).some((c) => keysAt(c, e.time).includes(e.key))) stop('PROOF_UNKNOWN_KEY', what);
      return hash;
    };
    // 4-5. the message.
    const hasBody = doc.body !== undefined;
    const mv = hasBody ? redacted(doc.message, 'message') : whole(doc.message, 'message');
    const m = mv as unknown as Entry;
    if (!parties.has(m.author) || m.kind !== 'message' || (m.v === 2) !== hasBody) stop('PROOF_MALFORMED', 'message');
    const mHash = step4(mv, 'message');
    if (hasBody && bodyHashOf(doc.body) !== (mv.bodyHash as string)) stop('PROOF_BAD_BODY', 'message body');
    // 6. the path.
    const chain = [mHash];
    let prev = m;
    (doc.path as unknown[]).forEach((raw, i) => {
      const v = typeof raw === 'object' && raw !== null && 'bodyHash' in raw ? redacted(raw, `path ${i}`) : whole(raw, `path ${i}`);
      const e = v as unknown as Entry;
      if (e.author !== m.author || e.seq !== m.seq + 1 + i || e.prev !== chain[i] || e.time < prev.time || e.v < prev.v) stop('PROOF_BROKEN_CHAIN', `path ${i}`);
      chain.push(step4(v, `path ${i}`));
      prev = e;
    });
    // 7. receipts.
    let highest = m.seq;
    (doc.receipts as unknown[]).forEach((raw, i) => {
      const e = whole(raw, `receipt ${i}`) as unknown as Entry;
      const hold = e.kind === 'receipt' ? (e.body.holds as Array<{ author: string; seq: number; hash: string }>).find((h) => h.author === m.author) : undefined;
      if (e.kind !== 'receipt' || e.author === m.author || !parties.has(e.author) || !hold || hold.seq < m.seq || hold.seq > m.seq + chain.length - 1 || chain[hold.seq - m.seq] !== hold.hash) stop('PROOF_NOT_RECEIPTED', `receipt ${i}`);
      step4(raw as Record<string, unknown>, `receipt ${i}`);
      highest = Math.max(highest, hold!.seq);
    });
    if (m.seq + chain.length - 1 > highest) stop('PROOF_MALFORMED', 'the path goes beyond the highest receipt');
    // 8. acknowledgements.
    (doc.acks as unknown[]).forEach((raw, i) => {
      const e = whole(raw, `ack ${i}`) as unknown as Entry;
      if (e.kind !== 'ack' || e.body.message !== mHash || e.author === m.author || !parties.has(e.author)) stop('PROOF_BAD_ACK', `ack ${i}`);
      step4(raw as Record<string, unknown>, `ack ${i}`);
    });
    return { valid: true, receipts: (doc.receipts as unknown[]).length, acks: (doc.acks as unknown[]).length, path: chain.length - 1 };
  } catch (e) {
    if (e instanceof Stop) return { valid: false, code: e.code, why: e.why };
    return { valid: false, code: 'PROOF_MALFORMED', why: String(e) };
  }
}

// ---- §5 the charter's state, §5.5 kinds allowed, §6 / §6.1 / §13.3 rules of a kind --------------

export interface Charter {
  title: Record<string, string>;
  parties: Array<{ party: string; code: string; roles: string[] }>;
  languages: string[];
  ackDeadlineSec: Record<string, number>;
  protocol?: 1 | 2;
  formats?: Array<{ id: string; version: number; hash: string }>;
  dialogue?: { positions?: string[]; endorse?: string[]; commitments?: string[]; categories?: string[] };
  [k: string]: unknown;
}

export interface CharterView {
  state: 'proposed' | 'active' | 'suspended' | 'closed' | 'declined' | 'withdrawn' | 'expired';
  /** The charter in force (§5.3). */
  charter: Charter;
  opened: boolean;
  /** Parties holding a suspension (§5.2 step 3). */
  suspendedBy: Set<string>;
  amendments: Array<{ hash: string; by: string; charter: Charter; status: 'adopted' | 'pending' | 'declined' | 'withdrawn'; accepted: Set<string> }>;
}

const byTimeThenHash = (a: Held, b: Held): number => a.entry.time - b.entry.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);

/** §5.2 and §5.3 from the entries `held` (any order; only control entries are read) at time `at`. */
export function charterState(proposal: Held, held: readonly Held[], at: number): CharterView {
  const P = proposal.entry.author;
  const C0 = proposal.entry.body.charter as Charter;
  const H0 = charterHash(C0);
  const of = (kind: string) => held.filter((h) => h.entry.kind === kind);
  const accepts = of('charter.accept');
  const accepted = new Set([P, ...accepts.filter((h) => h.entry.body.charter === H0).map((h) => h.entry.author)]);
  const opened = C0.parties.every((p) => accepted.has(p.party));
  const earliest = (l: Held[]) => [...l].sort(byTimeThenHash)[0];
  const declinedBy = earliest(of('charter.decline').filter((h) => h.entry.body.charter === H0));
  const withdrawnBy = earliest(of('charter.withdraw').filter((h) => h.entry.body.charter === H0 && h.entry.author === P));
  const closedBy = earliest(of('channel.close'));
  const last = new Map<string, Held>();
  for (const h of [...of('channel.suspend'), ...of('channel.resume')]) {
    const l = last.get(h.entry.author);
    if (!l || h.entry.seq > l.entry.seq) last.set(h.entry.author, h);
  }
  const suspending = [...last.values()].filter((h) => h.entry.kind === 'channel.suspend').map((h) => h.entry.author);
  // §5.3: one amendment per charter hash (never the proposal's), its entry the earliest of those
  // proposing it, each of their authors accepting; walked in causal order, then oldest first (time,
  // then charter hash); each judged against the charter then in force.
  let inForce = C0;
  const amendments: CharterView['amendments'] = [];
  const byHash = new Map<string, { h: Held; c: Charter; hash: string; proposers: string[] }>();
  for (const h of of('charter.amend')) {
    const hash = charterHash(h.entry.body.charter);
    if (hash === H0) continue;
    const seen = byHash.get(hash);
    if (!seen) byHash.set(hash, { h, c: h.entry.body.charter as Charter, hash, proposers: [h.entry.author] });
    else byHash.set(hash, { ...(byTimeThenHash(h, seen.h) < 0 ? { h, c: h.entry.body.charter as Charter } : { h: seen.h, c: seen.c }), hash, proposers: [...seen.proposers, h.entry.author] });
  }
  const before = (x: Held, y: Held) => (x.entry.author === y.entry.author ? x.entry.seq < y.entry.seq : ((y.entry.heads as Record<string, { seq: number }>)[x.entry.author]?.seq ?? 0) >= x.entry.seq);
  const left = [...byHash.values()].sort((a, b) => a.h.entry.time - b.h.entry.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const amends: typeof left = [];
  while (left.length > 0) {
    const i = Math.max(0, left.findIndex((y) => !left.some((x) => x !== y && before(x.h, y.h))));
    amends.push(left.splice(i, 1)[0]!);
  }
  for (const a of amends) {
    const acc = new Set([...a.proposers, ...accepts.filter((h) => h.entry.body.charter === a.hash).map((h) => h.entry.author)]);
    const status = held.some((h) => h.entry.kind === 'charter.withdraw' && h.entry.body.charter === a.hash && h.entry.author === a.h.entry.author)
      ? 'withdrawn'
      : of('charter.decline').some((h) => h.entry.body.charter === a.hash)
        ? 'declined'
        : opened && [...inForce.parties, ...a.c.parties].every((p) => acc.has(p.party))
          ? 'adopted'
          : 'pending';
    amendments.push({ hash: a.hash, by: a.h.entry.author, charter: a.c, status, accepted: acc });
    if (status === 'adopted') inForce = a.c;
  }
  // §5.4: a suspension counts while its author is a party of the charter in force.
  const suspendedBy = new Set(suspending.filter((p) => inForce.parties.some((x) => x.party === p)));
  const expires = C0.expires as number | undefined;
  const state: CharterView['state'] = closedBy
    ? 'closed'
    : opened
      ? suspendedBy.size > 0 ? 'suspended' : 'active'
      : withdrawnBy ? 'withdrawn' : declinedBy ? 'declined' : expires !== undefined && at > expires ? 'expired' : 'proposed';
  return { state, charter: inForce, opened, suspendedBy, amendments };
}

export const DIALOGUE_KINDS = ['issue.open', 'issue.position', 'meeting.propose', 'meeting.accept', 'meeting.decline', 'meeting.reschedule', 'readout.file', 'text.draft', 'text.amend', 'text.endorse', 'commitment.add', 'commitment.update', 'commitment.confirm', 'commitment.dispute'];

/** §5.5, word for word. */
export const ALLOWED: Record<CharterView['state'], string[]> = {
  proposed: ['charter.accept', 'charter.decline', 'charter.withdraw', 'receipt', 'key.rotate', 'key.revoke'],
  active: ['charter.accept', 'charter.decline', 'charter.withdraw', 'charter.amend', 'channel.suspend', 'channel.close', 'message', 'receipt', 'ack', 'link.test', 'link.echo', 'link.summary', 'link.state', 'checkpoint', 'key.rotate', 'key.revoke', ...DIALOGUE_KINDS],
  suspended: ['charter.accept', 'charter.decline', 'charter.withdraw', 'channel.suspend', 'channel.resume', 'channel.close', 'receipt', 'ack', 'link.test', 'link.echo', 'link.summary', 'link.state', 'checkpoint', 'key.rotate', 'key.revoke'],
  closed: ['receipt', 'checkpoint', 'key.rotate', 'key.revoke'],
  declined: ['receipt', 'key.rotate', 'key.revoke'],
  withdrawn: ['receipt', 'key.rotate', 'key.revoke'],
  expired: ['receipt', 'key.rotate', 'key.revoke'],
};

const STANDARD_CATEGORIES = ['trade', 'human-rights', 'cybersecurity', 'territorial', 'maritime', 'crisis-communication', 'cooperation'];

/** A format definition (§13.1), as far as this peer reads it. */
export interface FormatDef {
  type: 'hotline.format';
  v: 1;
  id: string;
  version: number;
  precedence: string;
  ackDeadlineSec: number;
  fields: Array<{ name: string; type: string; required: boolean; many?: number; values?: string[] }>;
  languages: Record<string, { title: string; fields: Record<string, string>; values: Record<string, Record<string, string>>; template: string }>;
}

/** §13.1: SHA-256("hotline/1/format\0" || canonical JSON of the definition), hex. */
export const formatHash = (def: unknown): string => sha256(Buffer.concat([Buffer.from('hotline/1/format\0', 'latin1'), Buffer.from(canonical(def), 'utf8')])).toString('hex');

/**
 * The checks of §7 steps 9, 10, 12 and 14 this peer makes on an entry `e` whose causal past is
 * `past` (the proposal included): the code of the first that fails, or undefined. Step 14 covers the
 * charter answers, suspension, messages (role, replyTo, §13.3 rules 1-2 and the field names), acks
 * and the dialogue kinds of §6.1, and link records (§6.2); checkpoints are judged elsewhere.
 */
export function judgeInContext(proposal: Held, past: readonly Held[], e: Entry, formats: ReadonlyMap<string, FormatDef>): string | undefined {
  const v = charterState(proposal, past, e.time);
  const pending = v.amendments.find((a) => a.status === 'pending');
  const parties = new Set(v.charter.parties.map((p) => p.party));
  if (!parties.has(e.author) && !pending?.charter.parties.some((p) => p.party === e.author)) return 'ENTRY_AUTHOR_NOT_PARTY';
  if (e.v !== (v.charter.protocol ?? 1)) return 'ENTRY_WRONG_VERSION';
  if (!ALLOWED[v.state].includes(e.kind)) return e.kind === 'charter.accept' && v.state === 'expired' ? 'CHANNEL_EXPIRED' : 'ENTRY_KIND_NOT_ALLOWED';
  // §7 step 13, heads rule 4: a party of the charter in force, of the proposal or of any amendment in the causal past.
  const everListed = new Set([...(proposal.entry.body.charter as Charter).parties, ...v.charter.parties, ...v.amendments.flatMap((a) => a.charter.parties)].map((p) => p.party));
  if (Object.keys(e.heads).some((a) => !everListed.has(a))) return 'ENTRY_BAD_REFERENCE';
  const b = e.body;
  const byHash = new Map(past.map((h) => [h.hash, h]));
  const ref = (hash: unknown, kinds: string[]) => {
    const h = typeof hash === 'string' ? byHash.get(hash) : undefined;
    return h && kinds.includes(h.entry.kind) ? h : undefined;
  };
  // §6: roles are those the charter in force gives (a party that only a pending amendment lists has none yet).
  const rolesOf = (party: string) => v.charter.parties.filter((p) => p.party === party).flatMap((p) => p.roles);
  const roleOk = (o: unknown, narrowed?: string[]) => {
    const role = (o as { role?: string } | undefined)?.role;
    return !!role && rolesOf(e.author).includes(role) && (!narrowed || narrowed.includes(role));
  };
  const H0 = charterHash(proposal.entry.body.charter);
  const d = v.charter.dialogue ?? {};
  const positions = d.positions ?? ['plenipotentiary', 'principal'];
  const endorse = d.endorse ?? ['plenipotentiary'];
  const commitments = d.commitments ?? ['plenipotentiary', 'principal'];
  switch (e.kind) {
    case 'charter.accept':
    case 'charter.decline': {
      if (b.charter === H0) {
        if (v.state !== 'proposed') return 'ENTRY_KIND_NOT_ALLOWED';
        if (e.author === proposal.entry.author || past.some((h) => ['charter.accept', 'charter.decline'].includes(h.entry.kind) && h.entry.body.charter === H0 && h.entry.author === e.author)) return 'ENTRY_KIND_NOT_ALLOWED';
        return undefined;
      }
      const a = v.amendments.find((x) => x.hash === b.charter);
      if (!a) return 'ENTRY_BAD_REFERENCE';
      if (a.status !== 'pending' || a.accepted.has(e.author)) return 'ENTRY_KIND_NOT_ALLOWED';
      return undefined;
    }
    case 'charter.withdraw': {
      if (b.charter === H0) return e.author === proposal.entry.author && v.state === 'proposed' ? undefined : 'ENTRY_KIND_NOT_ALLOWED';
      const a = v.amendments.find((x) => x.hash === b.charter);
      return a && a.by === e.author && a.status === 'pending' ? undefined : 'ENTRY_BAD_REFERENCE';
    }
    case 'charter.amend': {
      if (pending) return 'ENTRY_KIND_NOT_ALLOWED';
      const c = b.charter as Charter;
      const ds = c.ackDeadlineSec;
      const codes = c.parties.map((p) => p.code);
      const ids = (c.formats ?? []).map((f) => `${f.id}@${f.version}`);
      // §5.1: every party id an acceptable key (§3.1), then the rest.
      if (c.parties.some((p) => { const raw = fromB64u(p.party, 32); return !raw || !acceptableKey(raw); })) return 'CHARTER_INVALID';
      if (new Set(c.parties.map((p) => p.party)).size !== c.parties.length || new Set(codes).size !== codes.length || !c.parties.some((p) => p.party === e.author) || c.languages.some((l) => !(l in c.title)) || !(ds.FLASH! <= ds.IMMEDIATE! && ds.IMMEDIATE! <= ds.PRIORITY! && ds.PRIORITY! <= ds.ROUTINE!) || new Set(ids).size !== ids.length || (c.protocol ?? 1) < (v.charter.protocol ?? 1)) return 'CHARTER_INVALID';
      // §5.3: an amendment is named by its charter's hash: never the proposal's nor an earlier amendment's.
      if (charterHash(c) === H0 || v.amendments.some((a) => a.hash === charterHash(c))) return 'CHARTER_INVALID';
      return undefined;
    }
    case 'channel.suspend':
    case 'channel.close':
      // §5.4: only a party of the charter in force (not one a pending amendment would add).
      if (!v.charter.parties.some((p) => p.party === e.author)) return 'ENTRY_KIND_NOT_ALLOWED';
      return e.kind === 'channel.suspend' && v.suspendedBy.has(e.author) ? 'ENTRY_KIND_NOT_ALLOWED' : undefined;
    case 'channel.resume':
      return v.suspendedBy.has(e.author) ? undefined : 'ENTRY_KIND_NOT_ALLOWED';
    case 'message': {
      if (b.from !== undefined && !roleOk(b.from)) return 'ENTRY_ROLE_NOT_ALLOWED';
      if (b.replyTo !== undefined && !ref(b.replyTo, ['message'])) return 'ENTRY_BAD_REFERENCE';
      if (b.format !== undefined) {
        const f = b.format as { id: string; version: number; hash: string };
        if (!(v.charter.formats ?? []).some((x) => x.id === f.id && x.version === f.version && x.hash === f.hash)) return 'FORMAT_NOT_AGREED';
        const def = formats.get(f.hash);
        if (!def || def.id !== f.id || def.version !== f.version) return 'FORMAT_UNKNOWN';
        const fields = b.fields as Record<string, unknown>;
        if (Object.keys(fields).some((k) => !def.fields.some((x) => x.name === k)) || def.fields.some((x) => x.required && !(x.name in fields))) return 'FORMAT_FIELDS_INVALID';
      }
      return undefined;
    }
    case 'ack': {
      const m = ref(b.message, ['message']);
      if (!m || m.entry.author === e.author) return 'ENTRY_BAD_REFERENCE';
      return roleOk(b.officer) ? undefined : 'ENTRY_ROLE_NOT_ALLOWED';
    }
    case 'link.summary':
    case 'link.state': {
      // §6.2: every rule's failure is LINK_RECORD_INVALID. A peer is a party that may write in the
      // causal past (§7 step 9: of the charter in force or of a pending amendment), not the author.
      if ((v.charter.protocol ?? 1) < 2) return 'LINK_RECORD_INVALID';
      const writers = new Set([...parties, ...(pending?.charter.parties ?? []).map((p) => p.party)]);
      const peerOk = (p: unknown) => typeof p === 'string' && p !== e.author && writers.has(p);
      if (e.kind === 'link.state') return peerOk(b.peer) && b.state !== b.was && (b.at as number) <= e.time ? undefined : 'LINK_RECORD_INVALID';
      const from = b.from as number;
      const until = b.until as number;
      if (!(from < until && until <= e.time && until - from <= 86_400_000)) return 'LINK_RECORD_INVALID';
      type Q = { min: number; p50: number; p90: number; p99: number; max: number };
      const ordered = (q: Q | undefined) => !q || (q.min <= q.p50 && q.p50 <= q.p90 && q.p90 <= q.p99 && q.p99 <= q.max);
      const seen = new Set<string>();
      for (const l of b.peers as Array<{ peer: string; sent: number; answered: number; failures: number; rttMs?: Q; offsetMs?: Q }>) {
        if (!peerOk(l.peer) || seen.has(l.peer)) return 'LINK_RECORD_INVALID';
        seen.add(l.peer);
        if (l.answered + l.failures > l.sent) return 'LINK_RECORD_INVALID';
        if ((l.answered > 0) !== (l.rttMs !== undefined) || (l.answered > 0) !== (l.offsetMs !== undefined)) return 'LINK_RECORD_INVALID';
        if (!ordered(l.rttMs) || !ordered(l.offsetMs)) return 'LINK_RECORD_INVALID';
      }
      return undefined;
    }
  }
  if (!DIALOGUE_KINDS.includes(e.kind)) return undefined;
  // §6.1 "Order of the dialogue checks".
  if (!roleOk(b.by)) return 'ENTRY_ROLE_NOT_ALLOWED';
  const schedules = (meeting: string) => past.filter((h) => h.hash === meeting || (h.entry.kind === 'meeting.reschedule' && h.entry.body.meeting === meeting)).sort(byTimeThenHash);
  const answered = (kinds: string[], field: string, value: string) => past.some((h) => h.entry.author === e.author && kinds.includes(h.entry.kind) && h.entry.body[field] === value);
  switch (e.kind) {
    case 'issue.open':
      return [...STANDARD_CATEGORIES, ...(d.categories ?? [])].includes(b.category as string) ? undefined : 'DIALOGUE_INVALID';
    case 'issue.position':
      if (b.party !== e.author) return 'DIALOGUE_WRONG_PARTY';
      if (!ref(b.issue, ['issue.open'])) return 'ENTRY_BAD_REFERENCE';
      return roleOk(b.by, positions) ? undefined : 'ENTRY_ROLE_NOT_ALLOWED';
    case 'meeting.propose': {
      if (!((b.start as number) < (b.end as number))) return 'DIALOGUE_INVALID';
      if ((b.participants as Array<{ party: string }>).some((x) => !parties.has(x.party))) return 'DIALOGUE_INVALID';
      if (Object.keys((b.zones as Record<string, string> | undefined) ?? {}).some((p) => !parties.has(p))) return 'DIALOGUE_INVALID';
      return (b.agenda as string[]).every((i) => ref(i, ['issue.open'])) ? undefined : 'ENTRY_BAD_REFERENCE';
    }
    case 'meeting.reschedule':
      if (!ref(b.meeting, ['meeting.propose'])) return 'ENTRY_BAD_REFERENCE';
      return (b.start as number) < (b.end as number) ? undefined : 'DIALOGUE_INVALID';
    case 'meeting.accept':
    case 'meeting.decline': {
      if (!ref(b.meeting, ['meeting.propose'])) return 'ENTRY_BAD_REFERENCE';
      const s = schedules(b.meeting as string);
      const inForce = s[s.length - 1]!;
      if (b.schedule !== inForce.hash) return s.some((x) => x.hash === b.schedule) ? 'DIALOGUE_SUPERSEDED' : 'ENTRY_BAD_REFERENCE';
      if (inForce.entry.author === e.author) return 'DIALOGUE_INVALID';
      return answered(['meeting.accept', 'meeting.decline'], 'schedule', inForce.hash) ? 'DIALOGUE_INVALID' : undefined;
    }
    case 'readout.file': {
      if (!ref(b.meeting, ['meeting.propose'])) return 'ENTRY_BAD_REFERENCE';
      const s = schedules(b.meeting as string);
      const inForce = s[s.length - 1]!;
      const answers = past.filter((h) => ['meeting.accept', 'meeting.decline'].includes(h.entry.kind) && h.entry.body.schedule === inForce.hash);
      if (answers.some((h) => h.entry.kind === 'meeting.decline')) return 'DIALOGUE_MEETING_NOT_HELD';
      if ([...parties].some((p) => p !== inForce.entry.author && !answers.some((h) => h.entry.author === p))) return 'DIALOGUE_MEETING_NOT_HELD';
      return e.time >= (inForce.entry.body.start as number) ? undefined : 'DIALOGUE_MEETING_NOT_HELD';
    }
    case 'text.draft':
      return b.source === undefined || ref(b.source, ['issue.open', 'meeting.propose']) ? undefined : 'ENTRY_BAD_REFERENCE';
    case 'text.amend':
    case 'text.endorse': {
      if (!ref(b.draft, ['text.draft'])) return 'ENTRY_BAD_REFERENCE';
      const version = (e.kind === 'text.amend' ? b.base : b.version) as string;
      if (version !== b.draft && !past.some((h) => h.hash === version && h.entry.kind === 'text.amend' && h.entry.body.draft === b.draft)) return 'DIALOGUE_UNKNOWN_VERSION';
      if (past.some((h) => h.entry.kind === 'text.amend' && h.entry.body.base === version)) return 'DIALOGUE_SUPERSEDED';
      if (e.kind === 'text.endorse' && answered(['text.endorse'], 'version', version)) return 'DIALOGUE_INVALID';
      return e.kind === 'text.endorse' && !roleOk(b.by, endorse) ? 'ENTRY_ROLE_NOT_ALLOWED' : undefined;
    }
    case 'commitment.add':
      if (!parties.has(b.owner as string)) return 'DIALOGUE_INVALID';
      if (b.source !== undefined && !ref(b.source, ['issue.open', 'meeting.propose', 'text.draft'])) return 'ENTRY_BAD_REFERENCE';
      return roleOk(b.by, commitments) ? undefined : 'ENTRY_ROLE_NOT_ALLOWED';
    case 'commitment.update': {
      const c = ref(b.commitment, ['commitment.add']);
      if (!c) return 'ENTRY_BAD_REFERENCE';
      if (c.entry.body.owner !== e.author) return 'DIALOGUE_WRONG_PARTY';
      const s = b.status as string;
      if ((s === 'done' && b.note === undefined) || (s === 'delayed' && b.due === undefined) || (s === 'withdrawn' && b.note === undefined) || (s !== 'delayed' && b.due !== undefined)) return 'DIALOGUE_INVALID';
      return roleOk(b.by, commitments) ? undefined : 'ENTRY_ROLE_NOT_ALLOWED';
    }
    case 'commitment.confirm':
    case 'commitment.dispute': {
      const c = ref(b.commitment, ['commitment.add']);
      if (!c) return 'ENTRY_BAD_REFERENCE';
      const owner = c.entry.body.owner as string;
      if (owner === e.author) return 'DIALOGUE_WRONG_PARTY';
      const updates = past.filter((h) => h.entry.kind === 'commitment.update' && h.entry.author === owner && h.entry.body.commitment === c.hash).sort((x, y) => x.entry.seq - y.entry.seq);
      const latest = updates[updates.length - 1];
      if (latest?.entry.body.status !== 'done') return 'DIALOGUE_NOT_DONE';
      if (b.update !== latest.hash) return updates.some((u) => u.hash === b.update) ? 'DIALOGUE_SUPERSEDED' : 'ENTRY_BAD_REFERENCE';
      if (answered(['commitment.confirm', 'commitment.dispute'], 'update', latest.hash)) return 'DIALOGUE_INVALID';
      return roleOk(b.by, commitments) ? undefined : 'ENTRY_ROLE_NOT_ALLOWED';
    }
  }
  return undefined;
}

// ---- the peer ----------------------------------------------------------------------------------

/** A frame as sent or received on the stream (§12), kept for the test's report. */
export interface Ingested {
  outcome: 'accepted' | 'duplicate' | 'pending' | 'rejected';
  hash?: string;
  code?: string;
  message?: string;
  /** For `pending`: the ranges to fetch (§7), as a `want` names them (§12). */
  missing?: Array<{ channel: string; author: string; fromSeq: number; toSeq: number }>;
  /** A refusal the peer asked for: an own entry relayed back that proves a fork of its own log (§12 "A forked own log"). */
  ownFork?: true;
}

export interface FrameLog {
  dir: 'in' | 'out';
  side: 'server' | 'client';
  frame: Record<string, unknown>;
}

export interface Channel {
  id: string;
  proposal: Held;
  /** Per author: entries 1..n in order (index seq - 1). The proposer's log starts with the proposal. */
  logs: Map<string, Held[]>;
  /** Time each entry of another party arrived (link.echo's t2). */
  arrived: Map<string, number>;
}

export interface PeerOptions {
  code: string;
  name: string;
  host?: string;
  x509Validity?: { notBefore: number; notAfter: number };
}

/**
 * One clean-room party with one terminal: identity, card, store, federation server and client.
 * Officer actions are methods (accept, send, ack); receipts and link echoes are written by itself.
 */
export class SpecPeer {
  readonly code: string;
  readonly name: string;
  readonly root: Ed25519 = newEd25519();
  readonly terminal: Ed25519 = newEd25519();
  /**
   * The key that signs entries and link frames per channel: `terminal`, until rotateKey() names the
   * channel. A `key.rotate` counts only in its own channel (§3.2), so the key is per channel.
   */
  readonly signers = new Map<string, Ed25519>();
  signerOf(channelId: string): Ed25519 {
    return this.signers.get(channelId) ?? this.terminal;
  }
  tlsKeyPem = '';
  tlsCertPem = '';
  tlsPin = '';
  card!: PartyCard;
  port = 0;
  readonly frames: FrameLog[] = [];
  readonly problems: string[] = [];
  /** WebSocket pings received from the other terminal, on our server side and on our client side. */
  readonly pings: Array<{ side: 'server' | 'client'; at: number }> = [];
  /** Every HTTPS request and upgrade the server received: method (or UPGRADE) and URL. */
  readonly requests: string[] = [];
  /** While set, the server side answers no valid probe (the other terminal sees the line go down, §6.2). */
  mutedEchoes = false;
  /** Version-2 probes of the other terminal answered with an echo (§12.3). */
  probesAnswered = 0;
  /** The same, per channel. */
  readonly probesByChannel = new Map<string, number>();
  readonly channels = new Map<string, Channel>();
  /** The format definitions this peer holds, by format hash (§13.5). */
  readonly formats = new Map<string, FormatDef>();
  /** The card of the party this peer dials (its link; the party it pairs with first). */
  peerCard: PartyCard | undefined;
  /**
   * Cards of further parties it holds (§3.6: paired, fingerprint checked) but does not dial: their
   * entries reach it only as relayed by the dialled party (§12 `want`), and their keys are judged by
   * these cards (§3.2). A channel of more than two parties needs every party's card.
   */
  readonly otherCards = new Map<string, PartyCard>();
  /** Entries kept `pending` (§7) by this peer's server, offered again after every accepted entry. */
  readonly #pending = new Map<string, string>();
  /** Called after each entry of the other party is accepted (tests cut streams from here). */
  onAccepted: ((ch: Channel, held: Held) => void) | undefined;
  #server: HttpsServer | undefined;
  #wss: WebSocketServer | undefined;
  #client: WebSocket | undefined;
  #clientReady = false;
  #clientStop = false;
  #batch = 0;
  /** Per channel: own seq the other terminal holds (from holds / stored). */
  readonly #sentUpTo = new Map<string, number>();
  readonly #unanswered = new Map<number, string[]>();
  /** Cumulative receipt already written, per channel: the other party's seq covered. */
  readonly #receipted = new Map<string, number>();
  readonly #receiptTimers = new Map<string, NodeJS.Timeout>();
  #lastTime = 0;
  readonly #serverSockets = new Set<WebSocket>();
  #retry: NodeJS.Timeout | undefined;

  /** The X.509 validity of the TLS certificate (default: from a minute ago, a year). */
  readonly x509Validity: { notBefore: number; notAfter: number } | undefined;

  constructor(opts: PeerOptions) {
    this.x509Validity = opts.x509Validity;
    this.code = opts.code;
    this.name = opts.name;
  }

  /** Creates the TLS key and self-signed certificate, listens, and signs the card naming the endpoint. */
  async start(): Promise<void> {
    const now = Date.now();
    const id = await tlsIdentity(`spec-peer ${this.code}`, this.x509Validity);
    this.tlsCertPem = id.cert;
    this.tlsKeyPem = id.key;
    // §12 "Connection": the pin is the SHA-256 of the DER SubjectPublicKeyInfo.
    this.tlsPin = id.pin;

    await this.#listen();
    const certBody = {
      type: 'hotline.terminal-cert' as const,
      v: 1 as const,
      party: this.root.pub,
      key: this.terminal.pub,
      tls: this.tlsPin,
      notBefore: now - 60_000,
      notAfter: now + 365 * 86_400_000,
    };
    const tcert: TerminalCert = { ...certBody, sig: signWith(this.root, PREFIX.cert, Buffer.from(canonical(certBody), 'utf8')) };
    const cardBody = {
      type: 'hotline.party-card' as const,
      v: 1 as const,
      party: this.root.pub,
      code: this.code,
      names: { en: this.name },
      terminals: [tcert],
      revocations: [],
      endpoints: [`https://127.0.0.1:${this.port}`],
      issued: now,
    };
    this.card = { ...cardBody, sig: signWith(this.root, PREFIX.card, Buffer.from(canonical(cardBody), 'utf8')) };
  }

  /** Signs a new card with other endpoints (same certificates). */
  reissue(endpoints: string[]): void {
    const { sig: _sig, ...body } = this.card;
    const next = { ...body, endpoints, issued: Date.now() };
    this.card = { ...next, sig: signWith(this.root, PREFIX.card, Buffer.from(canonical(next), 'utf8')) };
  }

  get fingerprint(): string {
    return fingerprint(this.root.pub);
  }

  /** Pairs with the other party: its card, checked against the fingerprint heard on the phone (§3.3, §3.6). */
  pair(card: PartyCard, heardFingerprint: string): void {
    if (!cardValid(card)) throw new Error('the peer card does not verify');
    if (fingerprint(card.party).replace(/\D/g, '') !== heardFingerprint.replace(/\D/g, '')) throw new Error('fingerprint mismatch');
    this.peerCard = card;
  }

  /** A lying server (tests of §12 "A forked own log"): the hash its `heads` names for the other terminal's log, per channel. */
  readonly headsLie = new Map<string, string>();

  /** When set, sign() uses these heads instead of the newest held of every other author (tests of §7 heads rules). */
  headsOverride: Entry['heads'] | undefined;

  /** Takes the card of a further party (§3.6) without dialling it: its entries come relayed. */
  know(card: PartyCard, heardFingerprint: string): void {
    if (!cardValid(card)) throw new Error('the card does not verify');
    if (fingerprint(card.party).replace(/\D/g, '') !== heardFingerprint.replace(/\D/g, '')) throw new Error('fingerprint mismatch');
    this.otherCards.set(card.party, card);
  }

  /** The card held of `party` (the dialled one, or a further one). */
  cardOf(party: string): PartyCard | undefined {
    return this.peerCard?.party === party ? this.peerCard : this.otherCards.get(party);
  }

  /** Starts the link: dials the other party's first endpoint, and again after every close. */
  connect(): void {
    this.#clientStop = false;
    this.#dial();
  }

  /** Stops dialling and closes the link's stream (connect() starts it again). */
  disconnect(): void {
    this.#clientStop = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#client?.terminate();
  }

  /** Cuts every stream the other terminal opened to us (its client side; it redials by itself). */
  dropServer(): void {
    for (const s of this.#serverSockets) s.terminate();
  }

  /** Closes the link's stream (it redials by itself after 300 ms). */
  dropClient(): void {
    this.#client?.terminate();
  }

  async stop(): Promise<void> {
    this.#clientStop = true;
    if (this.#retry) clearTimeout(this.#retry);
    for (const t of this.#receiptTimers.values()) clearTimeout(t);
    for (const t of this.#forkSuspected.values()) clearTimeout(t);
    this.#client?.terminate();
    for (const s of this.#serverSockets) s.terminate();
    this.#wss?.close();
    const server = this.#server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  // ---- store -----------------------------------------------------------------------------------

  channel(id: string): Channel {
    const c = this.channels.get(id);
    if (!c) throw new Error(`no channel ${id}`);
    return c;
  }

  log(ch: Channel, author: string): Held[] {
    let l = ch.logs.get(author);
    if (!l) ch.logs.set(author, (l = []));
    return l;
  }

  /**
   * Takes one entry text of the other party into the store; the outcome of §7 (only the checks this
   * peer needs: channel, duplicate, signature, key from the card, sequence, prev, time).
   */
  ingest(text: string): Ingested {
    const r = this.#ingestOne(text);
    if (r.outcome === 'pending' && r.hash) this.#pending.set(r.hash, text);
    if (r.outcome !== 'accepted') return r;
    // §7 "offer it again later": what waited for this entry may fit now.
    for (let progress = true; progress; ) {
      progress = false;
      for (const [hash, t] of [...this.#pending]) {
        const again = this.#ingestOne(t);
        if (again.outcome === 'pending') continue;
        this.#pending.delete(hash);
        if (again.outcome === 'accepted') progress = true;
        else if (again.outcome === 'rejected') this.problems.push(`server: a pending entry was rejected once offered again: ${again.code} ${t.slice(0, 200)}`);
      }
    }
    return r;
  }

  /** Entries held pending (§7), by hash. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  #ingestOne(text: string): Ingested {
    const { held, code } = parseEntry(text);
    if (!held) return { outcome: 'rejected', code: code ?? 'ENTRY_MALFORMED', message: 'refused by the spec peer' };
    const e = held.entry;
    if (e.author === this.root.pub) return this.#ingestOwn(held);
    const card = this.cardOf(e.author);
    if (!card) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_AUTHOR_NOT_PARTY', message: 'not a paired party' };
    if (!keysAt(card, e.time).includes(e.key)) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_UNKNOWN_KEY', message: 'key not on the card' };
    if (e.kind === 'charter.propose') {
      if (e.channel !== null || e.seq !== 1) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_MALFORMED', message: 'bad proposal' };
      if (this.channels.has(held.hash)) return { outcome: 'duplicate', hash: held.hash };
      const ch: Channel = { id: held.hash, proposal: held, logs: new Map(), arrived: new Map() };
      ch.logs.set(e.author, [held]);
      this.channels.set(held.hash, ch);
      return { outcome: 'accepted', hash: held.hash };
    }
    const ch = e.channel ? this.channels.get(e.channel) : undefined;
    if (!ch) return { outcome: 'pending', hash: held.hash, code: 'ENTRY_UNKNOWN_DEPENDENCY', message: 'proposal not held', missing: [{ channel: e.channel!, author: '', fromSeq: 1, toSeq: 1 }] };
    const log = this.log(ch, e.author);
    const at = log[e.seq - 1];
    if (at) return at.hash === held.hash ? { outcome: 'duplicate', hash: held.hash } : { outcome: 'rejected', hash: held.hash, code: 'ENTRY_EQUIVOCATION', message: 'another entry at this seq' };
    if (e.seq > log.length + 1) return { outcome: 'pending', hash: held.hash, code: 'ENTRY_SEQUENCE_GAP', message: 'gap', missing: [{ channel: ch.id, author: e.author, fromSeq: log.length + 1, toSeq: e.seq - 1 }] };
    // §7 step 5: a head beyond what is held of its author waits for it (relayed on `want`, §12).
    const lacking = Object.entries(e.heads)
      .filter(([author, h]) => h.seq > this.log(ch, author).length) // own entries too: after a restore (§12 "Reconciling")
      .map(([author, h]) => ({ channel: ch.id, author, fromSeq: this.log(ch, author).length + 1, toSeq: h.seq }));
    if (lacking.length) return { outcome: 'pending', hash: held.hash, code: 'ENTRY_UNKNOWN_DEPENDENCY', message: 'heads not held', missing: lacking };
    const before = log[e.seq - 2];
    if (e.seq === 1 ? e.prev !== null : !before || e.prev !== before.hash) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_WRONG_PREVIOUS_HASH', message: 'prev' };
    if (before && e.time < before.entry.time) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_TIME_REGRESSED', message: 'time' };
    // §7 heads rules 1 and 2, head by head in ascending party-id order, then rule 3.
    for (const [author, h] of Object.entries(e.heads).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const theirs = this.log(ch, author)[h.seq - 1];
      if (theirs && theirs.hash !== h.hash && author === this.root.pub) {
        // §12 "A forked own log": an entry citing an own entry with another hash than the own one;
        // refused (rule 1), and the own entries are asked back up to that seq.
        this.#suspectFork(ch.id, h.seq);
        return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_UNKNOWN_DEPENDENCY', message: 'cites another own entry than ours', ownFork: true };
      }
      if (!theirs || theirs.hash !== h.hash) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_UNKNOWN_DEPENDENCY', message: 'head not held' };
      for (const [b, hb] of Object.entries(theirs.entry.heads))
        if (b !== e.author && (e.heads[b]?.seq ?? 0) < hb.seq) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_HEADS_REGRESSED', message: `heads not transitively closed (${b})` };
    }
    for (const [b, hb] of Object.entries(before?.entry.heads ?? {}))
      if ((e.heads[b]?.seq ?? 0) < hb.seq) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_HEADS_REGRESSED', message: `heads went back (${b})` };
    // §7 steps 9, 10, 12, 14 as far as this peer judges: the other party's entries must keep them.
    const judged = judgeInContext(ch.proposal, this.causalPast(ch, e), e, this.formats);
    if (judged) {
      this.problems.push(`server: ${e.kind} #${e.seq} ${held.hash} of the other party breaks the spec: ${judged}`);
      return { outcome: 'rejected', hash: held.hash, code: judged, message: 'judged by the spec peer' };
    }
    if (e.kind === 'checkpoint') {
      // §15.1: a terminal MUST NOT accept a checkpoint it has not checked against its own copy.
      if (e.v !== 2) return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_KIND_NOT_ALLOWED', message: 'checkpoint on version 1' };
      const want = lastingCommitment(this.causalPast(ch, e));
      if (want.count !== e.body.count || want.lasting !== e.body.lasting) {
        this.problems.push(`server: checkpoint ${held.hash} commits to ${canonical(e.body)}, the peer computes ${canonical(want)}`);
        return { outcome: 'rejected', hash: held.hash, code: 'CHECKPOINT_MISMATCH', message: 'commitment' };
      }
    }
    log.push(held);
    ch.arrived.set(held.hash, Date.now());
    this.#afterAccept(ch, held);
    this.onAccepted?.(ch, held);
    return { outcome: 'accepted', hash: held.hash };
  }

  /**
   * An own entry relayed back (§12 "Reconciling"): a copy of one held is a duplicate; the next one,
   * signed by an own key with `prev` the own head, is taken back into the own log; one at a held
   * seq with another hash, or a `prev` that is not the own head, proves a fork.
   */
  #ingestOwn(held: Held): Ingested {
    const e = held.entry;
    const ch = e.channel ? this.channels.get(e.channel) : this.channels.get(held.hash);
    if (!ch) return { outcome: 'duplicate', hash: held.hash };
    const own = this.log(ch, this.root.pub);
    const at = own[e.seq - 1];
    const keys = new Set([this.terminal.pub, ...[...this.signers.values()].map((k) => k.pub)]);
    // §12 "A forked own log": an entry relayed back, signed by an own key, that differs from the own
    // entry at its seq, or whose prev is not the own entry before it, proves the fork; the lowest
    // such seq is where it forked.
    const proves = keys.has(e.key) && ((at !== undefined && at.hash !== held.hash) || (e.seq > 1 && own[e.seq - 2] !== undefined && e.prev !== own[e.seq - 2]!.hash));
    if (proves && (this.#forkSuspected.has(ch.id) || this.forkedAt.has(ch.id))) {
      this.forkedAt.set(ch.id, Math.min(this.forkedAt.get(ch.id) ?? e.seq, e.seq));
      this.#forkSuspected.delete(ch.id);
      return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_EQUIVOCATION', message: 'a fork of the own log', ownFork: true };
    }
    if (at) return at.hash === held.hash ? { outcome: 'duplicate', hash: held.hash } : { outcome: 'rejected', hash: held.hash, code: 'ENTRY_EQUIVOCATION', message: 'a fork of the own log' };
    if (e.seq > own.length + 1) return { outcome: 'pending', hash: held.hash, code: 'ENTRY_SEQUENCE_GAP', message: 'gap', missing: [{ channel: ch.id, author: this.root.pub, fromSeq: own.length + 1, toSeq: e.seq - 1 }] };
    if (!keys.has(e.key) || e.prev !== (own.at(-1)?.hash ?? null)) {
      this.problems.push(`server: an own entry #${e.seq} relayed back is not ours or forks the own log`);
      return { outcome: 'rejected', hash: held.hash, code: 'ENTRY_EQUIVOCATION', message: 'a fork of the own log' };
    }
    own.push(held);
    this.recovered.push(held);
    const target = this.#reconciling.get(ch.id);
    if (target !== undefined && target > 0 && own.length >= target) this.#reconciled(ch);
    return { outcome: 'accepted', hash: held.hash };
  }

  /** Own entries taken back from the other terminal (§12 "Reconciling"). */
  readonly recovered: Held[] = [];
  /** Channels whose own log is being recovered: the seq to reach (-1 until `holds` says it). It signs nothing there meanwhile. */
  readonly #reconciling = new Map<string, number>();

  /** Whether the own log of the channel is being recovered (§12 "Reconciling"). */
  reconciling(channelId: string): boolean {
    return this.#reconciling.has(channelId);
  }

  /**
   * A restore from a backup (§12 "Reconciling"): the own log of the channel is cut to its first
   * `keep` entries, and the link is dialled again; `holds` then says what the other terminal holds
   * of it, and the peer asks for the rest with `want` before it signs anything there.
   */
  restoreOwn(channelId: string, keep: number): void {
    const ch = this.channel(channelId);
    this.log(ch, this.root.pub).splice(keep);
    this.#reconciling.set(ch.id, -1);
    this.#sentUpTo.set(ch.id, keep);
    this.dropClient();
  }

  /**
   * §12 "A forked own log": channels where the other terminal's `heads` named, at a seq not above
   * the own head, another hash than the own entry's; the own entries were asked back with `want`,
   * and nothing is signed or pushed there until they prove the fork or 30 s pass (then the claim is
   * not believed, and that terminal's later claims on the channel hold nothing up).
   */
  readonly #forkSuspected = new Map<string, NodeJS.Timeout>();
  /** Claims not believed (§12: no entry proving them came within 30 s), per channel. */
  readonly disbelieved = new Set<string>();
  /** Channels whose own log is proven forked, and the lowest seq where it forked: nothing is signed or pushed there. */
  readonly forkedAt = new Map<string, number>();
  /** The `heads` frame last received on the link's stream (read with the `holds` after it). */
  #lastHeads: Record<string, string> | undefined;
  /** How long a `heads` claim may go unproven (§12: 30 s); shorter in tests of the rule. */
  forkClaimMs = 30_000;

  /**
   * A restore from an old backup that then signs on before its peers are back (§12 "A forked own
   * log"): the own log of the channel is cut to its first `keep` entries and the link closed; what
   * the test signs next forks the log; connect() dials again.
   */
  rewindOwn(channelId: string, keep: number): void {
    const ch = this.channel(channelId);
    this.disconnect();
    this.log(ch, this.root.pub).splice(keep);
    this.#sentUpTo.set(ch.id, keep);
  }

  /** Asks for the own entries up to `seq` (§12 "A forked own log") and signs and pushes nothing there meanwhile. */
  #suspectFork(id: string, seq: number): void {
    if (this.disbelieved.has(id) || this.forkedAt.has(id)) return;
    if (!this.#forkSuspected.has(id))
      this.#forkSuspected.set(
        id,
        setTimeout(() => {
          // Not proven within the time: not believed (the client signs on).
          if (this.#forkSuspected.delete(id)) this.disbelieved.add(id);
          this.#push();
        }, this.forkClaimMs),
      );
    this.toClients({ t: 'want', channel: id, author: this.root.pub, fromSeq: Math.max(1, seq - 1023), toSeq: seq });
  }

  /** Whether a `heads` claim of a fork is being checked on the channel. */
  forkSuspected(channelId: string): boolean {
    return this.#forkSuspected.has(channelId);
  }

  #reconciled(ch: Channel): void {
    this.#reconciling.delete(ch.id);
    if (this.#owed.delete(ch.id)) this.#scheduleReceipt(ch);
  }

  /** Machine-written answers (§6): cumulative receipts, link echoes. */
  #afterAccept(ch: Channel, held: Held): void {
    // Once this party has answered the proposal (its proposer counts as having answered, §6), and
    // only while it may write (§7 step 9: a party of the charter in force or of a pending amendment).
    const accepted = ch.proposal.entry.author === this.root.pub || this.log(ch, this.root.pub).some((h) => h.entry.kind === 'charter.accept');
    if (!accepted || !this.writes(ch.id)) return;
    if (this.#quiet || this.#reconciling.has(ch.id) || this.#forkSuspected.has(ch.id) || this.forkedAt.has(ch.id)) {
      if (held.entry.kind !== 'receipt') this.#owed.add(ch.id);
      return;
    }
    if (held.entry.kind === 'link.test') this.write(ch.id, 'link.echo', { test: held.hash, t1: held.entry.body.t1 as number, t2: ch.arrived.get(held.hash) ?? Date.now(), t3: Date.now() });
    // SPEC: which kinds draw a receipt is not stated; receipts themselves are not receipted here
    // (else two terminals would receipt each other's receipts for ever; §6.2 counts "two receipts"
    // per test+echo pair, consistent with that).
    if (held.entry.kind !== 'receipt') this.#scheduleReceipt(ch);
  }

  #quiet = false;
  readonly #owed = new Set<string>();
  /**
   * While quiet the peer writes nothing by itself (no receipt, no echo), so that a test may sign
   * entries at its next place and send them on a stream of its own without racing a machine-written
   * entry for that place. Receipts owed meanwhile are written when it speaks again.
   */
  set quiet(q: boolean) {
    this.#quiet = q;
    if (!q) for (const id of this.#owed) this.#scheduleReceipt(this.channel(id));
    if (!q) this.#owed.clear();
  }

  #scheduleReceipt(ch: Channel): void {
    if (this.#quiet || this.#reconciling.has(ch.id) || this.#forkSuspected.has(ch.id) || this.forkedAt.has(ch.id)) {
      this.#owed.add(ch.id);
      return;
    }
    if (this.#receiptTimers.has(ch.id)) return;
    this.#receiptTimers.set(
      ch.id,
      setTimeout(() => {
        this.#receiptTimers.delete(ch.id);
        if (this.#quiet || this.#reconciling.has(ch.id) || this.#forkSuspected.has(ch.id) || this.forkedAt.has(ch.id)) {
          this.#owed.add(ch.id);
          return;
        }
        if (!this.writes(ch.id)) return;
        // §6 Receipts: one item per other author held, naming the newest entry held of it (as the
        // reference does), written when some author has entries no own receipt covers yet.
        const holds: Array<{ author: string; seq: number; hash: string }> = [];
        let news = false;
        for (const [author, log] of [...ch.logs].sort(([a], [b]) => (a < b ? -1 : 1))) {
          const last = log[log.length - 1];
          if (author === this.root.pub || !last) continue;
          holds.push({ author, seq: last.entry.seq, hash: last.hash });
          if ((this.#receipted.get(`${ch.id}/${author}`) ?? 0) < last.entry.seq) news = true;
        }
        if (!news) return;
        for (const h of holds) this.#receipted.set(`${ch.id}/${h.author}`, h.seq);
        this.write(ch.id, 'receipt', { holds });
      }, 100),
    );
  }

  /** §7: an entry's causal past among the entries held (the proposal, its author's 1..seq-1, each head's author's 1..heads[A].seq). */
  causalPast(ch: Channel, e: Pick<Entry, 'author' | 'seq' | 'heads'>): Held[] {
    const out = [ch.proposal, ...this.log(ch, e.author).slice(0, e.seq - 1)];
    for (const [author, h] of Object.entries(e.heads)) out.push(...this.log(ch, author).slice(0, h.seq));
    return [...new Map(out.map((x) => [x.hash, x])).values()];
  }

  /** The heads of a new own entry: the newest entry held of every other author. */
  #heads(ch: Channel): Entry['heads'] {
    const heads: Entry['heads'] = {};
    for (const [author, log] of ch.logs) {
      const top = log[log.length - 1];
      if (author !== this.root.pub && top) heads[author] = { seq: top.entry.seq, hash: top.hash };
    }
    return heads;
  }

  /** Writes a checkpoint (§15.1) over the very heads it is sealed with; `tamper` adds to its count (a wrong one). */
  checkpoint(channelId: string, tamper = 0): Held {
    const ch = this.channel(channelId);
    const seq = this.log(ch, this.root.pub).length + 1;
    const c = lastingCommitment(this.causalPast(ch, { author: this.root.pub, seq, heads: this.#heads(ch) }));
    const body = { count: c.count + tamper, lasting: c.lasting };
    return tamper === 0 ? this.write(channelId, 'checkpoint', body) : this.sign(channelId, 'checkpoint', body);
  }

  /** A new terminal key, certified by the root key (§3.4, same TLS key), announced by `key.rotate` in each channel given (§3.2); it signs from then on. */
  rotateKey(channelIds: string[], validity?: { notBefore: number; notAfter: number }): { key: Ed25519; entries: Held[] } {
    const key = newEd25519();
    const now = Date.now();
    const certBody = { type: 'hotline.terminal-cert' as const, v: 1 as const, party: this.root.pub, key: key.pub, tls: this.tlsPin, notBefore: validity?.notBefore ?? now - 1_000, notAfter: validity?.notAfter ?? now + 30 * 86_400_000 };
    const cert: TerminalCert = { ...certBody, sig: signWith(this.root, PREFIX.cert, Buffer.from(canonical(certBody), 'utf8')) };
    const entries = channelIds.map((id) => this.write(id, 'key.rotate', { cert }));
    for (const id of channelIds) this.signers.set(id, key);
    return { key, entries };
  }

  /** A revocation (§3.5) of one of this party's terminal keys from `from`, written as `key.revoke` in each channel given. */
  revokeKey(channelIds: string[], key: string, from: number, reason: string): Held[] {
    const body = { type: 'hotline.key-revocation' as const, v: 1 as const, party: this.root.pub, key, from, reason };
    const revocation = { ...body, sig: signWith(this.root, PREFIX.revocation, Buffer.from(canonical(body), 'utf8')) };
    return channelIds.map((id) => this.write(id, 'key.revoke', { revocation }));
  }

  /**
   * The proof (§14.3) of one own message: the other party's first receipt covering it, the path of
   * own entries up to the seq it holds, the other party's acknowledgements naming it.
   */
  makeProof(channelId: string, message: string): Record<string, unknown> | undefined {
    const ch = this.channel(channelId);
    const own = this.log(ch, this.root.pub);
    const m = own.find((h) => h.hash === message);
    const other = this.peerCard;
    if (!m || !other) return undefined;
    const theirs = this.log(ch, other.party);
    const receipt = theirs.find((h) => h.entry.kind === 'receipt' && (h.entry.body.holds as Array<{ author: string; seq: number }>).some((x) => x.author === this.root.pub && x.seq >= m.entry.seq));
    if (!receipt) return undefined;
    const s = (receipt.entry.body.holds as Array<{ author: string; seq: number }>).find((x) => x.author === this.root.pub)!.seq;
    const acks = theirs.filter((h) => h.entry.kind === 'ack' && h.entry.body.message === message);
    return {
      type: 'hotline.proof',
      v: 2,
      channel: ch.id,
      proposal: ch.proposal.entry,
      cards: [this.card, other],
      message: redact(m.entry),
      ...(m.entry.v === 2 ? { body: m.entry.body } : {}),
      path: own.slice(m.entry.seq, s).map((h) => redact(h.entry)),
      receipts: [receipt.entry],
      acks: acks.map((h) => h.entry),
      madeAt: Date.now(),
    };
  }

  /**
   * A period bundle (§15.2) anchored at the checkpoint `anchor`, written from this peer's store:
   * the header with `anchor`, both cards, then the proposal (item 1), the lasting entries before the
   * anchor (2), each log's head at the anchor (3), every entry held after the anchor (4: E[A] is
   * each log's end, so the runs are closed under causal past) and the entries before the anchor
   * they refer to (5). Nothing else before the anchor.
   */
  periodBundle(channelId: string, anchor: string): string {
    const ch = this.channel(channelId);
    const logs = [...ch.logs.entries()];
    const k = logs.flatMap(([, l]) => l).find((h) => h.hash === anchor);
    if (!k || k.entry.kind !== 'checkpoint') throw new Error('no such checkpoint');
    const bound = (a: string) => (a === k.entry.author ? k.entry.seq - 1 : (k.entry.heads[a]?.seq ?? 0));
    const before = (a: string, seq: number) => seq <= bound(a);
    const byHash = new Map(logs.flatMap(([, l]) => l).map((h) => [h.hash, h]));
    const out = new Map<string, Held>([[ch.proposal.hash, ch.proposal]]);
    const at = (a: string, seq: number) => this.log(ch, a)[seq - 1];
    const add = (h: Held | undefined) => h && out.set(h.hash, h);
    for (const [a, l] of logs) {
      for (const h of l) if (before(a, h.entry.seq) && LASTING_KINDS.has(h.entry.kind)) add(h);
      if (bound(a) >= 1) add(at(a, bound(a)));
      for (const h of l.slice(bound(a))) {
        add(h);
        const e = h.entry;
        for (const [b, head] of Object.entries(e.heads)) if (before(b, head.seq)) add(at(b, head.seq));
        if (e.kind === 'receipt') for (const x of e.body.holds as Array<{ author: string; seq: number }>) if (before(x.author, x.seq)) add(at(x.author, x.seq));
        for (const ref of [e.kind === 'ack' ? e.body.message : undefined, e.kind === 'message' ? e.body.replyTo : undefined, e.kind === 'link.echo' ? e.body.test : undefined]) {
          const r = typeof ref === 'string' ? byHash.get(ref) : undefined;
          if (r && before(r.entry.author, r.entry.seq)) add(r);
        }
      }
    }
    const header = { anchor, channel: ch.id, type: 'hotline.bundle', v: 1 };
    const cards = [this.card, ...(this.peerCard ? [this.peerCard] : [])].map((c) => canonical(c));
    return `${[canonical(header), ...cards, ...[...out.values()].map((h) => h.text)].join('\n')}\n`;
  }

  /** Founds a channel (§5.1, §6 `charter.propose`): `seq` 1, `channel` and `prev` null, no heads, `v` the charter's `protocol`; its hash is the channel id. */
  propose(charter: Record<string, unknown>): Held {
    const v = (charter.protocol as 1 | 2 | undefined) ?? 1;
    const time = Math.max(Date.now(), this.#lastTime);
    this.#lastTime = time;
    const unsigned: Omit<Entry, 'sig'> = { v, channel: null, author: this.root.pub, key: this.terminal.pub, seq: 1, prev: null, heads: {}, time, kind: 'charter.propose', body: { charter } };
    const hash = entryHash(unsigned);
    const entry: Entry = { ...unsigned, sig: signWith(this.terminal, entryPrefix(v), Buffer.from(hash, 'hex')) };
    const held = { text: canonical(entry), entry, hash };
    this.channels.set(hash, { id: hash, proposal: held, logs: new Map([[this.root.pub, [held]]]), arrived: new Map() });
    this.#push();
    return held;
  }

  /** Signs and stores an own entry (§4.2), heads naming the newest entry held of the other party; then pushes it. */
  write(channelId: string, kind: string, body: Record<string, unknown>): Held {
    // §12 "Reconciling": nothing is signed on a channel until the own entries a peer holds are back.
    if (this.#reconciling.has(channelId)) throw new Error(`${this.code} is recovering its own log of ${channelId.slice(0, 12)}: it signs nothing there yet`);
    // §12 "A forked own log": nothing while a `heads` claim is checked, nothing once a fork is proven.
    if (this.#forkSuspected.has(channelId)) throw new Error(`${this.code} is checking a claim that its own log of ${channelId.slice(0, 12)} forked: it signs nothing there yet`);
    if (this.forkedAt.has(channelId)) throw new Error(`${this.code}'s own log of ${channelId.slice(0, 12)} forked at seq ${this.forkedAt.get(channelId)}: it signs nothing there until repaired`);
    const held = this.sign(channelId, kind, body);
    this.log(this.channel(channelId), this.root.pub).push(held);
    this.#push();
    return held;
  }

  /** Signs the next own entry (or the one at `seq`, for probes) without storing or sending it. */
  sign(channelId: string, kind: string, body: Record<string, unknown>, seq?: number, key?: Ed25519, version?: 1 | 2): Held {
    const signer = key ?? this.signerOf(channelId);
    const ch = this.channel(channelId);
    const own = this.log(ch, this.root.pub);
    const last = own[own.length - 1];
    const heads = this.headsOverride ?? this.#heads(ch);
    const time = Math.max(Date.now(), this.#lastTime, last?.entry.time ?? 0);
    this.#lastTime = time;
    // §7 step 10: the `protocol` of the charter in force in the entry's causal past (here: everything held).
    const protocol = version ?? charterState(ch.proposal, [...ch.logs.values()].flat(), time).charter.protocol ?? 1;
    const unsigned: Omit<Entry, 'sig'> = {
      v: protocol,
      channel: ch.id,
      author: this.root.pub,
      key: signer.pub,
      seq: seq ?? own.length + 1,
      prev: seq === undefined ? (last?.hash ?? null) : 'ab'.repeat(32),
      heads,
      time,
      kind,
      body,
    };
    const hash = entryHash(unsigned);
    const entry: Entry = { ...unsigned, sig: signWith(signer, entryPrefix(protocol), Buffer.from(hash, 'hex')) };
    return { text: canonical(entry), entry, hash };
  }

  // ---- officer actions -------------------------------------------------------------------------

  accept(channelId: string): Held {
    const ch = this.channel(channelId);
    const charter = ch.proposal.entry.body.charter;
    const held = this.write(channelId, 'charter.accept', { charter: charterHash(charter) });
    this.#scheduleReceipt(ch);
    return held;
  }

  /** §5.2-5.3 over everything held, at now: the state and the charter in force. */
  view(channelId: string): CharterView {
    const ch = this.channel(channelId);
    return charterState(ch.proposal, [...ch.logs.values()].flat(), Date.now());
  }

  /** §7 step 9 over everything held: this party is one of the charter in force or of a pending amendment. */
  writes(channelId: string): boolean {
    const v = this.view(channelId);
    return [...v.charter.parties, ...v.amendments.filter((a) => a.status === 'pending').flatMap((a) => a.charter.parties)].some((p) => p.party === this.root.pub);
  }

  /** A role the charter gives this party (the first of `wanted` it has). */
  role(channelId: string, wanted: string[]): string {
    const charter = this.view(channelId).charter;
    const mine = charter.parties.find((p) => p.party === this.root.pub)?.roles ?? [];
    const r = wanted.find((w) => mine.includes(w));
    if (!r) throw new Error(`the charter gives ${this.code} none of ${wanted.join(', ')} (it gives ${mine.join(', ')})`);
    return r;
  }

  send(channelId: string, text: string, precedence: string, officer: { name: string; title: string }): Held {
    return this.write(channelId, 'message', { text, lang: 'en', precedence, from: { ...officer, role: this.role(channelId, ['principal', 'duty-officer', 'plenipotentiary']) } });
  }

  ack(channelId: string, message: string, officer: { name: string; title: string }, note?: string): Held {
    return this.write(channelId, 'ack', { message, officer: { ...officer, role: this.role(channelId, ['duty-officer', 'principal', 'plenipotentiary']) }, ...(note ? { note } : {}) });
  }

  // ---- §12 server: the other terminal dials us and pushes its own entries ----------------------

  async #listen(): Promise<void> {
    const server = createHttpsServer({
      key: this.tlsKeyPem,
      cert: this.tlsCertPem,
      minVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: false, // no CA: the client's key is pinned below
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
    const pinned = (socket: TLSSocket): boolean => {
      const c = socket.getPeerX509Certificate();
      const card = this.peerCard;
      return !!c && !!card && card.terminals.some((t) => t.notAfter > Date.now() && t.tls === spkiPin(c));
    };
    server.on('request', (req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      if (!pinned(req.socket as TLSSocket)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'FED_UNPINNED_CLIENT', message: 'unpinned client' }));
        return;
      }
      if (req.method === 'GET' && req.url === '/fed/v1/card') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.card));
        return;
      }
      // SPEC §12 plain HTTPS: GET /fed/v1/channels/:id/entries?author=&from=&limit= gives the stored
      // entries of `author` (any party, required) from seq `from` (default 1), at most `limit`
      // (≤ 1,024), in seq order, as JSON Lines; 404 CHANNEL_NOT_FOUND for a channel not shared.
      const pull = /^\/fed\/v1\/channels\/([^/?]+)\/entries(?:\?(.*))?$/.exec(req.url ?? '');
      if (req.method === 'GET' && pull) {
        const ch = this.channels.get(decodeURIComponent(pull[1]!));
        const q = new URLSearchParams(pull[2] ?? '');
        const json = (status: number, code: string, message: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, message }));
        if (!ch) return void json(404, 'CHANNEL_NOT_FOUND', 'no such channel shared');
        const author = q.get('author');
        const from = Number(q.get('from') ?? '1');
        const limit = Number(q.get('limit') ?? '1024');
        if (!author || !Number.isInteger(from) || from < 1 || !Number.isInteger(limit) || limit < 1 || limit > 1024) return void json(400, 'BAD_REQUEST', 'author, from and limit as §12 says');
        const lines = this.log(ch, author).slice(from - 1, from - 1 + limit).map((h) => `${h.text}\n`);
        res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(lines.join(''));
        return;
      }
      res.writeHead(404).end();
    });
    server.on('upgrade', (req, socket, head) => {
      this.requests.push(`UPGRADE ${req.url}`);
      if (!pinned(socket as TLSSocket)) {
        this.problems.push('server: unpinned client refused');
        socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"code":"FED_UNPINNED_CLIENT"}');
        return;
      }
      if (req.url?.split('?')[0] !== '/fed/v1/stream') {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.#serve(ws));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    this.#wss = wss;
  }

  #serve(ws: WebSocket): void {
    this.#serverSockets.add(ws);
    let hello = false;
    const out = (frame: Record<string, unknown>) => {
      this.frames.push({ dir: 'out', side: 'server', frame });
      ws.send(JSON.stringify(frame));
    };
    ws.on('ping', () => this.pings.push({ side: 'server', at: Date.now() }));
    ws.on('close', () => this.#serverSockets.delete(ws));
    ws.on('error', () => {});
    ws.on('message', (data) => {
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        out({ t: 'refused', code: 'FED_BAD_FRAME', message: 'not JSON' });
        return;
      }
      this.frames.push({ dir: 'in', side: 'server', frame: f });
      if (f.t === 'hello' && !hello && f.v === 1 && Array.isArray(f.channels)) {
        hello = true;
        const heads: Record<string, string> = {};
        const holds: Record<string, number> = {};
        for (const id of f.channels as string[]) {
          const ch = this.channels.get(id);
          const log = ch && this.peerCard ? this.log(ch, this.peerCard.party) : [];
          holds[id] = log.length;
          const top = log[log.length - 1];
          if (top) heads[id] = this.headsLie.get(id) ?? top.hash;
        }
        out({ t: 'heads', heads });
        out({ t: 'holds', holds });
        return;
      }
      if (f.t === 'entries' && hello && typeof f.id === 'number' && Array.isArray(f.entries)) {
        let accepted = 0;
        let duplicate = 0;
        let pending = 0;
        const rejected: Array<{ hash?: string; code: string; message: string }> = [];
        const wants = new Map<string, { channel: string; author: string; fromSeq: number; toSeq: number }>();
        for (const text of f.entries as string[]) {
          const r = this.ingest(String(text));
          if (r.outcome === 'accepted') accepted++;
          else if (r.outcome === 'duplicate') duplicate++;
          else if (r.outcome === 'pending') {
            pending++;
            // §12 `want`: one per range the pending outcome lists (§7), joined per channel and author.
            for (const m of r.missing ?? []) {
              const k = `${m.channel}/${m.author}`;
              const was = wants.get(k);
              wants.set(k, was ? { ...m, fromSeq: Math.min(was.fromSeq, m.fromSeq), toSeq: Math.max(was.toSeq, m.toSeq) } : m);
            }
          } else {
            rejected.push({ ...(r.hash ? { hash: r.hash } : {}), code: r.code ?? 'ENTRY_MALFORMED', message: r.message ?? '' });
            if (!r.ownFork) this.problems.push(`server: rejected ${r.code}: ${String(text).slice(0, 200)}`);
          }
        }
        // SPEC: §12 does not say whether accepted/duplicate/pending are counts or lists; counts here.
        out({ t: 'stored', id: f.id, accepted, duplicate, pending, rejected });
        for (const w of wants.values()) out({ t: 'want', ...w });
        return;
      }
      if (f.t === 'probe' && hello) {
        const t2 = Date.now();
        const ok = this.peerCard && f.from === this.peerCard.party && f.to === this.root.pub && this.channels.has(f.channel as string) && keysAt(this.peerCard, t2).includes(f.key as string) && linkFrameValid(f);
        if (!ok) {
          this.problems.push(`server: probe not answered ${JSON.stringify(f)}`);
          return; // §12.3: nothing is sent for a probe not answered (the reference does the same)
        }
        if (this.mutedEchoes) return; // a line that looks cut to the other terminal
        this.probesAnswered++;
        this.probesByChannel.set(f.channel as string, (this.probesByChannel.get(f.channel as string) ?? 0) + 1);
        out(this.linkFrame({ t: 'echo', channel: f.channel, from: this.root.pub, to: f.from, nonce: f.nonce, t1: f.t1, t2, t3: Date.now() }));
        return;
      }
      out({ t: 'refused', code: 'FED_BAD_FRAME', message: `unexpected frame ${String(f.t)}` });
    });
  }

  /** Signs a link-test frame (§12.3): over the canonical JSON of its members but `t` and `sig`, `key` included; by the channel's current key unless `key` is given. */
  linkFrame(f: Record<string, unknown>, key?: Ed25519): Record<string, unknown> {
    const signer = key ?? this.signerOf(String(f.channel));
    const { t, ...rest }: Record<string, unknown> = { ...f, key: signer.pub };
    return { t, ...rest, sig: signWith(signer, PREFIX.linkFrame, Buffer.from(canonical(rest), 'utf8')) };
  }

  /** Sends a frame to the other terminal on every stream it opened to us (its client side). */
  toClients(frame: Record<string, unknown>): void {
    for (const ws of this.#serverSockets) {
      this.frames.push({ dir: 'out', side: 'server', frame });
      ws.send(JSON.stringify(frame));
    }
  }

  get identity(): { key: string; cert: string } {
    return { key: this.tlsKeyPem, cert: this.tlsCertPem };
  }

  // ---- §12 client: we dial the other terminal and push our own entries --------------------------

  #dial(): void {
    if (this.#clientStop || !this.peerCard) return;
    const endpoint = this.peerCard.endpoints[0];
    if (!endpoint) return;
    // SPEC: an endpoint is "https://host:port"; the stream is GET /fed/v1/stream on it, as wss.
    const url = `${endpoint.replace(/^https:/, 'wss:').replace(/\/$/, '')}/fed/v1/stream`;
    const ws = new WebSocket(url, { key: this.tlsKeyPem, cert: this.tlsCertPem, rejectUnauthorized: false, minVersion: 'TLSv1.3', maxPayload: 16 * 1024 * 1024 });
    this.#client = ws;
    this.#clientReady = false;
    this.#unanswered.clear();
    ws.on('upgrade', (res) => {
      const c = (res.socket as TLSSocket).getPeerX509Certificate();
      const card = this.peerCard;
      const now = Date.now();
      if (!c || !card || !card.terminals.some((t) => t.notBefore <= now && now < t.notAfter && t.tls === spkiPin(c))) {
        this.problems.push('client: server key not pinned');
        ws.terminate();
      }
    });
    ws.on('open', () => {
      const frame = { t: 'hello', v: 1, channels: [...this.channels.keys()] };
      this.frames.push({ dir: 'out', side: 'client', frame });
      ws.send(JSON.stringify(frame));
    });
    ws.on('message', (data) => this.#onClientFrame(ws, String(data)));
    ws.on('ping', () => this.pings.push({ side: 'client', at: Date.now() }));
    ws.on('error', (e) => this.problems.push(`client: ${e.message}`));
    ws.on('close', () => {
      if (this.#client === ws) {
        this.#client = undefined;
        this.#clientReady = false;
      }
      if (!this.#clientStop) this.#retry = setTimeout(() => this.#dial(), 300);
    });
  }

  #onClientFrame(ws: WebSocket, text: string): void {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.problems.push('client: a frame that is not JSON');
      return;
    }
    this.frames.push({ dir: 'in', side: 'client', frame: f });
    switch (f.t) {
      case 'heads':
        this.#lastHeads = f.heads as Record<string, string>;
        return;
      case 'holds': {
        const heads = this.#lastHeads ?? {};
        this.#lastHeads = undefined;
        for (const [id, seq] of Object.entries(f.holds as Record<string, number>)) {
          const ch = this.channels.get(id);
          if (!ch) continue;
          this.#sentUpTo.set(id, seq);
          const own = this.log(ch, this.root.pub).length;
          // §12 "A forked own log": `heads` names, for a seq not above the own head, another hash.
          const claimed = heads[id];
          if (seq >= 1 && seq <= own && claimed !== undefined && claimed !== this.log(ch, this.root.pub)[seq - 1]!.hash && !this.disbelieved.has(id) && !this.forkedAt.has(id)) {
            this.#suspectFork(id, seq);
            continue;
          }
          if (!this.#reconciling.has(id)) {
            // §12 "Reconciling": a seq above the own head means own entries were lost here.
            if (seq > own) this.#reconciling.set(id, seq);
            else continue;
          }
          if (seq <= own) {
            this.#reconciled(ch);
            continue;
          }
          this.#reconciling.set(id, seq);
          // §12: `want` naming itself, on the stream the other terminal opened (it relays on its own stream).
          this.toClients({ t: 'want', channel: id, author: this.root.pub, fromSeq: own + 1, toSeq: seq });
        }
        this.#clientReady = true;
        this.#push();
        return;
      }
      case 'stored': {
        const ids = this.#unanswered.get(f.id as number);
        this.#unanswered.delete(f.id as number);
        if (Array.isArray(f.rejected) && f.rejected.length > 0) this.problems.push(`client: the other terminal rejected ${JSON.stringify(f.rejected)} of batch ${String(f.id)} (${ids?.length ?? 0} entries)`);
        this.#push();
        return;
      }
      case 'want': {
        const ch = this.channels.get(f.channel as string);
        if (!ch || !this.#shared(ch)) return; // §12 "Serving wants": refused silently for a channel not shared with the server's party
        const author = f.author as string;
        const log = author === '' ? [ch.proposal] : this.log(ch, author);
        const batch = log.slice((f.fromSeq as number) - 1, f.toSeq as number).map((h) => h.text);
        if (batch.length) this.#sendBatch(ws, batch);
        return;
      }
      case 'refused':
        this.problems.push(`client: refused ${String(f.code)} ${String(f.message)}`);
        return;
      default:
        this.problems.push(`client: dropped frame ${text.slice(0, 200)}`);
    }
  }

  #sendBatch(ws: WebSocket, texts: string[]): void {
    const id = ++this.#batch;
    this.#unanswered.set(id, texts);
    const frame = { t: 'entries', id, entries: texts };
    this.frames.push({ dir: 'out', side: 'client', frame });
    ws.send(JSON.stringify(frame));
  }

  /** §12 "Serving wants", §7 step 9: the dialled party is one of the channel's charter in force or of an amendment pending in it. */
  #shared(ch: Channel): boolean {
    const party = this.peerCard?.party;
    const v = charterState(ch.proposal, [...ch.logs.values()].flat(), Date.now());
    return [...v.charter.parties, ...v.amendments.filter((a) => a.status === 'pending').flatMap((a) => a.charter.parties)].some((p) => p.party === party);
  }

  /** Sends own entries not yet sent, per channel, in seq order (§12 "Order", "Resuming"). */
  #push(): void {
    const ws = this.#client;
    if (!ws || !this.#clientReady || ws.readyState !== WebSocket.OPEN) return;
    for (const ch of this.channels.values()) {
      if (this.#unanswered.size >= 8) return;
      if (this.#forkSuspected.has(ch.id) || this.forkedAt.has(ch.id)) continue; // §12 "A forked own log": pushes none of its own entries there
      if (!this.#shared(ch)) continue; // §12: no entry of a channel goes to a party outside it (a channel joined by amendment: from its proposal on, once it is)
      const own = this.log(ch, this.root.pub);
      const from = this.#sentUpTo.get(ch.id) ?? 0;
      if (own.length <= from) continue;
      const texts = own.slice(from, from + 1024).map((h) => h.text);
      this.#sentUpTo.set(ch.id, from + texts.length);
      this.#sendBatch(ws, texts);
    }
  }
}

/** A raw stream for probing the other terminal: every frame received, in order. */
export interface RawStream {
  ws: WebSocket;
  frames: Array<Record<string, unknown>>;
  status?: number;
  body?: string;
  send(frame: unknown): void;
  /** The first frame received at index >= from that matches. */
  next(pred: (f: Record<string, unknown>) => boolean, from?: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

/** A TLS identity (key and self-signed certificate, PEM) on a fresh P-256 key, and its pin. */
export async function tlsIdentity(cn: string, validity?: { notBefore: number; notAfter: number }): Promise<{ key: string; cert: string; pin: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const c = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: `CN=${cn}`, notBefore: new Date(validity?.notBefore ?? now - 60_000), notAfter: new Date(validity?.notAfter ?? now + 365 * 86_400_000), signingAlgorithm: alg, keys });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  const cert = c.toString('pem');
  return { key, cert, pin: spkiPin(new X509Certificate(cert)) };
}

/** Opens GET /fed/v1/stream on `endpoint` with the TLS identity given; resolves once open or refused. */
export function openStream(endpoint: string, id: { key: string; cert: string }): Promise<RawStream> {
  const url = `${endpoint.replace(/^https:/, 'wss:').replace(/\/$/, '')}/fed/v1/stream`;
  const ws = new WebSocket(url, { key: id.key, cert: id.cert, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  const frames: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    frames.push(JSON.parse(String(d)) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const stream: RawStream = {
    ws,
    frames,
    send: (f) => ws.send(typeof f === 'string' ? f : JSON.stringify(f)),
    next: (pred, from = 0, timeoutMs = 5_000) =>
      new Promise((res, rej) => {
        const check = () => {
          const f = frames.slice(from).find(pred);
          if (f) {
            waiters.delete(check);
            clearTimeout(timer);
            res(f);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`no matching frame within ${timeoutMs} ms; frames: ${JSON.stringify(frames).slice(0, 1000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => ws.terminate(),
  };
  return new Promise((res, rej) => {
    ws.once('open', () => res(stream));
    ws.once('unexpected-response', (_req, r) => {
      let body = '';
      r.on('data', (d: Buffer) => (body += d.toString()));
      r.on('end', () => res(Object.assign(stream, { status: r.statusCode, body })));
    });
    ws.once('error', rej);
  });
}

/** One plain HTTPS request of §12 with the TLS identity given. */
export function fedRequest(endpoint: string, id: { key: string; cert: string }, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; pin: string }> {
  const u = new URL(path, endpoint);
  return new Promise((res, rej) => {
    const req = httpsRequest(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, key: id.key, cert: id.cert, rejectUnauthorized: false, minVersion: 'TLSv1.3', headers: body === undefined ? {} : { 'content-type': 'application/json' } },
      (r) => {
        // Bytes first, decoded once at the end: a chunk may end inside a multi-byte UTF-8 character.
        const chunks: Buffer[] = [];
        const c = (r.socket as TLSSocket | null)?.getPeerX509Certificate();
        const pin = c ? spkiPin(c) : '';
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => res({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), pin }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', rej);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The signature of a link-test frame (§12.3) under its own `key` (whether that key may sign is the caller's check). */
export function linkFrameValid(f: Record<string, unknown>): boolean {
  const { t: _t, sig, ...rest } = f;
  return typeof sig === 'string' && typeof rest.key === 'string' && verifySig(rest.key, PREFIX.linkFrame, Buffer.from(canonical(rest), 'utf8'), sig);
}

/** SHA-256 of the DER SubjectPublicKeyInfo of a certificate, lowercase hex (§3.4 `tls`). */
export function spkiPin(c: X509Certificate): string {
  return sha256(c.publicKey.export({ type: 'spki', format: 'der' })).toString('hex');
}
