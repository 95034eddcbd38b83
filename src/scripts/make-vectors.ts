/**
 * Generates the committed protocol test vectors in test/vectors/ (docs/protocol.md, all sections).
 * Run with `npm run vectors`. Everything derives from fixed seeds and fixed times, and Ed25519
 * signatures are deterministic (RFC 8032), so the output is byte-for-byte stable: the test in
 * test/vectors/vectors.test.ts regenerates the vectors in memory and compares them with the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { proofVectors } from './proof-vectors.js';
import { periodVectors } from './period-vectors.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DOMAIN,
  KeySigner,
  canonicalize,
  charterHash,
  formatHash,
  formatRef,
  renderMessage,
  shippedFormats,
  composeEntry,
  entryHash,
  fingerprint,
  issuePartyCard,
  issueRevocation,
  issueTerminalCertificate,
  linkMetrics,
  proposeChannel,
  sealEntry,
  sha256,
  signDomain,
  toBase64Url,
  reportJson,
  verifyBundleBytes,
  writeBundle,
  type BodyOf,
  type Charter,
  type EntryKind,
  type Entry,
  type FormatDefinition,
  type PartyCard,
  type Signer,
  type ProtocolErrorCode,
  type SealedEntry,
  type UnsignedEntry,
} from '../protocol/index.js';
import { CN_MINISTER, CN_PRINCIPAL, RU_MINISTER, US_MINISTER, US_PRINCIPAL, dialogueScenario, joiningScenario } from '../testkit/dialogue-scenario.js';
import { Scenario, T0, makeCharter, makeParty, type TestParty } from '../testkit/scenario.js';

/** One bundle vector as listed in test/vectors/bundles/manifest.json. */
export interface BundleVector {
  readonly file: string;
  readonly description: string;
  readonly valid: boolean;
  /** Code of the report's firstError, or null for a valid bundle. */
  readonly firstError: ProtocolErrorCode | null;
  /** Channel state in the report (null when the verifier could not derive one). */
  readonly state: string | null;
  /** Hash of the charter in force in the report (null when the verifier could not derive one). */
  readonly charterHash: string | null;
  /** The codes of every error of the report, in its order (docs/protocol.md §8.2). */
  readonly errors: readonly ProtocolErrorCode[];
  /** For a valid bundle with dialogue entries: the report's `dialogue` member (§8.3), as it must read. */
  readonly dialogue?: unknown;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

// ---------------------------------------------------------------------------------------------
// Parties and scenarios

function parties() {
  return {
    us: makeParty('US', { en: 'United States', zh: '美国' }),
    cn: makeParty('CN', { en: 'China', zh: '中国' }),
    ru: makeParty('RU', { en: 'Russia', ru: 'Россия' }),
    /** Not a party of any channel below: writes where it must not. */
    xx: makeParty('XX', { en: 'Outsider' }),
  };
}

/** The bilateral channel of valid-bilateral.jsonl: US proposes, CN accepts, three messages. */
function bilateral(): { s: Scenario; us: TestParty; cn: TestParty } {
  const { us, cn } = parties();
  const s = new Scenario([us, cn]);
  s.propose();
  s.acceptAll();
  const m1 = s.message(us, 'Vessel in distress at 12N 114E; request you hold clear.', 'FLASH');
  s.receipt(cn);
  s.ack(cn, m1);
  const m2 = s.write(cn, 'message', { text: '收到。我方船只将保持距离。', lang: 'zh', precedence: 'IMMEDIATE', replyTo: m1.hash });
  s.receipt(us);
  s.ack(us, m2, 'Lt Cdr Smith');
  const m3 = s.message(us, 'Routine link check complete.', 'ROUTINE');
  s.receipt(cn);
  s.ack(cn, m3);
  return { s, us, cn };
}

/** A three-party channel exercising every kind: link tests, suspension, amendment, key rotation. */
function trilateral(): Scenario {
  const { us, cn, ru } = parties();
  const s = new Scenario([us, cn, ru]);
  const charter = makeCharter([us, cn, ru], { title: { en: 'Trilateral air safety line', zh: '三方空中安全热线', ru: 'Трехсторонняя линия' }, languages: ['en', 'zh', 'ru'], tier: 'working' });
  s.propose(charter);
  s.acceptAll();
  const m1 = s.message(us, 'Unannounced launch window 0300-0500Z.', 'FLASH');
  s.receipt(cn);
  s.receipt(ru);
  s.ack(cn, m1);
  s.ack(ru, m1);
  const test = s.write(cn, 'link.test', { nonce: '00112233445566778899aabbccddeeff', t1: s.time + 1 });
  // The echo carries the test's own t1 back (docs/protocol.md §6).
  s.write(us, 'link.echo', { test: test.hash, t1: test.entry.body.t1, t2: s.time + 40, t3: s.time + 45 });
  s.write(ru, 'channel.suspend', { reason: 'Maintenance of the Moscow terminal.' });
  s.write(ru, 'channel.resume', { reason: 'Maintenance complete.' });
  const amended = { ...charter, linkTestIntervalSec: 30 };
  s.write(us, 'charter.amend', { charter: amended, reason: 'Test the link every 30 seconds.' });
  const h = charterHash(amended);
  s.write(cn, 'charter.accept', { charter: h });
  s.write(ru, 'charter.accept', { charter: h });
  // US rotates its terminal key: the new certificate travels in a key.rotate entry.
  const newKey = KeySigner.fromSeed(toBase64Url(sha256('hotline test seed US terminal 2')));
  const cert = issueTerminalCertificate(us.root, { key: newKey.publicKey, tls: sha256('US tls 2').toString('hex'), notBefore: T0, notAfter: T0 + 365 * 86_400_000 });
  s.write(us, 'key.rotate', { cert });
  const us2: TestParty = { ...us, terminal: newKey };
  const m2 = s.message(us2, 'Launch window closed without incident.', 'PRIORITY');
  s.receipt(cn);
  s.ack(cn, m2);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Helpers that build deliberately broken entries

/** Re-signs an entry after changing fields: a correctly signed entry that breaks a log rule. */
function resign(sealed: SealedEntry, signer: KeySigner, change: Partial<UnsignedEntry>): SealedEntry {
  const { sig: _sig, v: _v, ...fields } = sealed.entry as Entry;
  return sealEntry({ ...fields, key: signer.publicKey, ...change } as UnsignedEntry, signer);
}

/** Signs without the size limit of sealEntry, to produce an oversized entry. */
function sealUnchecked(fields: UnsignedEntry, signer: KeySigner): string {
  const unsigned = { v: 1, ...fields };
  const sig = signDomain(signer, DOMAIN.entry, sha256(canonicalize(unsigned)));
  return canonicalize({ ...unsigned, sig });
}

function cardWith(p: TestParty, change: { certNotAfter?: number; revokeFrom?: number }): PartyCard {
  const cert = issueTerminalCertificate(p.root, {
    key: p.terminal.publicKey,
    tls: sha256(`${p.code} tls`).toString('hex'),
    notBefore: T0 - 86_400_000,
    notAfter: change.certNotAfter ?? T0 + 365 * 86_400_000,
  });
  const revocations = change.revokeFrom === undefined ? [] : [issueRevocation(p.root, { key: p.terminal.publicKey, from: change.revokeFrom, reason: 'Terminal decommissioned after a suspected compromise.' })];
  return issuePartyCard(p.root, { code: p.code, names: p.card.names, terminals: [cert], revocations, endpoints: p.card.endpoints, issued: T0 - 3_600_000 });
}

// ---------------------------------------------------------------------------------------------
// Bundle vectors

function bundleVectors(): Array<{ file: string; description: string; text: string | Buffer; expect: ProtocolErrorCode | null }> {
  const { s, us, cn } = bilateral();
  const { xx } = parties();
  const e = s.entries;
  const header = { channel: s.log.id, exportedAt: s.time };
  const cards = [us.card, cn.card];
  const bundle = (entries: ReadonlyArray<SealedEntry | string>, c: readonly PartyCard[] = cards) => writeBundle(header, c, entries);
  const last = e[e.length - 1]!; // CN ack, seq 6
  const valid = bundle(e);
  const out: Array<{ file: string; description: string; text: string | Buffer; expect: ProtocolErrorCode | null }> = [];
  const add = (file: string, description: string, text: string | Buffer, expect: ProtocolErrorCode | null) => out.push({ file, description, text, expect });

  add('valid-bilateral.jsonl', 'US proposes, CN accepts; three messages with receipts and acknowledgements.', valid, null);
  const tri = trilateral();
  add('valid-trilateral.jsonl', 'Three parties: link test and echo, suspension and resumption, an amendment accepted by all, a key rotation.', tri.bundle(), null);

  // Signatures and bytes.
  const badSig = { ...last.entry, sig: e[e.length - 2]!.entry.sig };
  add('bad-signature.jsonl', 'The last entry carries the signature of another entry.', bundle([...e.slice(0, -1), canonicalize(badSig)]), 'ENTRY_BAD_SIGNATURE');
  const m3 = e[8]! as SealedEntry<'message'>;
  const tampered = { ...m3.entry, body: { ...m3.entry.body, text: 'Routine link check FAILED.' } };
  add('tampered-body.jsonl', 'The text of a signed message was changed after signing (canonical form kept).', bundle([...e.slice(0, 8), canonicalize(tampered), ...e.slice(9)]), 'ENTRY_BAD_SIGNATURE');
  add('non-canonical.jsonl', 'The last entry is valid JSON with the same content but not in RFC 8785 form (a space after a colon).', bundle([...e.slice(0, -1), last.raw.replace('"author":', '"author": ')]), 'ENTRY_NON_CANONICAL');
  const big = sealUnchecked(
    { channel: s.log.id, author: us.id, key: us.terminal.publicKey, seq: 7, prev: s.log.hashAt(us.id, 6)!, heads: { [cn.id]: s.log.head(cn.id)! }, time: s.time + 1000, kind: 'message', body: { text: '\u0001'.repeat(16_000), lang: 'en', precedence: 'ROUTINE' } },
    us.terminal,
  );
  add('oversized-entry.jsonl', 'A signed message whose canonical text exceeds 65536 bytes (control characters escape to six bytes each).', bundle([...e, big]), 'ENTRY_TOO_LARGE');

  // Chains.
  add('wrong-previous-hash.jsonl', 'The last entry is correctly signed but names the wrong previous hash.', bundle([...e.slice(0, -1), resign(last, cn.terminal, { prev: e[0]!.hash })]), 'ENTRY_WRONG_PREVIOUS_HASH');
  add('sequence-gap.jsonl', 'CN#5 (a receipt) is missing; CN#6 follows CN#4.', bundle([...e.slice(0, 9), last]), 'ENTRY_SEQUENCE_GAP');
  const twin = resign(last, cn.terminal, { body: { ...(last.entry.body as object), note: 'Second version.' } as Entry['body'] });
  add('equivocation.jsonl', 'CN signed two different entries with sequence number 6.', bundle([...e, twin]), 'ENTRY_EQUIVOCATION');
  const other = new Scenario([us, cn]);
  other.propose(makeCharter([us, cn], { title: { en: 'Second line', zh: '第二热线' } }));
  other.acceptAll();
  const foreign = other.message(us, 'Meant for the second line.', 'ROUTINE');
  add('spliced-entry.jsonl', 'An entry of another channel between the same parties was spliced in.', bundle([...e, foreign]), 'ENTRY_WRONG_CHANNEL');
  add('missing-proposal.jsonl', 'The charter.propose entry whose hash is the channel id is absent.', bundle(e.slice(1)), 'BUNDLE_MISSING_PROPOSAL');

  // Charter states and parties.
  const proposed = new Scenario([us, cn]);
  proposed.propose();
  const early = composeEntry(proposed.log, us.terminal, us.id, 'message', { text: 'Are you there?', lang: 'en', precedence: 'FLASH' }, proposed.tick());
  add('message-on-proposed.jsonl', 'US sends a message before CN accepted the charter.', proposed.bundle([...proposed.entries, early]), 'ENTRY_KIND_NOT_ALLOWED');
  const declined = new Scenario([us, cn]);
  declined.propose();
  declined.write(cn, 'charter.decline', { charter: declined.log.state(declined.time).proposalHash, reason: 'Not at this level.' });
  const late = composeEntry(declined.log, us.terminal, us.id, 'message', { text: 'Please reconsider.', lang: 'en', precedence: 'ROUTINE' }, declined.tick());
  add('message-on-declined.jsonl', 'US sends a message after CN declined the charter.', declined.bundle([...declined.entries, late]), 'ENTRY_KIND_NOT_ALLOWED');
  const intruder = composeEntry(s.log, xx.terminal, xx.id, 'message', { text: 'Hello from outside.', lang: 'en', precedence: 'ROUTINE' }, s.time + 1000);
  add('author-not-party.jsonl', 'A party not listed in the charter (its card is included) writes a message.', bundle([...e, intruder], [...cards, xx.card]), 'ENTRY_AUTHOR_NOT_PARTY');

  // Keys and cards.
  const stranger = KeySigner.fromSeed(toBase64Url(sha256('hotline test seed CN uncertified')));
  add('unknown-key.jsonl', 'The last entry is signed by a terminal key that no certificate of CN vouches for.', bundle([...e.slice(0, -1), resign(last, stranger, {})]), 'ENTRY_UNKNOWN_KEY');
  const cut = e[9]!.entry.time; // CN#5
  add('revoked-in-card.jsonl', "CN's card revokes its terminal key from the time of CN#5: a card's revocation decides no verdict, the entries stay valid (§3.2).", bundle(e, [us.card, cardWith(cn, { revokeFrom: cut })]), null);
  add('expired-key.jsonl', "CN's terminal certificate ends at the time of CN#5.", bundle(e, [us.card, cardWith(cn, { certNotAfter: cut })]), 'ENTRY_KEY_EXPIRED');
  add('missing-card.jsonl', "CN's party card is absent.", bundle(e, [us.card]), 'BUNDLE_MISSING_CARD');
  const forgedCard = canonicalize({ ...cn.card, names: { en: 'People’s Republic of Nowhere', zh: '中国' } });
  add('card-bad-signature.jsonl', "CN's card was altered after its root key signed it.", writeBundle(header, [], [canonicalize(us.card), forgedCard, ...e.map((x) => x.raw)]), 'CARD_BAD_SIGNATURE');

  // Files.
  const cutAt = valid.length - 1 - Math.floor(last.raw.length / 2);
  add('truncated.jsonl', 'The file ends in the middle of its last line.', valid.slice(0, cutAt), 'BUNDLE_TRUNCATED');
  add('empty.jsonl', 'An empty file.', '', 'BUNDLE_EMPTY');
  add('not-a-bundle.jsonl', 'A JSON Lines file of something else.', '{"type":"syslog","msg":"link down"}\n{"type":"syslog","msg":"link up"}\n', 'BUNDLE_NOT_A_BUNDLE');
  add('malformed-line.jsonl', 'A line that is not JSON at all, after the entries.', `${valid}this is not json\n`, 'BUNDLE_MALFORMED_LINE');
  fileFormatVectors(valid, add);
  forgeryVectors(add);
  keyValidityVectors(add);
  orderAndSchemaVectors(add);
  linkRecordVectors(add);
  dialogueVectors(add);
  formatVectors(add);
  return out;
}

/** The dialogue kinds (§6.1): the ministerial visit, and one refused entry after it per rule. */
function dialogueVectors(add: Add): void {
  const story = dialogueScenario();
  const { s, us, cn } = story;
  const bundle = (extra: SealedEntry[] = []) => s.bundle([...s.entries, ...extra]);
  add('dialogue-valid.jsonl', 'A ministerial visit: five issues with both positions, a meeting accepted and both readouts, a joint statement adopted at version 2, three commitments (one confirmed, one disputed, one in progress).', bundle(), null);
  const next = <K extends EntryKind>(by: TestParty, kind: K, body: BodyOf<K>) => composeEntry(s.log, by.terminal, by.id, kind, body, s.time + 1000);
  add('dialogue-position-for-other-party.jsonl', "US writes a position whose party is CN: a party states only its own position.", bundle([next(us, 'issue.position', { issue: story.issues[0]!.hash, party: cn.id, text: 'China accepts the US position.', lang: 'en', by: US_MINISTER })]), 'DIALOGUE_WRONG_PARTY');
  add('dialogue-endorse-unknown-version.jsonl', 'CN endorses a version that is not a version of the joint statement.', bundle([next(cn, 'text.endorse', { draft: story.draft.hash, version: story.meeting.hash, by: CN_MINISTER })]), 'DIALOGUE_UNKNOWN_VERSION');
  add('dialogue-update-not-owner.jsonl', 'US marks done a commitment that CN owes.', bundle([next(us, 'commitment.update', { commitment: story.commitments[2]!.hash, status: 'done', note: 'Done on their behalf.', by: US_PRINCIPAL })]), 'DIALOGUE_WRONG_PARTY');
  const call = s.write(us, 'meeting.propose', { title: { en: 'Follow-up call' }, kind: 'call', level: 'working', start: s.time + 86_400_000, end: s.time + 90_000_000, place: 'Telephone', participants: [], agenda: [], by: US_PRINCIPAL });
  add('dialogue-readout-meeting-not-held.jsonl', 'CN files a readout of a follow-up call it never accepted and whose time has not come.', s.bundle([...s.entries, composeEntry(s.log, cn.terminal, cn.id, 'readout.file', { meeting: call.hash, text: '通话没有举行。', lang: 'zh', release: false, by: CN_PRINCIPAL }, s.time + 1000)]), 'DIALOGUE_MEETING_NOT_HELD');
  // The update confirmed is CN's own latest update of that commitment (in progress), so that every
  // order of the §6.1 checks gives DIALOGUE_NOT_DONE.
  const inProgress = s.entries.find((x) => x.entry.kind === 'commitment.update' && (x.entry.body as BodyOf<'commitment.update'>).commitment === story.commitments[2]!.hash)!;
  add('dialogue-confirm-not-done.jsonl', 'US confirms the update by which CN marked a commitment only in progress (its latest update of it).', s.bundle([...s.entries, composeEntry(s.log, us.terminal, us.id, 'commitment.confirm', { commitment: story.commitments[2]!.hash, update: inProgress.hash, by: US_PRINCIPAL }, s.time + 1000)]), 'DIALOGUE_NOT_DONE');
  // The finer rules of the dialogue report (§6.1 "The dialogue state", §8.3).
  const fine = new Scenario([us, cn]);
  fine.propose(makeCharter([us, cn], { tier: 'ministerial' }));
  fine.acceptAll();
  const issue = fine.write(us, 'issue.open', { title: { en: 'Fisheries' }, category: 'maritime', by: US_PRINCIPAL });
  fine.write(us, 'issue.position', { issue: issue.hash, party: us.id, text: 'First position.', lang: 'en', by: US_MINISTER });
  fine.write(cn, 'issue.position', { issue: issue.hash, party: cn.id, text: '中方立场。', lang: 'zh', by: CN_MINISTER });
  fine.write(us, 'issue.position', { issue: issue.hash, party: us.id, text: 'Revised position.', lang: 'en', by: US_MINISTER });
  const at = fine.time + 86_400_000;
  const talks = fine.write(us, 'meeting.propose', { title: { en: 'Fisheries talks' }, kind: 'working-group', level: 'working', start: at, end: at + 3_600_000, place: 'Geneva', participants: [], agenda: [issue.hash], by: US_PRINCIPAL });
  fine.write(cn, 'meeting.reschedule', { meeting: talks.hash, start: at + 3_600_000, end: at + 7_200_000, place: 'Vienna', reason: 'Vienna is closer for both.', by: CN_PRINCIPAL });
  const inForce = fine.write(us, 'meeting.reschedule', { meeting: talks.hash, start: at + 7_200_000, end: at + 10_800_000, reason: 'Later the same day; no place given.', by: US_PRINCIPAL });
  fine.write(cn, 'meeting.accept', { meeting: talks.hash, schedule: inForce.hash, by: CN_PRINCIPAL });
  fine.time = at + 11_000_000;
  fine.write(us, 'readout.file', { meeting: talks.hash, text: 'First readout.', lang: 'en', release: false, by: US_PRINCIPAL });
  fine.write(cn, 'readout.file', { meeting: talks.hash, text: '会谈纪要。', lang: 'zh', release: true, by: CN_PRINCIPAL });
  fine.write(us, 'readout.file', { meeting: talks.hash, text: 'Revised readout, for release.', lang: 'en', release: true, by: US_PRINCIPAL });
  const terms = fine.write(us, 'text.draft', { title: { en: 'Terms of reference' }, type: 'terms-of-reference', content: { en: 'Draft terms.' }, by: US_PRINCIPAL });
  // Two amendments of the draft written concurrently: two versions numbered 2.
  const byUs = composeEntry(fine.log, us.terminal, us.id, 'text.amend', { draft: terms.hash, base: terms.hash, content: { en: 'Terms, as the US would have them.' }, by: US_PRINCIPAL }, fine.tick());
  const byCn = composeEntry(fine.log, cn.terminal, cn.id, 'text.amend', { draft: terms.hash, base: terms.hash, content: { en: 'Terms, as China would have them.' }, by: CN_PRINCIPAL }, fine.tick());
  for (const x of [byUs, byCn]) {
    const r = fine.log.ingest(x);
    if (r.status !== 'accepted') throw new Error(`concurrent text amendment not accepted: ${r.status}`);
    fine.entries.push(x);
  }
  for (const v of [byCn, byUs]) for (const [p, by] of [[us, US_MINISTER], [cn, CN_MINISTER]] as const) fine.write(p, 'text.endorse', { draft: terms.hash, version: v.hash, by });
  const soon = fine.time + 3_600_000;
  const survey = fine.write(us, 'commitment.add', { owner: cn.id, what: 'Share the survey data.', lang: 'en', due: soon, by: US_PRINCIPAL });
  fine.write(cn, 'commitment.update', { commitment: survey.hash, status: 'delayed', due: soon + 86_400_000, note: 'The survey ship is late.', by: CN_PRINCIPAL });
  fine.write(us, 'commitment.add', { owner: us.id, what: 'Name the delegation.', lang: 'en', due: fine.time + 60_000, by: US_PRINCIPAL });
  fine.time += 7_200_000; // past the second commitment's due date, not the delayed one's
  fine.write(cn, 'issue.position', { issue: issue.hash, party: cn.id, text: '中方最新立场。', lang: 'zh', by: CN_MINISTER });
  add('dialogue-report-rules.jsonl', 'The finer rules of the dialogue report: a party with two positions (revisions 2, the latest current); a meeting rescheduled twice, the schedule in force without `place` keeping the proposal\'s (Geneva, not Vienna); two readouts of one party (the latest counts); two versions numbered 2 written concurrently, both adopted (the later by time is the text\'s); a commitment delayed (its new due date) and one overdue at `asOf`.', fine.bundle(), null);
  // Decided stays decided: RU, added by amendment after US and CN had decided, need not answer
  // what was decided before it joined; a text drafted after it joined needs its endorsement too.
  const joined = joiningScenario();
  joined.s.time = joined.start + 7_200_000;
  joined.s.write(joined.ru, 'readout.file', { meeting: joined.meeting.hash, text: 'Russia was informed of the talks.', lang: 'en', release: true, by: { ...RU_MINISTER, role: 'principal' } });
  const later = joined.s.write(joined.us, 'text.draft', { title: { en: 'Second statement' }, type: 'joint-statement', content: { en: 'The three sides held talks.' }, by: US_MINISTER });
  joined.s.write(joined.us, 'text.endorse', { draft: later.hash, version: later.hash, by: US_MINISTER });
  joined.s.write(joined.cn, 'text.endorse', { draft: later.hash, version: later.hash, by: CN_MINISTER });
  add('dialogue-decided-before-joining.jsonl', "US and CN adopt a joint statement, accept a meeting and confirm a commitment; an amendment then adds RU: the statement stays adopted, the meeting accepted (RU files a readout of it) and the commitment confirmed; a second statement, drafted after RU joined and endorsed by US and CN only, is not adopted (§6.1 \"Decided stays decided\"; the expected `dialogue` is in the manifest).", joined.s.bundle(), null);
}

const shipped = (id: string): FormatDefinition => [...shippedFormats().values()].find((d) => d.id === id)!;

/** The fields of the formatted-message vectors: a launch with a circle and a polygon, a phrase. */
const LAUNCH_FIELDS = {
  launch_type: 'ballistic-missile',
  window_start: '2026-12-03T12:00:00Z',
  window_end: '2026-12-03T14:00:00Z',
  launch_area: { circle: { centre: { lat: 40.1, lon: 124.5 }, radius: 20, unit: 'km' } },
  impact_area: [{ polygon: [{ lat: 30, lon: 130 }, { lat: 30, lon: 131.5 }, { lat: 31.25, lon: 131 }, { lat: 30, lon: 130 }] }],
};

/** Agreed formats (§13): a valid channel with formatted messages, and each way it can be refused. */
function formatVectors(add: Add): void {
  const { us, cn } = parties();
  const launch = shipped('launch-notification');
  const phrase = shipped('standard-phrase');
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], { formats: [formatRef(launch), formatRef(phrase)] }));
  s.acceptAll();
  const m = s.write(us, 'message', { text: 'Launch notification', lang: 'en', precedence: 'IMMEDIATE', format: formatRef(launch), fields: LAUNCH_FIELDS });
  s.receipt(cn);
  s.write(cn, 'message', { text: '明白。', lang: 'zh', precedence: 'IMMEDIATE', replyTo: m.hash, format: formatRef(phrase), fields: { phrase: 'understood' } });
  const defs = [launch, phrase];
  add('formats-valid.jsonl', 'A channel agreeing two formats: a launch notification (a circle and a polygon) and a standard-phrase answer; the bundle carries both definitions.', s.bundle(s.entries, defs), null);
  add('formats-missing-definition.jsonl', 'The same bundle without the definition lines: the launch notification cannot be checked.', s.bundle(s.entries, []), 'FORMAT_UNKNOWN');
  const altered = JSON.parse(JSON.stringify(launch)) as FormatDefinition;
  altered.languages.en!.values.launch_type!['ballistic-missile'] = 'Space launch';
  add('formats-altered-definition.jsonl', 'The launch definition with one English label changed: another hash, so the agreed definition is missing.', s.bundle(s.entries, [altered, phrase]), 'FORMAT_UNKNOWN');
  const broken = { ...launch, precedence: 'URGENT' };
  add('formats-invalid-definition.jsonl', 'A definition line with a precedence the protocol does not know.', s.bundle(s.entries, [broken as unknown as FormatDefinition, launch, phrase]), 'FORMAT_INVALID');
  const notAgreed = composeEntry(s.log, us.terminal, us.id, 'message', { text: 'Exercise', lang: 'en', precedence: 'PRIORITY', format: formatRef(shipped('exercise-notice')), fields: {} }, s.tick());
  add('formats-not-agreed.jsonl', 'US signs a message in a format the charter does not list.', s.bundle([...s.entries, notAgreed], [...defs, shipped('exercise-notice')]), 'FORMAT_NOT_AGREED');
  const bowTie = [{ lat: 30, lon: 130 }, { lat: 31, lon: 131 }, { lat: 30, lon: 131 }, { lat: 31, lon: 130 }, { lat: 30, lon: 130 }];
  const badFields = composeEntry(s.log, us.terminal, us.id, 'message', { text: 'Launch notification', lang: 'en', precedence: 'IMMEDIATE', format: formatRef(launch), fields: { ...LAUNCH_FIELDS, impact_area: [{ polygon: bowTie }] } }, s.tick());
  add('formats-fields-invalid.jsonl', "US signs a launch notification whose impact area crosses itself (rule polygon-self-intersecting).", s.bundle([...s.entries, badFields], defs), 'FORMAT_FIELDS_INVALID');
}

