/**
 * One registry of stable error codes for the protocol (docs/protocol.md §9), declared with the
 * mechanism every layer shares (./error-registry.ts).
 *
 * Codes never change meaning once published. Each message is worded for the person who has to
 * act: what went wrong, and what to do. HTTP statuses are mapped at the edge (terminal/), not here.
 */
import { defineErrors, type CodeOf, RegisteredError, type ErrorDetails } from './error-registry.js';

/**
 * What ENTRY_SEQUENCE_GAP and ENTRY_UNKNOWN_DEPENDENCY advise (their `{advice}`) when the entries
 * are simply not held. The verifier says otherwise when the cause is an entry of the bundle that
 * did not verify (verify.ts): fetching would not repair that copy.
 */
export const MISSING_ADVICE = Object.freeze({ gap: 'Request the missing entries from the peer.', dependency: 'Fetch the missing entries first.' });

/** Every protocol error code with its message template. `{name}` placeholders are filled from details. */
export const PROTOCOL_ERRORS = defineErrors('protocol', {
  ENTRY_MALFORMED: {
    message: 'Entry is malformed: {detail}. The sender produced an invalid entry; it was not stored.',
  },
  ENTRY_NON_CANONICAL: {
    message:
      'Entry bytes are not in canonical form (RFC 8785){where}. Entries must be transmitted byte-for-byte as signed; the copy was altered or produced by a faulty implementation.',
  },
  ENTRY_TOO_LARGE: {
    message: 'Entry is {size} bytes once encoded; the limit is {limit} bytes. Split the text into several messages (a control character takes 6 bytes once encoded, most other non-Latin characters 2 to 4).',
  },
  ENTRY_UNSUPPORTED_VERSION: {
    message:
      'Entry version {version} is not supported (this implementation speaks versions 1 and 2). Upgrade Hotline.',
  },
  ENTRY_WRONG_VERSION: {
    message:
      'Entry {author}#{seq} is written in protocol version {v}, but the charter in force in its causal past says version {expected} (§14.1). The sender produced an invalid entry; it was not stored.',
  },
  ENTRY_BAD_SIGNATURE: {
    message:
      'Signature of entry {author}#{seq} does not verify. The entry was forged or altered in transit; it was not accepted.',
  },
  ENTRY_UNKNOWN_KEY: {
    message:
      "Entry {author}#{seq} is signed by key {key}, which no certificate of party {author} vouches for. Obtain the party's current party card.",
  },
  ENTRY_KEY_EXPIRED: {
    message:
      'Entry {author}#{seq} is dated {time}, outside the validity period of its signing key {key}. The terminal certificate must be renewed.',
  },
  ENTRY_KEY_REVOKED: {
    message:
      'Entry {author}#{seq} is signed by key {key}, revoked by its party from {revokedAt}. Treat the entry as not written by that party.',
  },
  ENTRY_WRONG_PREVIOUS_HASH: {
    message:
      'Entry {author}#{seq} names a previous hash that is not the hash of entry #{prevSeq} of the same author. The log was altered or an entry is missing.',
  },
  ENTRY_SEQUENCE_GAP: {
    message:
      'Entry {author}#{seq} arrived but #{expected} is the next in that log: entries {expected}..{before} are missing. {advice}',
  },
  ENTRY_EQUIVOCATION: {
    message:
      'Party {author} signed two different entries with sequence number {seq}. Both are kept as evidence; raise it with the other party.',
  },
  ENTRY_UNKNOWN_DEPENDENCY: {
    message:
      'Entry {author}#{seq} depends on entry {depAuthor}#{depSeq}, which is not held{why}. {advice}',
  },
  ENTRY_HEADS_REGRESSED: {
    message:
      'Entry {author}#{seq} claims to have seen fewer entries of {depAuthor} than an earlier entry of the same author did. The log is inconsistent.',
  },
  ENTRY_TIME_REGRESSED: {
    message:
      'Entry {author}#{seq} is dated before the previous entry of the same author. Author times must not go backwards; check the terminal clock.',
  },
  ENTRY_WRONG_CHANNEL: {
    message:
      'Entry {author}#{seq} belongs to channel {entryChannel}, not to channel {channel}. It was spliced in from another channel.',
  },
  ENTRY_AUTHOR_NOT_PARTY: {
    message:
      "Entry {author}#{seq} is written by a party that is not listed in the channel charter. Only the charter's parties may write to a channel.",
  },
  ENTRY_KIND_NOT_ALLOWED: {
    message: 'A {kind} entry is not allowed while the channel is {state}{why}. {hint}',
  },
  ENTRY_BAD_REFERENCE: {
    message:
      "Entry {author}#{seq} refers to {ref}, which {why}. It was not accepted; an entry may refer only to entries its author holds, so the sender's terminal is faulty or the entry was forged.",
  },
  LINK_RECORD_INVALID: {
    message:
      'Entry {author}#{seq} ({kind}) is not a valid link record: {why}. Link summaries and link states are written by a terminal from its signed link-test frames (docs/protocol.md §6.2); the entry was not accepted.',
  },
  CHECKPOINT_MISMATCH: {
    message:
      "Checkpoint {author}#{seq} commits to {count} lasting entries with digest {digest}, but its causal past holds {held} with digest {heldDigest} (docs/protocol.md §15.1). The parties' logs of the channel's charter, key and dialogue entries differ, or the entries before a period bundle's anchor were altered or left out; the entry was not accepted. Export the whole transcript from each party and verify both.",
  },
  ENTRY_ROLE_NOT_ALLOWED: {
    message:
      'Entry {author}#{seq} is signed for role "{role}", which the charter does not allow for that party. Use one of: {allowed}.',
  },
  DIALOGUE_WRONG_PARTY: {
    message:
      'Entry {author}#{seq} ({kind}) {why}. A party speaks only for itself: it states its own positions and updates the commitments it owes, and the other parties confirm or dispute them; the entry was not accepted.',
  },
  DIALOGUE_UNKNOWN_VERSION: {
    message:
      'Entry {author}#{seq} names version {version} of joint text {draft}, which is not a version of that text its author holds. Endorse or amend a version that `hotline text show` lists.',
  },
  DIALOGUE_SUPERSEDED: {
    message:
      'Entry {author}#{seq} answers {what} {ref}, which {newer} had replaced before it was written. Answering an older one adopts nothing; answer the current one.',
  },
  DIALOGUE_MEETING_NOT_HELD: {
    message:
      'Entry {author}#{seq} files a readout for meeting {meeting}, which {why}. A readout is filed only for a meeting every party accepted, once its time has begun.',
  },
  DIALOGUE_NOT_DONE: {
    message:
      'Entry {author}#{seq} {action} commitment {commitment}, but its owing party {why}. Only a commitment its owing party marked done can be confirmed or disputed; wait for that update.',
  },
  DIALOGUE_INVALID: {
    message: 'Entry {author}#{seq} ({kind}) breaks a dialogue rule: {detail}. Correct it and write it again.',
  },
  CHANNEL_UNKNOWN: {
    message:
      "Channel {channel} is not known here. Check the channel id, or import the channel's proposal first.",
  },
  CHANNEL_EXPIRED: {
    message:
      'The charter proposal of channel {channel} expired at {expires}; it can no longer be accepted. Propose it again.',
  },
  CHARTER_INVALID: {
    message: 'The charter is invalid: {detail}. Correct it and propose again.',
  },
  CARD_INVALID: {
    message: 'The party card is invalid: {detail}. Ask the party for a fresh card.',
  },
  CARD_BAD_SIGNATURE: {
    message:
      'The party card of {code} is not signed by the root key it names. The card was altered; do not trust it.',
  },
  CERT_INVALID: {
    message:
      'The terminal certificate is invalid: {detail}. Ask the party to issue it again with its root key.',
  },
  JSON_DUPLICATE_MEMBER: {
    message:
      'The {what} names the member "{name}" twice. Two readers of it could see different values, so it is refused; the copy was altered or produced by a faulty implementation.',
  },
  JSON_LONE_SURROGATE: {
    message:
      'The {what} holds a text with a lone UTF-16 surrogate (a broken character). Such text has no exact UTF-8 form, so what is signed would differ from what was written; correct the text and send it again.',
  },
  BUNDLE_BAD_ENCODING: {
    message: 'The bundle is not plain UTF-8 JSON Lines: {detail}. Export it again, or copy it without converting it as text.',
  },
  BUNDLE_EMPTY: {
    message: 'The bundle is empty. Export it again with `hotline export CHANNEL > bundle.jsonl`.',
  },
  BUNDLE_NOT_A_BUNDLE: {
    message:
      'This is not a Hotline transcript bundle: {detail}. A bundle starts with a {"type":"hotline.bundle"} line.',
  },
  BUNDLE_MALFORMED_LINE: {
    message: 'Line {line} of the bundle is not valid JSON{detail}. The file was altered or damaged.',
  },
  BUNDLE_TRUNCATED: {
    message:
      'The last line of the bundle (line {line}) is incomplete: the file was cut short. Copy or export it again.',
  },
  BUNDLE_MISSING_PROPOSAL: {
    message:
      "The bundle holds no charter proposal for channel {channel}. A bundle must contain the channel's whole history.",
  },
  BUNDLE_ANCHOR_MISSING: {
    message:
      'The period bundle is anchored at checkpoint {anchor}, but {why} (docs/protocol.md §15.2). Export the period again (`hotline export --since`), or export the whole transcript.',
  },
  BUNDLE_ANCHOR_NOT_COUNTERSIGNED: {
    message:
      "The period bundle's anchor, checkpoint {anchor} of {author}, is not countersigned by {party}: no entry of that party in the bundle has the checkpoint in its causal past (docs/protocol.md §15.2). Without every party's signature the state before the period is one party's word; export a period that ends after every party has seen the checkpoint, or the whole transcript.",
  },
  BUNDLE_MISSING_CARD: {
    message:
      'The bundle holds no party card for {author}, who wrote entries in it. Export the bundle again from a terminal that knows every party.',
  },
  FORMAT_NOT_AGREED: {
    message:
      'The format {format}{where} is not one the charter in force agreed. Agree the format first (a charter amendment adds it), or send the message as free text.',
  },
  FORMAT_FIELDS_INVALID: {
    message: 'The field "{field}" of the {format} message{where} breaks the rule "{rule}": {detail}. Correct the field and send again.',
  },
  FORMAT_UNKNOWN: {
    message:
      'The definition of the format {format} (hash {hash}) is not held{where}, so its message cannot be checked. Load the definition the charter agreed (a bundle carries the definitions its messages use).',
  },
  FORMAT_INVALID: {
    message: 'The format definition{where} is invalid: {detail}. Correct it; a format is agreed only as a valid definition.',
  },
  FORMAT_LANG_INVALID: {
    message:
      'The language pack{where} is invalid: {detail}. A pack gives one language, not in the definition already, with a label for every field and code of the definition it names by hash.',
  },
  PROOF_MALFORMED: {
    message: 'The proof document is malformed: {detail}. Ask the party that made it for a fresh copy (`hotline prove`); it was altered or damaged.',
  },
  PROOF_UNSUPPORTED_VERSION: {
    message: 'The proof document has version {version}; this implementation reads version 2 proofs. Upgrade Hotline.',
  },
  PROOF_WRONG_CHANNEL: {
    message: 'The proof\'s {what} does not belong to the channel {channel} it names (§14.4 step {step}). The proof was assembled from different channels or altered; ask for a fresh one.',
  },
  PROOF_BAD_CARD: {
    message: 'The party card {which} in the proof is invalid: {detail}. The proof was altered or the card damaged; ask for a fresh proof.',
  },
  PROOF_BAD_BODY: {
    message: 'The body of {what} does not match the hash its signed header commits to (§14.2): the text was altered after it was signed. Do not rely on this text; ask the sender for a fresh proof.',
  },
  PROOF_BAD_SIGNATURE: {
    message: 'The signature of {what} does not verify: the proof was altered (its author, time, sequence, heads or body changed) or forged. Do not rely on it; ask for a fresh proof.',
  },
  PROOF_UNKNOWN_KEY: {
    message: 'The key that signed {what} is not certified, at the entry\'s time, by any card of its author in the proof ({why}). Ask for a proof that includes the author\'s party card.',
  },
  PROOF_BROKEN_CHAIN: {
    message: "The chain of the sender's log from the message to what the receipt names is broken at sequence {seq} ({why}). The proof was altered or is incomplete; ask for a fresh one.",
  },
  PROOF_NOT_RECEIPTED: {
    message: 'Receipt {which} does not cover the message: {why}. The proof does not show that the message was received; ask for a fresh one.',
  },
  PROOF_BAD_ACK: {
    message: 'Acknowledgement {which} does not name the message (§14.4 step {step}): {why}. The proof was altered; ask for a fresh one.',
  },
});

