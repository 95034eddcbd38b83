/**
 * The proof of one message (docs/protocol.md §14.3): a JSON document that shows one message, the
 * other parties' receipts that cover it and the acknowledgements that name it, with the sender's
 * entries between the message and the receipts as headers only (version 2: their bodies stay
 * hidden, only their hashes are shown), and the parties' cards to check every signature.
 */
import Type, { type Static } from 'typebox';
import { canonicalize } from '../encoding.js';
import { entryHeader } from '../body-commitment.js';
import type { Entry, SealedEntry } from '../entry.js';
import { compileValidator, EntrySchema, HashHex, Millis, PartyCardSchema, type BodyOf, type PartyCard } from '../schemas.js';

/** The type tag of a proof document. */
export const PROOF_TYPE = 'hotline.proof';

/** An entry without its body (version 2): "bodyHash" in place of "body" (§14.2). */
export const RedactedEntrySchema = Type.Object(
  { ...Type.Omit(EntrySchema, ['body', 'v']).properties, v: Type.Literal(2), bodyHash: HashHex },
  { additionalProperties: false },
);
export type RedactedEntry = Static<typeof RedactedEntrySchema>;

/** A full entry, as on the wire but as a JSON value (its body checked by its kind's schema). */
const FullEntry = Type.Object({}, { additionalProperties: true });

export const ProofSchema = Type.Object(
  {
    type: Type.Literal(PROOF_TYPE),
    v: Type.Literal(2),
    channel: HashHex,
    /** The channel's founding charter.propose entry (its hash is the channel id). */
    proposal: FullEntry,
    /** The cards of every author of an entry in the proof, at least. */
    cards: Type.Array(PartyCardSchema, { minItems: 1, maxItems: 64 }),
    /** The message: a version-2 header (with `body` given beside it) or a full version-1 entry. */
    message: FullEntry,
    /** The message's body, exactly when `message` is a version-2 header. */
    body: Type.Optional(Type.Object({}, { additionalProperties: true })),
    /** The sender's entries after the message up to the highest receipted one: headers (v2) or full entries (v1). */
    path: Type.Array(FullEntry, { maxItems: 100_000 }),
    /** Receipts of other parties covering the message (the first of each party that does). */
    receipts: Type.Array(FullEntry, { minItems: 1, maxItems: 32 }),
    /** Acknowledgements naming the message. */
    acks: Type.Array(FullEntry, { maxItems: 256 }),
    /** When the proof was made, ms (informative, unsigned: no verdict depends on it). */
    madeAt: Type.Optional(Millis),
  },
  { additionalProperties: false },
);
export type ProofDocument = Static<typeof ProofSchema>;

export const validateProof = compileValidator(ProofSchema);
export const validateRedacted = compileValidator(RedactedEntrySchema);

/** An entry shown without its body when it is version 2 (§14.2); a version-1 entry cannot be. */
export function redact(entry: Entry): RedactedEntry | Entry {
  if (entry.v !== 2) return entry;
  const header = entryHeader(entry) as Omit<RedactedEntry, 'sig'>;
  return { ...header, sig: entry.sig };
}

/** What a proof is made from: the wire texts (or sealed entries) a terminal holds. */
export interface ProofParts {
  readonly proposal: SealedEntry;
  readonly cards: readonly PartyCard[];
  readonly message: SealedEntry;
  /** The sender's entries seq m+1 .. n, n the highest seq any chosen receipt holds. */
  readonly path: readonly SealedEntry[];
  readonly receipts: readonly SealedEntry[];
  readonly acks: readonly SealedEntry[];
  readonly madeAt?: number;
}

/** Assembles the proof document (§14.3). Checks nothing: verifyProof does. */
export function buildProof(parts: ProofParts): ProofDocument {
  const m = parts.message.entry;
  const authors = new Set([m.author, ...parts.receipts.map((r) => r.entry.author), ...parts.acks.map((a) => a.entry.author)]);
  const doc: ProofDocument = {
    type: PROOF_TYPE,
    v: 2,
    channel: parts.proposal.hash,
    proposal: parts.proposal.entry,
    cards: parts.cards.filter((c) => authors.has(c.party)),
    message: m.v === 2 ? redact(m) : m,
    ...(m.v === 2 ? { body: m.body } : {}),
    path: parts.path.map((s) => redact(s.entry)),
    receipts: parts.receipts.map((s) => s.entry),
    acks: parts.acks.map((s) => s.entry),
    ...(parts.madeAt !== undefined ? { madeAt: parts.madeAt } : {}),
  };
  return doc;
}

/** The proof as text: canonical JSON and a final newline. */
export function proofText(doc: ProofDocument): string {
  return `${canonicalize(doc)}\n`;
}

/** Does this receipt hold `author`'s log at or beyond `seq`? Returns the held head then. */
export function receiptHolds(receipt: Entry, author: string, seq: number): { seq: number; hash: string } | undefined {
  if (receipt.kind !== 'receipt') return undefined;
  const hold = (receipt.body as BodyOf<'receipt'>).holds.find((h) => h.author === author);
  return hold && hold.seq >= seq ? { seq: hold.seq, hash: hold.hash } : undefined;
}

/** True when a parsed value looks like a proof document (its type tag), to tell it from a bundle. */
export function isProofLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === PROOF_TYPE;
}