/** Each shipped format: its canonical JSON, its hash input and hash, and a rendering in each language. */
function formatDefinitionVectors() {
  return [...shippedFormats().values()].map((def) => ({
    id: def.id,
    version: def.version,
    hashInputPrefixUtf8: 'hotline/1/format\u0000',
    canonical: canonicalize(def),
    hash: formatHash(def),
  }));
}

/** Renderings of the launch vector's fields in every shipped language (§13.4). */
function renderingVectors() {
  const launch = shipped('launch-notification');
  return { format: formatRef(launch), fields: LAUNCH_FIELDS, renderings: Object.fromEntries(Object.keys(launch.languages).map((l) => [l, renderMessage(launch, LAUNCH_FIELDS, l).text])) };
}

type Add = (file: string, description: string, text: string | Buffer, expect: ProtocolErrorCode | null) => void;

/** The bytes of a bundle file (§8.1): encoding, line ends, canonical header and cards. */
function fileFormatVectors(valid: string, add: Add): void {
  const lines = valid.split('\n').slice(0, -1);
  const join = (ls: readonly string[]) => `${ls.join('\n')}\n`;
  add('byte-order-mark.jsonl', 'The valid bilateral bundle with a UTF-8 byte-order mark in front.', `\uFEFF${valid}`, 'BUNDLE_BAD_ENCODING');
  add('crlf.jsonl', 'The valid bilateral bundle with Windows line endings (CRLF).', valid.replace(/\n/g, '\r\n'), 'BUNDLE_BAD_ENCODING');
  add('nul-byte.jsonl', 'The valid bilateral bundle with a NUL byte at the end of its last line.', `${valid.slice(0, -1)}\u0000\n`, 'BUNDLE_BAD_ENCODING');
  const bytes = Buffer.from(valid, 'utf8');
  const at = bytes.indexOf(Buffer.from('收到', 'utf8'));
  add('invalid-utf8.jsonl', 'The valid bilateral bundle with one byte of a Chinese character in a signed text replaced by 0xFF (not UTF-8).', Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + 1)]), 'BUNDLE_BAD_ENCODING');
  add('blank-line.jsonl', 'An empty line between the cards and the entries.', join([...lines.slice(0, 3), '', ...lines.slice(3)]), 'BUNDLE_MALFORMED_LINE');
  add('no-final-newline.jsonl', 'The valid bilateral bundle without the LF that ends its last line.', valid.slice(0, -1), 'BUNDLE_TRUNCATED');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  add('non-canonical-header.jsonl', 'The header with its members out of order (not RFC 8785).', join([JSON.stringify({ type: header.type, v: header.v, channel: header.channel, exportedAt: header.exportedAt }), ...lines.slice(1)]), 'BUNDLE_NOT_A_BUNDLE');
  add('header-unknown-member.jsonl', 'The header with a member the protocol does not define.', join([canonicalize({ ...header, note: 'exported for the archive' }), ...lines.slice(1)]), 'BUNDLE_NOT_A_BUNDLE');
  const other = 'f'.repeat(64);
  add('duplicate-member-header.jsonl', 'The header names "channel" twice: another channel first, the real one last (a last-wins parser reads the real one).', join([lines[0]!.replace('{', `{"channel":"${other}",`), ...lines.slice(1)]), 'JSON_DUPLICATE_MEMBER');
  add('duplicate-member-card.jsonl', "A second copy of CN's card that names \"code\" twice: \"XX\" first, its signed \"CN\" last (a last-wins parser finds the signature valid).", join([...lines.slice(0, 3), lines[2]!.replace('"code":"CN"', '"code":"XX","code":"CN"'), ...lines.slice(3)]), 'JSON_DUPLICATE_MEMBER');
  add('non-canonical-card.jsonl', "CN's card with a space after a colon: its signature still verifies over the parsed value, but the line is not canonical.", join([lines[0]!, lines[1]!, lines[2]!.replace('"code":', '"code": '), ...lines.slice(3)]), 'CARD_INVALID');
  const last = lines[lines.length - 1]!;
  add('duplicate-member-entry.jsonl', 'The last entry names "kind" twice (the same value both times).', join([...lines.slice(0, -1), last.replace('"kind":"ack"', '"kind":"ack","kind":"ack"')]), 'JSON_DUPLICATE_MEMBER');
}

