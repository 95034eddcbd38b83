/**
 * Test vectors for version 2 and proofs of one message (docs/protocol.md §14.6): version-2 entries
 * with their header, body hash and hash; a valid proof in a version-2 and in a version-1 channel;
 * and one proof per tampered field, each with the code a verifier must give.
 */
import { bodyHash, buildProof, canonicalize, DOMAIN, entryHeader, proofText, verifyProofText, type ProofDocument, type ProofParts, type ProtocolErrorCode, type SealedEntry } from '../protocol/index.js';
import { makeCharter, makeParty, Scenario } from '../testkit/scenario.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** US sends messages with link tests around them; CN receipts after each round and acknowledges. */
function channel(version: 1 | 2): { parts: ProofParts; entries: SealedEntry[] } {
  const us = makeParty('US', { en: 'United States', zh: '美国' });
  const cn = makeParty('CN', { en: 'China', zh: '中国' });
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], version === 2 ? { protocol: 2 } : {}));
  s.acceptAll();
  s.message(us, 'Earlier message: must not be disclosed.', 'ROUTINE');
  s.receipt(cn);
  const m = s.message(us, 'Vessel in distress at 12N 114E; request you hold clear.', 'FLASH');
  const test = s.write(us, 'link.test', { nonce: '00112233445566778899aabbccddeeff', t1: s.time + 1 });
  const other = s.message(us, 'Later message: must not be disclosed either.', 'PRIORITY');
  const receipt = s.receipt(cn);
  const ack = s.ack(cn, m);
  s.message(us, 'After the receipt: not in the proof.', 'ROUTINE');
  return {
    parts: { proposal: s.entries[0]!, cards: [us.card, cn.card], message: m, path: [test, other], receipts: [receipt], acks: [ack] },
    entries: s.entries,
  };
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tampering reaches anywhere

/** Each tampering of the valid version-2 proof, with the code it must fail with. */
const TAMPERINGS: ReadonlyArray<[file: string, description: string, change: (d: Doc) => void, code: ProtocolErrorCode]> = [
  ['tampered-body-text.json', 'One word of the message text changed.', (d) => (d.body.text = d.body.text.replace('12N', '13N')), 'PROOF_BAD_BODY'],
  ['tampered-body-precedence.json', 'The precedence changed from FLASH to ROUTINE.', (d) => (d.body.precedence = 'ROUTINE'), 'PROOF_BAD_BODY'],
  ['tampered-message-time.json', 'The message header time moved one millisecond.', (d) => (d.message.time += 1), 'PROOF_BAD_SIGNATURE'],
  ['tampered-message-author.json', "The message header names the receiver as author.", (d) => (d.message.author = d.receipts[0].author), 'PROOF_BAD_SIGNATURE'],
  ['tampered-message-bodyhash.json', 'The message header commits to another body hash.', (d) => (d.message.bodyHash = '0'.repeat(64)), 'PROOF_BAD_SIGNATURE'],
  ['tampered-message-sig.json', 'The message signature is that of the path entry.', (d) => (d.message.sig = d.path[0].sig), 'PROOF_BAD_SIGNATURE'],
  ['tampered-path-bodyhash.json', 'A redacted path entry commits to another body hash.', (d) => (d.path[0].bodyHash = '1'.repeat(64)), 'PROOF_BAD_SIGNATURE'],
  ['tampered-path-dropped.json', 'The last path entry is missing.', (d) => d.path.pop(), 'PROOF_NOT_RECEIPTED'],
  ['tampered-path-order.json', 'The two path entries swapped.', (d) => d.path.reverse(), 'PROOF_BROKEN_CHAIN'],
  ['tampered-receipt-time.json', 'The receipt time moved one millisecond.', (d) => (d.receipts[0].time += 1), 'PROOF_BAD_SIGNATURE'],
  ['tampered-receipt-holds.json', 'The receipt claims a later head of the sender.', (d) => (d.receipts[0].body.holds[0].seq += 1), 'PROOF_NOT_RECEIPTED'],
  ['tampered-receipts-empty.json', 'No receipt.', (d) => (d.receipts = []), 'PROOF_MALFORMED'],
  ['tampered-ack-message.json', 'The acknowledgement names another message.', (d) => (d.acks[0].body.message = d.path[1].prev), 'PROOF_BAD_ACK'],
  ['tampered-ack-officer.json', "The acknowledging officer's name changed.", (d) => (d.acks[0].body.officer.name = 'Someone Else'), 'PROOF_BAD_SIGNATURE'],
  ['tampered-channel.json', 'The channel id changed.', (d) => (d.channel = 'f'.repeat(64)), 'PROOF_WRONG_CHANNEL'],
  ['tampered-proposal.json', 'The charter title in the proposal changed.', (d) => (d.proposal.body.charter.title.en = 'Another line'), 'PROOF_WRONG_CHANNEL'],
  ['tampered-card.json', "A party card's code changed.", (d) => (d.cards[1].code = 'XX'), 'PROOF_BAD_CARD'],
  ['tampered-card-missing.json', "The receiver's card is missing.", (d) => d.cards.pop(), 'PROOF_UNKNOWN_KEY'],
  ['tampered-version.json', 'The document version is 3.', (d) => (d.v = 3), 'PROOF_UNSUPPORTED_VERSION'],
  ['tampered-type.json', 'The document type is a bundle.', (d) => (d.type = 'hotline.bundle'), 'PROOF_MALFORMED'],
  ['tampered-extra-member.json', 'An unknown member was added.', (d) => (d.note = 'trust me'), 'PROOF_MALFORMED'],
];