/** A stable protocol error code. */
export type ProtocolErrorCode = CodeOf<typeof PROTOCOL_ERRORS>;

/** A protocol error as data: stable code, human message, and the details that produced it. */
export interface ProtocolError {
  readonly code: ProtocolErrorCode;
  readonly message: string;
  readonly details: ErrorDetails;
}

/** Builds the human message of `code` from its template and `details`. */
export function formatError(code: ProtocolErrorCode, details: ErrorDetails = {}): string {
  return PROTOCOL_ERRORS.format(code, details);
}

/** Makes a protocol error value. */
export function protocolError(code: ProtocolErrorCode, details: ErrorDetails = {}): ProtocolError {
  return Object.freeze({ code, message: formatError(code, details), details: Object.freeze({ ...details }) });
}

/** An Error carrying a ProtocolError, for code paths that throw (construction, not validation). */
export class HotlineProtocolError extends RegisteredError<ProtocolErrorCode> {
  constructor(error: ProtocolError) {
    super(PROTOCOL_ERRORS, error.code, error.details);
    this.name = 'HotlineProtocolError';
  }
}

/** Throws `code` as a HotlineProtocolError. */
export function fail(code: ProtocolErrorCode, details: ErrorDetails = {}): never {
  throw new HotlineProtocolError(protocolError(code, details));
}