/** The 64 bytes of S + L for a signature (S < L): the same signature written as another number. */
function malleate(sig: string): string {
  const bytes = Buffer.from(sig, 'base64url');
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  let n = 0n;
  for (let i = 63; i >= 32; i--) n = (n << 8n) | BigInt(bytes[i]!);
  n += L;
  for (let i = 32; i < 64; i++) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return toBase64Url(bytes);
}

/** Under the identity point, R = identity and S = 0 verify for every message: anyone "signs". */
const IDENTITY_KEY = toBase64Url(Buffer.from(`01${'00'.repeat(31)}`, 'hex'));
const ANY_MESSAGE_SIG = Buffer.concat([Buffer.from(`01${'00'.repeat(31)}`, 'hex'), Buffer.alloc(32)]);
const anyoneSigner: Signer = { publicKey: IDENTITY_KEY, sign: () => Buffer.from(ANY_MESSAGE_SIG) };

/** Forged evidence and forged signatures (§3.1, §4.2). */
function forgeryVectors(add: Add): void {
  const { s, us, cn } = bilateral();
  const e = s.entries;
  const last = e[e.length - 1]!; // CN#6, an ack
  const bundle = (entries: ReadonlyArray<SealedEntry | string>, cards: readonly PartyCard[] = [us.card, cn.card]) => writeBundle({ channel: s.log.id, exportedAt: s.time }, cards, entries);
  const stranger = KeySigner.fromSeed(toBase64Url(sha256('hotline test seed forger')));
  const forged = resign(last, stranger, { body: { ...(last.entry.body as object), note: 'CN never wrote this.' } as Entry['body'] });
  add('forged-equivocation.jsonl', "Besides CN#6, a second CN#6 signed by a key no certificate of CN names: a forgery, not evidence of equivocation.", bundle([...e, forged]), 'ENTRY_UNKNOWN_KEY');
  const malleated = canonicalize({ ...last.entry, sig: malleate(last.entry.sig) });
  add('malleated-signature.jsonl', 'After CN#6, a copy of it whose signature has S + L in place of S (same entry hash).', bundle([...e, malleated]), 'ENTRY_BAD_SIGNATURE');

  // A party whose root and terminal key is the identity point: its card, certificate and entries
  // all carry the signature (identity, 0), which OpenSSL accepts for any message.
  const cert = { type: 'hotline.terminal-cert', v: 1, party: IDENTITY_KEY, key: IDENTITY_KEY, tls: sha256('ZZ tls').toString('hex'), notBefore: T0 - 86_400_000, notAfter: T0 + 365 * 86_400_000, sig: toBase64Url(ANY_MESSAGE_SIG) } as const;
  const zzCard = { type: 'hotline.party-card', v: 1, party: IDENTITY_KEY, code: 'ZZ', names: { en: 'Anyone' }, terminals: [cert], revocations: [], endpoints: [], issued: T0 - 86_400_000, sig: toBase64Url(ANY_MESSAGE_SIG) } as unknown as PartyCard;
  const charter = makeCharter([us, { ...us, code: 'ZZ', id: IDENTITY_KEY }]);
  const proposal = proposeChannel(us.terminal, us.id, charter, T0 + 1000);
  const accept = sealEntry({ channel: proposal.hash, author: IDENTITY_KEY, key: IDENTITY_KEY, seq: 1, prev: null, heads: { [us.id]: { seq: 1, hash: proposal.hash } }, time: T0 + 2000, kind: 'charter.accept', body: { charter: charterHash(charter) } }, anyoneSigner);
  add('small-order-key.jsonl', "A party whose root key (and terminal key) is the identity point, under which one signature verifies for every message: the charter naming it is refused (§5.1), and so is its card.", writeBundle({ channel: proposal.hash }, [us.card, zzCard], [proposal, accept]), 'CHARTER_INVALID');
}


