/**
 * Generates the committed protocol test vectors in test/vectors/ (docs/protocol.md, all sections).
 * Run with `npm run vectors`. Everything derives from fixed seeds and fixed times, and Ed25519
 * signatures are deterministic (RFC 8032), so the output is byte-for-byte stable: the test in
 * test/vectors/vectors.test.ts regenerates the vectors in memory and compares them with the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DOMAIN,
  KeySigner,
  canonicalize,
  charterHash,
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
  verifyBundle,
  writeBundle,
  type Entry,
  type PartyCard,
  type ProtocolErrorCode,
  type SealedEntry,
  type UnsignedEntry,
} from '../protocol/index.js';
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
  s.write(us, 'link.echo', { test: test.hash, t1: s.time, t2: s.time + 40, t3: s.time + 45 });
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

function bundleVectors(): Array<{ file: string; description: string; text: string; expect: ProtocolErrorCode | null }> {
  const { s, us, cn } = bilateral();
  const { xx } = parties();
  const e = s.entries;
  const header = { channel: s.log.id, exportedAt: s.time };
  const cards = [us.card, cn.card];
  const bundle = (entries: ReadonlyArray<SealedEntry | string>, c: readonly PartyCard[] = cards) => writeBundle(header, c, entries);
  const last = e[e.length - 1]!; // CN ack, seq 6
  const valid = bundle(e);
  const out: Array<{ file: string; description: string; text: string; expect: ProtocolErrorCode | null }> = [];
  const add = (file: string, description: string, text: string, expect: ProtocolErrorCode | null) => out.push({ file, description, text, expect });

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
  add('revoked-key.jsonl', "CN's card revokes its terminal key from the time of CN#5.", bundle(e, [us.card, cardWith(cn, { revokeFrom: cut })]), 'ENTRY_KEY_REVOKED');
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
  return out;
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
export function generateVectors(): Map<string, string> {
  const files = new Map<string, string>();
  files.set('keys.json', json(keyVectors()));
  files.set('canonical.json', json(canonicalVectors()));
  files.set('entries.json', json(entryVectors()));
  files.set('identity.json', json(identityVectors()));
  files.set('link.json', json(linkVectors()));
  const manifest: BundleVector[] = [];
  for (const b of bundleVectors()) {
    const report = verifyBundle(b.text);
    const got = report.firstError?.code ?? null;
    if (report.valid !== (b.expect === null) || got !== b.expect)
      throw new Error(`vector ${b.file}: expected ${b.expect ?? 'valid'}, the verifier says ${got ?? 'valid'}`);
    files.set(`bundles/${b.file}`, b.text);
    manifest.push({ file: b.file, description: b.description, valid: report.valid, firstError: got, state: report.state });
  }
  files.set('bundles/manifest.json', json({ v: 1, bundles: manifest }));
  return files;
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '..', '..', 'test', 'vectors');
  for (const [path, text] of generateVectors()) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  console.log(`wrote vectors to ${root}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