/** The proof vector files, by path relative to test/vectors/. */
export function proofVectors(): Map<string, string> {
  const files = new Map<string, string>();
  const v2 = channel(2);
  const v1 = channel(1);
  const valid = buildProof(v2.parts);
  const manifest: Array<{ file: string; description: string; valid: boolean; firstError: string | null }> = [];
  const addText = (file: string, description: string, text: string, expect: ProtocolErrorCode | null) => {
    const verdict = verifyProofText(text);
    const got = verdict.valid ? null : verdict.error.code;
    if (got !== expect) throw new Error(`proof vector ${file}: expected ${expect ?? 'valid'}, the verifier says ${got ?? 'valid'}${verdict.valid ? '' : `: ${verdict.error.message}`}`);
    files.set(`proofs/${file}`, text);
    manifest.push({ file, description, valid: got === null, firstError: got });
  };
  const add = (file: string, description: string, doc: unknown, expect: ProtocolErrorCode | null) => addText(file, description, proofText(doc as ProofDocument), expect);
  add('valid.json', 'A FLASH message of a version-2 channel: two redacted path entries, a receipt, an acknowledgement.', valid, null);
  add('valid-v1.json', 'The same in a version-1 channel: the path (a link test and a message) is shown whole.', buildProof(v1.parts), null);
  for (const [file, description, change, code] of TAMPERINGS) {
    const d = structuredClone(valid) as Doc;
    change(d);
    add(file, description, d, code);
  }
  // Text-level changes: a verifier reads the file's text, not a value someone parsed for it.
  const validText = proofText(valid);
  addText('valid-pretty.json', 'The valid proof pretty-printed (two-space indent): spacing and member order do not matter (§14.3).', json(JSON.parse(validText)), null);
  const realText = `"text":${JSON.stringify((valid.body as { text: string }).text)}`;
  if (!validText.includes(realText)) throw new Error('proof vectors: the message text is not where expected');
  addText(
    'tampered-duplicate-member.json',
    'The body names "text" twice, a forged text first and the signed one last: a parser keeping the last copy would verify the proof while one keeping the first shows the forgery (§2.1).',
    validText.replace(realText, `"text":"Vessel in distress at 12N 114E; you may proceed.",${realText}`),
    'PROOF_MALFORMED',
  );
  files.set('proofs/manifest.json', json({ v: 2, proofs: manifest }));
  files.set('proofs/entries-v2.json', json(v2.entries.slice(0, 6).map((s) => {
    const header = entryHeader(s.entry);
    return { description: `${s.entry.kind} #${s.entry.seq}`, bodyCanonical: canonicalize(s.entry.body), bodyHash: bodyHash(s.entry.body), headerCanonical: canonicalize(header), hash: s.hash, signingInputHex: Buffer.concat([Buffer.from(DOMAIN.entry2, 'utf8'), Buffer.from(s.hash, 'hex')]).toString('hex'), raw: s.raw };
  })));
  return files;
}