/** Which keys may sign where (§3.2): rotations and revocations count from their place in the log on. */
function keyValidityVectors(add: Add): void {
  const { us, cn } = parties();
  const s = new Scenario([us, cn]);
  s.propose();
  s.acceptAll();
  s.message(us, 'Exercise notice follows.', 'ROUTINE');
  s.receipt(cn);
  const k2 = KeySigner.fromSeed(toBase64Url(sha256('hotline test seed US terminal 2')));
  const cert = issueTerminalCertificate(us.root, { key: k2.publicKey, tls: sha256('US tls 2').toString('hex'), notBefore: T0, notAfter: T0 + 365 * 86_400_000 });
  const early = composeEntry(s.log, k2, us.id, 'message', { text: 'Signed with the new key before it was announced.', lang: 'en', precedence: 'ROUTINE' }, s.tick());
  const rotate = sealEntry({ channel: s.log.id, author: us.id, key: us.terminal.publicKey, seq: early.entry.seq + 1, prev: early.hash, heads: early.entry.heads, time: s.tick(), kind: 'key.rotate', body: { cert } }, us.terminal);
  add('key-used-before-rotation.jsonl', "US#4 is signed by a key that only US#5, a key.rotate, certifies: a certificate counts for the entries after it, not before.", s.bundle([...s.entries, early, rotate]), 'ENTRY_UNKNOWN_KEY');

  const cn2: TestParty = { ...cn, terminal: KeySigner.fromSeed(toBase64Url(sha256('hotline test seed CN terminal 2'))) };
  const cnCert = issueTerminalCertificate(cn.root, { key: cn2.terminal.publicKey, tls: sha256('CN tls 2').toString('hex'), notBefore: T0, notAfter: T0 + 365 * 86_400_000 });
  s.write(cn, 'key.rotate', { cert: cnCert });
  const revocation = issueRevocation(cn.root, { key: cn.terminal.publicKey, from: T0, reason: 'Terminal lost; revoked from the start of the channel.' });
  s.write(cn2, 'key.revoke', { revocation });
  s.message(cn2, 'Our old terminal is revoked; this one replaces it.', 'PRIORITY');
  add('backdated-revocation.jsonl', "CN rotates its terminal key, then revokes the old one from a time before every entry it signed: the entries before the key.revoke stay CN's (§3.2).", s.bundle(), null);
  const after = composeEntry(s.log, cn.terminal, cn.id, 'message', { text: 'Signed with the revoked key.', lang: 'en', precedence: 'FLASH' }, s.tick());
  add('revoked-in-channel.jsonl', "After its key.revoke, an entry of CN signed by the revoked key.", s.bundle([...s.entries, after]), 'ENTRY_KEY_REVOKED');
}

/** Order of checks and errors, state rules, and the bounds of the schemas (§5–§8). */
function orderAndSchemaVectors(add: Add): void {
  const { us, cn, ru } = parties();
  const { s } = bilateral();
  const e = s.entries;
  const header = { channel: s.log.id, exportedAt: s.time };
  const bundle = (entries: ReadonlyArray<SealedEntry | string>) => writeBundle(header, [us.card, cn.card], entries);

  const expiring = new Scenario([us, cn]);
  const proposal = expiring.propose(makeCharter([us, cn], { expires: T0 + 60_000 }));
  add('exported-after-expiry.jsonl', 'A proposal that expires a minute after T0, unanswered, in a bundle whose (unsigned) exportedAt is a day later: the state is judged at the latest signed time, so "proposed".', writeBundle({ channel: proposal.hash, exportedAt: T0 + 86_400_000 }, [us.card, cn.card], [proposal]), null);

  const other = new Scenario([cn, us]);
  const second = other.propose(makeCharter([cn, us], { title: { en: 'Counter-proposal', zh: '反提案' } }));
  add('second-proposal.jsonl', "CN's proposal of another channel among this channel's entries: its channel is null, not this channel's id.", bundle([...e, second]), 'ENTRY_WRONG_CHANNEL');

  const implicit = new Scenario([us, cn]);
  const p = implicit.propose();
  const accept = sealEntry({ channel: p.hash, author: cn.id, key: cn.terminal.publicKey, seq: 1, prev: null, heads: {}, time: implicit.tick(), kind: 'charter.accept', body: { charter: implicit.log.state(implicit.time).proposalHash } }, cn.terminal);
  add('valid-implicit-proposal.jsonl', "CN's accept names no heads: the proposal is in every entry's causal past through the channel id.", implicit.bundle([p, accept]), null);

  const amend = new Scenario([us, cn]);
  amend.propose();
  amend.acceptAll();
  const base = makeCharter([us, cn]);
  const byUs: Charter = { ...base, linkTestIntervalSec: 30 };
  const byCn: Charter = { ...base, linkTestIntervalSec: 120 };
  const a1 = composeEntry(amend.log, us.terminal, us.id, 'charter.amend', { charter: byUs, reason: 'Test the link every 30 seconds.' }, amend.tick());
  const a2 = composeEntry(amend.log, cn.terminal, cn.id, 'charter.amend', { charter: byCn, reason: 'Test the link every two minutes.' }, amend.tick());
  for (const a of [a1, a2]) {
    const r = amend.log.ingest(a);
    if (r.status !== 'accepted') throw new Error(`concurrent amendment not accepted: ${r.status}`);
    amend.entries.push(a);
  }
  amend.write(us, 'charter.accept', { charter: charterHash(byCn) });
  amend.write(cn, 'charter.accept', { charter: charterHash(byUs) });
  add('concurrent-amendments.jsonl', "US and CN amend the charter concurrently (neither amendment is in the other's causal past); each accepts the other's. Both are adopted; CN's, the later, is in force (§5.3).", amend.bundle(), null);

  const again = new Scenario([us, cn]);
  const c0 = makeCharter([us, cn]);
  again.propose(c0);
  again.acceptAll();
  const repeat = composeEntry(again.log, us.terminal, us.id, 'charter.amend', { charter: c0, reason: 'Back to the terms first agreed.' }, again.tick());
  add('amendment-repeats-proposal.jsonl', "US amends the charter to exactly the proposal's: its charter hash is the proposal's, so an answer to it would answer the proposal (§5.3).", again.bundle([...again.entries, repeat]), 'CHARTER_INVALID');

  const same = new Scenario([us, cn]);
  same.propose(c0);
  same.acceptAll();
  const both: Charter = { ...c0, linkTestIntervalSec: 30 };
  const s1 = composeEntry(same.log, cn.terminal, cn.id, 'charter.amend', { charter: both, reason: 'CN: test the link every 30 seconds.' }, same.tick());
  const s2 = composeEntry(same.log, us.terminal, us.id, 'charter.amend', { charter: both, reason: 'US: test the link every 30 seconds.' }, same.tick());
  for (const a of [s1, s2]) {
    const r = same.log.ingest(a);
    if (r.status !== 'accepted') throw new Error(`concurrent identical amendment not accepted: ${r.status}`);
    same.entries.push(a);
  }
  const skew = new Scenario([us, cn]);
  skew.propose(c0);
  skew.acceptAll();
  const t = skew.time;
  const faster: Charter = { ...c0, linkTestIntervalSec: 30 };
  const slower: Charter = { ...c0, linkTestIntervalSec: 120 };
  for (const [by, kind, body, time] of [
    [us, 'charter.amend', { charter: faster, reason: 'Test the link every 30 seconds.' }, t + 100_000],
    [cn, 'charter.accept', { charter: charterHash(faster) }, t + 40_000],
    [cn, 'charter.amend', { charter: slower, reason: 'Every two minutes after all.' }, t + 50_000],
    [us, 'charter.accept', { charter: charterHash(slower) }, t + 110_000],
  ] as const) {
    const x = composeEntry(skew.log, by.terminal, by.id, kind, body as never, time);
    const r = skew.log.ingest(x);
    if (r.status !== 'accepted') throw new Error(`amendment under skew not accepted: ${r.status}`);
    skew.entries.push(x);
  }
  add('amendment-clock-behind.jsonl', "US amends (link test every 30 s); CN, whose clock runs a minute behind, accepts it and then amends (every 120 s) with times before US's amendment; US accepts. CN's amendment has US's in its causal past, so it is walked after it and is in force: 120 s (§5.3).", skew.bundle(), null);

  add('concurrent-same-amendment.jsonl', "US and CN amend the charter concurrently to the same charter: one amendment (CN's entry, the earlier, is its own), which each proposer accepts by proposing it; adopted, the link test every 30 s (§5.3).", same.bundle(), null);

  // A withdrawal concurrent with the last acceptance: the withdrawal wins (§5.3, withdrawal first).
  const race = new Scenario([us, cn]);
  race.propose(c0);
  race.acceptAll();
  const every30: Charter = { ...c0, linkTestIntervalSec: 30 };
  race.write(us, 'charter.amend', { charter: every30, reason: 'Test the link every 30 seconds.' });
  const lastAccept = composeEntry(race.log, cn.terminal, cn.id, 'charter.accept', { charter: charterHash(every30) }, race.tick());
  const withdrawal = composeEntry(race.log, us.terminal, us.id, 'charter.withdraw', { charter: charterHash(every30), reason: 'On second thoughts, not now.' }, race.tick());
  for (const x of [lastAccept, withdrawal]) {
    const r = race.log.ingest(x);
    if (r.status !== 'accepted') throw new Error(`concurrent withdrawal not accepted: ${r.status}`);
    race.entries.push(x);
  }
  race.write(cn, 'message', { text: 'Link tests stay at every 60 seconds, then.', lang: 'en', precedence: 'ROUTINE' });
  add('amendment-withdrawn-concurrently.jsonl', "US amends the charter (link test every 30 s); CN accepts it while US, not having seen the acceptance, withdraws it. Both entries are valid (the amendment pending in each one's causal past); the withdrawal wins, so the amendment is withdrawn and the proposal's charter (60 s) stays in force, as CN's later message sees it (§5.3: withdrawal is checked before adoption).", race.bundle(), null);

  // §5.4: a suspension lapses with its author's removal, and a party being added may not suspend.
  const lapse = new Scenario([us, cn, ru]);
  const three = makeCharter([us, cn, ru]);
  lapse.propose(three);
  lapse.acceptAll();
  const withoutRu: Charter = { ...three, parties: three.parties.filter((p) => p.party !== ru.id), note: 'US and CN only' };
  lapse.write(cn, 'charter.amend', { charter: withoutRu, reason: 'The exercise is over.' });
  lapse.write(ru, 'channel.suspend', { reason: 'Not before our navy has left the area.' });
  lapse.write(us, 'charter.accept', { charter: charterHash(withoutRu) });
  lapse.write(ru, 'charter.accept', { charter: charterHash(withoutRu) });
  add('suspension-lapses-on-removal.jsonl', "CN proposes removing RU; RU suspends the channel, then consents to its removal with US. The removal is adopted (accepts are allowed while suspended) and RU's suspension lapses with it: RU can write nothing more, so could never lift it. The channel is active (§5.4).", lapse.bundle(), null);

  const offered = new Scenario([us, cn]);
  offered.propose(c0);
  offered.acceptAll();
  const withRu: Charter = { ...c0, parties: [...c0.parties, { party: ru.id, code: 'RU', roles: ['duty-officer'] }] };
  offered.write(us, 'charter.amend', { charter: withRu, reason: 'RU joins for the exercise.' });
  const early = composeEntry(offered.log, ru.terminal, ru.id, 'channel.suspend', { reason: 'Before anything else.' }, offered.tick());
  add('suspend-by-party-being-added.jsonl', 'US proposes adding RU; RU, named only by the pending amendment, suspends the channel: only a party of the charter in force suspends or closes it (§5.4).', writeBundle({ channel: offered.log.id, exportedAt: offered.time }, [us.card, cn.card, ru.card], [...offered.entries, early]), 'ENTRY_KIND_NOT_ALLOWED');

  const link = new Scenario([us, cn]);
  link.propose();
  link.acceptAll();
  const test = link.write(cn, 'link.test', { nonce: '00112233445566778899aabbccddeeff', t1: link.time + 500 });
  const echo = composeEntry(link.log, us.terminal, us.id, 'link.echo', { test: test.hash, t1: test.entry.time, t2: link.time + 40, t3: link.time + 45 }, link.tick());
  add('link-echo-wrong-t1.jsonl', "US echoes CN's link test with the test entry's time as t1, not the test's own t1.", link.bundle([...link.entries, echo]), 'ENTRY_BAD_REFERENCE');

  const last = e[e.length - 1]!;
  const badSig = canonicalize({ ...last.entry, sig: e[e.length - 2]!.entry.sig });
  add('error-order.jsonl', 'A line that is not JSON before the entries, and a last entry with a bad signature: entry problems are listed before line problems (§8.2).', writeBundle(header, [us.card, cn.card], ['not json', ...e.slice(0, -1).map((x) => x.raw), badSig]), 'ENTRY_BAD_SIGNATURE');

  const longTag = `en${'-abcdefgh'.repeat(12)}`;
  const tagged = composeEntry(s.log, us.terminal, us.id, 'message', { text: 'Language tag of 110 characters.', lang: longTag, precedence: 'ROUTINE' }, s.time + 1000);
  add('long-language-tag.jsonl', 'A message whose language tag has twelve subtags (110 characters).', bundle([...e, tagged]), 'ENTRY_MALFORMED');

  const hugeCharter = makeCharter([us, cn], { ackDeadlineSec: { FLASH: 180, IMMEDIATE: 900, PRIORITY: 3600, ROUTINE: Number.MAX_SAFE_INTEGER } });
  const huge = composeEntry(s.log, us.terminal, us.id, 'charter.amend', { charter: hugeCharter, reason: 'Routine traffic may wait.' }, s.time + 1000);
  add('huge-deadline.jsonl', 'An amendment whose ROUTINE acknowledgement deadline is 2^53 − 1 seconds (the schema allows at most 604 800).', bundle([...e, huge]), 'ENTRY_MALFORMED');

  const inverted = proposeChannel(us.terminal, us.id, makeCharter([us, cn], { ackDeadlineSec: { FLASH: 900, IMMEDIATE: 180, PRIORITY: 3600, ROUTINE: 86_400 } }), T0 + 1000);
  add('charter-invalid.jsonl', 'A proposal whose FLASH deadline is longer than its IMMEDIATE one (§5.1): the channel is not founded.', writeBundle({ channel: inverted.hash }, [us.card, cn.card], [inverted]), 'CHARTER_INVALID');

  const next = s.log.next(us.id);
  const lone = sealUnchecked({ channel: s.log.id, author: us.id, key: us.terminal.publicKey, seq: next.seq, prev: next.prev, heads: next.heads, time: s.time + 1000, kind: 'message', body: { text: 'Broken character: \ud800', lang: 'en', precedence: 'ROUTINE' } }, us.terminal);
  add('lone-surrogate.jsonl', 'A correctly signed message whose text holds a lone surrogate (written \\ud800).', bundle([...e, lone]), 'JSON_LONE_SURROGATE');
}

/** Version-2 link records (§6.2): a valid hour of link health, and each rule broken once. */
function linkRecordVectors(add: Add): void {
  const { us, cn } = parties();
  const make = (version: 1 | 2) => {
    const sc = new Scenario([us, cn]);
    sc.propose(makeCharter([us, cn], version === 2 ? { protocol: 2 } : {}));
    sc.acceptAll();
    sc.tick(3_600_000);
    return sc;
  };
  const q = (min: number, p50: number, p90: number, p99: number, max: number) => ({ min, p50, p90, p99, max });
  const hour = (sc: Scenario, peer: string) => ({ from: sc.time - 3_600_000, until: sc.time, peers: [{ peer, sent: 60, answered: 59, failures: 1, rttMs: q(38, 44, 61, 90, 90), offsetMs: q(-12, -3, 4, 9, 9), state: 'up' as const }] });
  const v2 = make(2);
  v2.write(us, 'link.summary', hour(v2, cn.id));
  v2.write(cn, 'link.summary', hour(v2, us.id));
  v2.write(us, 'link.state', { peer: cn.id, state: 'down', was: 'up', at: v2.time, reason: 'no signed echo for 180 s', rttMs: 44, offsetMs: -3 });
  v2.receipt(cn);
  add('valid-link-records-v2.jsonl', 'A version-2 channel: an hourly link.summary by each party, a link.state when US sees the line go down, a receipt (§6.2).', v2.bundle(), null);
  const bad = (file: string, description: string, version: 1 | 2, kind: 'link.summary' | 'link.state', body: (sc: Scenario) => object) => {
    const sc = make(version);
    const e = composeEntry(sc.log, us.terminal, us.id, kind, body(sc) as never, sc.tick());
    add(file, description, sc.bundle([...sc.entries, e]), 'LINK_RECORD_INVALID');
  };
  bad('link-summary-v1.jsonl', 'A link.summary on a version-1 channel: link records exist only in version 2.', 1, 'link.summary', (sc) => hour(sc, cn.id));
  bad('link-summary-own-peer.jsonl', 'A link.summary whose peer is its own author.', 2, 'link.summary', (sc) => hour(sc, us.id));
  bad('link-summary-overcount.jsonl', 'A link.summary with more tests answered and failed than sent.', 2, 'link.summary', (sc) => ({ ...hour(sc, cn.id), peers: [{ ...hour(sc, cn.id).peers[0]!, answered: 60 }] }));
  bad('link-summary-percentiles.jsonl', 'A link.summary whose round-trip p90 is below its p50.', 2, 'link.summary', (sc) => ({ ...hour(sc, cn.id), peers: [{ ...hour(sc, cn.id).peers[0]!, rttMs: q(38, 61, 44, 90, 90) }] }));
  bad('link-summary-future-window.jsonl', 'A link.summary whose window ends after the entry.', 2, 'link.summary', (sc) => ({ ...hour(sc, cn.id), until: sc.time + 60_000 }));
  bad('link-state-unchanged.jsonl', 'A link.state whose state and previous state are the same.', 2, 'link.state', (sc) => ({ peer: cn.id, state: 'up', was: 'up', at: sc.time, reason: 'still up' }));
}

// ---------------------------------------------------------------------------------------------
// Other vectors

function keyVectors() {
  const seeds: Array<{ label: string; seedHex: string }> = [
    // RFC 8032 §7.1 TEST 1: the public key must match the RFC.
    { label: 'RFC 8032 7.1 test 1', seedHex: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60' },
    { label: 'all zero', seedHex: '00'.repeat(32) },
    ...['US root', 'US terminal', 'CN root', 'CN terminal', 'RU root', 'RU terminal'].map((l) => ({ label: `testkit ${l}`, seedHex: sha256(`hotline test seed ${l}`).toString('hex') })),
  ];
  const message = Buffer.from('hotline vector', 'utf8');
  return seeds.map(({ label, seedHex }) => {
    const signer = KeySigner.fromSeed(toBase64Url(Buffer.from(seedHex, 'hex')));
    return {
      label,
      seedHex,
      seed: toBase64Url(Buffer.from(seedHex, 'hex')),
      publicKey: signer.publicKey,
      publicKeyHex: Buffer.from(signer.publicKey, 'base64url').toString('hex'),
      fingerprint: fingerprint(signer.publicKey),
      fingerprintDigestHex: sha256(Buffer.from(signer.publicKey, 'base64url')).toString('hex'),
      // A domain-separated signature: Ed25519(seed, "hotline/1/audit\0" || "hotline vector").
      auditSignature: { domain: DOMAIN.audit, messageUtf8: message.toString('utf8'), sig: signDomain(signer, DOMAIN.audit, message) },
    };
  });
}

function canonicalVectors() {
  // Inputs are JSON texts; "canonical" is their RFC 8785 form. Entries use integers only, but a
  // verifier's canonicaliser must still agree on the rest to judge non-canonical input.
  const inputs = [
    '{"b":2,"a":1}',
    '{ "z": [3, 2, 1], "a": { "d": true, "c": null } }',
    '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001,-0,1e21,1e-7]}',
    '{"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}',
    '{"literals":[null,true,false]}',
    '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    '{"text":"收到。我方船只将保持距离。","lang":"zh"}',
    '{"ctrl":"\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t"}',
    // §2.1's pitfalls of common JSON libraries: what RFC 8785 writes as itself (U+2028, U+2029 and
    // the HTML-sensitive characters, which Go escapes; DEL; characters beyond U+FFFF, which
    // ASCII-escaping libraries escape), no Unicode normalisation, ECMAScript number forms, and
    // member names of party ids sorted by code unit ('-' < digits < 'A'-'Z' < '_' < 'a'-'z').
    '{"sep":"\\u2028\\u2029","html":"\\u003c\\u003e\\u0026\\u0027\\/","del":"\\u007f","ship":"\\ud83d\\udea2"}',
    '{"nfc":"\\u00e9","nfd":"e\\u0301"}',
    '{"n":[130.0,5e-07,5.0E-7,0.0000015,2.50,-77.0088,-0.0,1e21]}',
    '{"a":1,"_":2,"Z":3,"9":4,"-":5}',
    '[]',
    '{}',
    '9007199254740991',
    '"a"',
  ];
  return inputs.map((input) => ({ input, canonical: canonicalize(JSON.parse(input)) }));
}

function entryVectors() {
  const { s } = bilateral();
  return s.entries.map((sealed) => {
    const { sig, ...unsigned } = sealed.entry;
    return {
      description: `${s.parties.find((p) => p.id === sealed.entry.author)!.code}#${sealed.entry.seq} ${sealed.entry.kind}`,
      unsignedCanonical: canonicalize(unsigned),
      hash: entryHash(sealed.entry),
      signingInputHex: Buffer.concat([Buffer.from(DOMAIN.entry, 'utf8'), Buffer.from(sealed.hash, 'hex')]).toString('hex'),
      key: sealed.entry.key,
      sig,
      raw: sealed.raw,
    };
  });
}

function identityVectors() {
  const { us } = parties();
  const cert = us.card.terminals[0]!;
  const { sig: _cs, ...certUnsigned } = cert;
  const { sig: _ks, ...cardUnsigned } = us.card;
  const revocation = issueRevocation(us.root, { key: us.terminal.publicKey, from: T0 + 86_400_000, reason: 'Terminal decommissioned.' });
  const { sig: _rs, ...revUnsigned } = revocation;
  const charter = makeCharter([us, parties().cn]);
  return {
    party: us.id,
    fingerprint: fingerprint(us.id),
    terminalCertificate: { value: cert, signingInputUtf8: `${DOMAIN.terminalCert}${canonicalize(certUnsigned)}` },
    partyCard: { value: us.card, signingInputUtf8: `${DOMAIN.partyCard}${canonicalize(cardUnsigned)}` },
    keyRevocation: { value: revocation, signingInputUtf8: `${DOMAIN.keyRevocation}${canonicalize(revUnsigned)}` },
    charter: { value: charter, hashInputUtf8: `${DOMAIN.charter}${canonicalize(charter)}`, hash: charterHash(charter) },
    channel: (() => {
      const p = proposeChannel(us.terminal, us.id, charter, T0);
      return { proposalRaw: p.raw, channelId: p.hash };
    })(),
  };
}

function linkVectors() {
  const cases = [
    { t1: 1000, t2: 1100, t3: 1105, t4: 1015 },
    { t1: T0, t2: T0 + 60, t3: T0 + 62, t4: T0 + 130 },
    { t1: T0, t2: T0 - 4000, t3: T0 - 3990, t4: T0 + 50 },
  ];
  return cases.map((c) => ({ ...c, ...linkMetrics(c.t1, c.t2, c.t3, c.t4) }));
}

/** Every vector file, by path relative to test/vectors/, with its exact content. */
export async function generateVectors(): Promise<Map<string, string | Buffer>> {
  const files = new Map<string, string | Buffer>();
  files.set('keys.json', json(keyVectors()));
  files.set('canonical.json', json(canonicalVectors()));
  files.set('entries.json', json(entryVectors()));
  files.set('identity.json', json(identityVectors()));
  files.set('link.json', json(linkVectors()));
  files.set('formats.json', json({ definitions: formatDefinitionVectors(), rendering: renderingVectors() }));
  const manifest: BundleVector[] = [];
  for (const b of bundleVectors()) {
    const bytes = typeof b.text === 'string' ? Buffer.from(b.text, 'utf8') : b.text;
    const report = verifyBundleBytes(bytes);
    const got = report.firstError?.code ?? null;
    if (report.valid !== (b.expect === null) || got !== b.expect)
      throw new Error(`vector ${b.file}: expected ${b.expect ?? 'valid'}, the verifier says ${got ?? 'valid'}${report.firstError ? `: ${report.firstError.message}` : ''}`);
    files.set(`bundles/${b.file}`, b.text);
    manifest.push({ file: b.file, description: b.description, valid: report.valid, firstError: got, state: report.state, charterHash: report.charterHash ?? null, errors: report.errors.map((x) => x.code), ...(report.valid && report.dialogue ? { dialogue: JSON.parse(reportJson(report)).dialogue as unknown } : {}) });
  }
  files.set('bundles/manifest.json', json({ v: 1, bundles: manifest }));
  for (const [path, text] of proofVectors()) files.set(path, text);
  for (const [path, text] of await periodVectors()) files.set(path, text);
  return files;
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '..', '..', 'test', 'vectors');
  for (const [path, text] of await generateVectors()) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  console.log(`wrote vectors to ${root}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
