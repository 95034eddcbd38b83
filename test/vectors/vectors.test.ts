/**
 * The committed protocol test vectors (docs/protocol.md): a tiny loader that re-checks every vector
 * from first principles, and a guard that the files equal what src/scripts/make-vectors.ts makes
 * now, so that a protocol change that breaks compatibility fails here. Regenerate with
 * `npm run vectors` only when the change is intended, and say so in the commit.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOMAIN, KeySigner, canonicalize, fingerprint, linkMetrics, parseEntry, renderMessage, reportJson, sha256, shippedFormats, verifyBundleBytes, verifyDomain, verifyEntrySignature, verifyProofText } from '../../src/protocol/index.js';
import { generateVectors, type BundleVector } from '../../src/scripts/make-vectors.js';

const dir = dirname(fileURLToPath(import.meta.url));
const read = (path: string) => readFileSync(join(dir, path), 'utf8');
const readBytes = (path: string) => readFileSync(join(dir, path));
const load = <T>(path: string) => JSON.parse(read(path)) as T;

describe('key vectors', () => {
  for (const v of load<Array<{ label: string; seed: string; seedHex: string; publicKey: string; publicKeyHex: string; fingerprint: string; fingerprintDigestHex: string; auditSignature: { domain: string; messageUtf8: string; sig: string } }>>('keys.json'))
    it(v.label, () => {
      expect(Buffer.from(v.seed, 'base64url').toString('hex')).toBe(v.seedHex);
      const signer = KeySigner.fromSeed(v.seed);
      expect(signer.publicKey).toBe(v.publicKey);
      expect(Buffer.from(v.publicKey, 'base64url').toString('hex')).toBe(v.publicKeyHex);
      expect(sha256(Buffer.from(v.publicKeyHex, 'hex')).toString('hex')).toBe(v.fingerprintDigestHex);
      expect(fingerprint(v.publicKey)).toBe(v.fingerprint);
      expect(v.auditSignature.domain).toBe(DOMAIN.audit);
      expect(verifyDomain(v.publicKey, DOMAIN.audit, Buffer.from(v.auditSignature.messageUtf8, 'utf8'), v.auditSignature.sig)).toBe(true);
      expect(verifyDomain(v.publicKey, DOMAIN.entry, Buffer.from(v.auditSignature.messageUtf8, 'utf8'), v.auditSignature.sig)).toBe(false);
    });
});

describe('canonicalisation vectors', () => {
  for (const v of load<Array<{ input: string; canonical: string }>>('canonical.json'))
    it(v.input, () => {
      expect(canonicalize(JSON.parse(v.input))).toBe(v.canonical);
    });
});

describe('entry vectors', () => {
  for (const v of load<Array<{ description: string; unsignedCanonical: string; hash: string; signingInputHex: string; key: string; sig: string; raw: string }>>('entries.json'))
    it(v.description, () => {
      expect(sha256(v.unsignedCanonical).toString('hex')).toBe(v.hash);
      expect(v.signingInputHex).toBe(Buffer.concat([Buffer.from('hotline/1/entry\0', 'utf8'), Buffer.from(v.hash, 'hex')]).toString('hex'));
      const parsed = parseEntry(v.raw);
      if (!parsed.ok) throw new Error(parsed.error.message);
      expect(parsed.sealed.hash).toBe(v.hash);
      expect(parsed.sealed.entry.sig).toBe(v.sig);
      expect(verifyEntrySignature(parsed.sealed)).toBe(true);
      expect(verifyDomain(v.key, DOMAIN.entry, Buffer.from(v.hash, 'hex'), v.sig)).toBe(true);
    });
});

describe('identity vectors', () => {
  interface Signed { value: { sig: string; party: string }; signingInputUtf8: string }
  const v = load<{ party: string; fingerprint: string; terminalCertificate: Signed; partyCard: Signed; keyRevocation: Signed; charter: { value: unknown; hashInputUtf8: string; hash: string }; channel: { proposalRaw: string; channelId: string } }>('identity.json');
  it('certificate, card and revocation signatures verify over their documented inputs', () => {
    for (const s of [v.terminalCertificate, v.partyCard, v.keyRevocation]) {
      const { sig, ...unsigned } = s.value;
      const prefix = s.signingInputUtf8.slice(0, s.signingInputUtf8.indexOf('\0') + 1);
      expect(s.signingInputUtf8).toBe(`${prefix}${canonicalize(unsigned)}`);
      expect(verifyDomain(v.party, prefix as never, Buffer.from(canonicalize(unsigned), 'utf8'), sig)).toBe(true);
    }
    expect(fingerprint(v.party)).toBe(v.fingerprint);
  });
  it('charter hash and channel id', () => {
    expect(v.charter.hashInputUtf8).toBe(`${DOMAIN.charter}${canonicalize(v.charter.value)}`);
    expect(sha256(v.charter.hashInputUtf8).toString('hex')).toBe(v.charter.hash);
    const p = parseEntry(v.channel.proposalRaw);
    expect(p.ok && p.sealed.hash).toBe(v.channel.channelId);
  });
});

describe('link test vectors', () => {
  for (const v of load<Array<{ t1: number; t2: number; t3: number; t4: number; rttMs: number; offsetMs: number }>>('link.json'))
    it(`${v.t1} ${v.t2} ${v.t3} ${v.t4}`, () => {
      expect(linkMetrics(v.t1, v.t2, v.t3, v.t4)).toEqual({ rttMs: v.rttMs, offsetMs: v.offsetMs });
    });
});

describe('bundle vectors', () => {
  const manifest = load<{ v: number; bundles: BundleVector[] }>('bundles/manifest.json');
  it('cover the required cases', () => {
    const codes = new Set(manifest.bundles.map((b) => b.firstError));
    for (const c of ['ENTRY_BAD_SIGNATURE', 'ENTRY_WRONG_PREVIOUS_HASH', 'ENTRY_SEQUENCE_GAP', 'ENTRY_EQUIVOCATION', 'ENTRY_KIND_NOT_ALLOWED', 'ENTRY_AUTHOR_NOT_PARTY', 'ENTRY_WRONG_CHANNEL', 'ENTRY_TOO_LARGE', 'ENTRY_NON_CANONICAL', 'ENTRY_UNKNOWN_KEY', 'ENTRY_KEY_REVOKED', 'ENTRY_KEY_EXPIRED', 'ENTRY_BAD_REFERENCE', 'ENTRY_MALFORMED', 'CHARTER_INVALID', 'CARD_INVALID', 'CARD_BAD_SIGNATURE', 'JSON_DUPLICATE_MEMBER', 'JSON_LONE_SURROGATE', 'BUNDLE_BAD_ENCODING', 'BUNDLE_MISSING_CARD', 'BUNDLE_MISSING_PROPOSAL', 'BUNDLE_MALFORMED_LINE', 'BUNDLE_TRUNCATED', 'BUNDLE_EMPTY', 'BUNDLE_NOT_A_BUNDLE', 'DIALOGUE_WRONG_PARTY', 'DIALOGUE_UNKNOWN_VERSION', 'DIALOGUE_MEETING_NOT_HELD', 'DIALOGUE_NOT_DONE', 'FORMAT_NOT_AGREED', 'FORMAT_FIELDS_INVALID', 'FORMAT_UNKNOWN', 'FORMAT_INVALID', 'LINK_RECORD_INVALID'])
      expect(codes).toContain(c);
    expect(manifest.bundles.filter((b) => b.valid).map((b) => b.file)).toEqual([
      'valid-bilateral.jsonl',
      'valid-trilateral.jsonl',
      'revoked-in-card.jsonl',
      'backdated-revocation.jsonl',
      'exported-after-expiry.jsonl',
      'valid-implicit-proposal.jsonl',
      'concurrent-amendments.jsonl',
      'amendment-clock-behind.jsonl',
      'concurrent-same-amendment.jsonl',
      'amendment-withdrawn-concurrently.jsonl',
      'suspension-lapses-on-removal.jsonl',
      'valid-link-records-v2.jsonl',
      'dialogue-valid.jsonl',
      'dialogue-report-rules.jsonl',
      'dialogue-decided-before-joining.jsonl',
      'formats-valid.jsonl',
    ]);
    // Every valid dialogue bundle gives its expected dialogue state.
    expect(manifest.bundles.filter((b) => b.dialogue !== undefined).map((b) => b.file)).toEqual(['dialogue-valid.jsonl', 'dialogue-report-rules.jsonl', 'dialogue-decided-before-joining.jsonl']);
  });
  for (const b of manifest.bundles)
    it(`${b.file}: ${b.valid ? 'valid' : b.firstError}`, () => {
      const report = verifyBundleBytes(readBytes(join('bundles', b.file)));
      expect(report.valid).toBe(b.valid);
      expect(report.firstError?.code ?? null).toBe(b.firstError);
      expect(report.state).toBe(b.state);
      expect(report.charterHash ?? null).toBe(b.charterHash);
      expect(report.errors.map((e) => e.code)).toEqual(b.errors);
      // The report's dialogue member, as canonical JSON prints it (§8.3).
      if (b.dialogue !== undefined) expect(JSON.parse(reportJson(report)).dialogue).toEqual(b.dialogue);
    });
});

describe('period bundle vectors (docs/protocol.md §15)', () => {
  const manifest = load<{ v: number; periods: Array<{ file: string; valid: boolean; firstError: string | null; errors: string[] }> }>('periods/manifest.json');
  it('cover a valid period and each way of breaking its anchor', () => {
    expect(new Set(manifest.periods.map((p) => p.firstError))).toEqual(new Set([null, 'CHECKPOINT_MISMATCH', 'BUNDLE_ANCHOR_NOT_COUNTERSIGNED', 'BUNDLE_ANCHOR_MISSING', 'ENTRY_BAD_REFERENCE', 'ENTRY_BAD_SIGNATURE', 'ENTRY_UNKNOWN_KEY']));
  });
  for (const p of manifest.periods)
    it(`${p.file}: ${p.valid ? 'valid' : p.firstError}`, () => {
      const report = verifyBundleBytes(readBytes(join('periods', p.file)));
      expect(report.valid).toBe(p.valid);
      expect(report.firstError?.code ?? null).toBe(p.firstError);
      expect(report.errors.map((e) => e.code)).toEqual(p.errors);
      if (p.valid) expect(report.period?.countersigned.map((c) => c.party)).toEqual(['CN']);
      // The forgery is set aside: the signed suspension is the one in the history.
      if (p.file === 'forged-before-anchor.jsonl' || p.file === 'foreign-key-before-anchor.jsonl') expect(report.history.filter((h) => h.kind === 'channel.suspend').map((h) => h.reason)).toEqual(['consultations']);
      // A copy signed with someone else's key frames nobody (§4.2, §15.3 step 2).
      if (p.file === 'foreign-key-before-anchor.jsonl') expect(report.equivocations).toEqual([]);
    });
});

describe('committed vectors', () => {
  it('equal what src/scripts/make-vectors.ts generates now (run `npm run vectors` after an intended change)', async () => {
    for (const [path, content] of await generateVectors()) {
      if (typeof content === 'string') expect(read(path), path).toBe(content);
      else expect(readBytes(path).equals(content), path).toBe(true);
    }
  });
});

describe('format vectors (docs/protocol.md §13)', () => {
  const v = load<{ definitions: Array<{ id: string; version: number; hashInputPrefixUtf8: string; canonical: string; hash: string }>; rendering: { format: { hash: string }; fields: Record<string, unknown>; renderings: Record<string, string> } }>('formats.json');
  it('each definition hashes to its published hash, and is the shipped one', () => {
    for (const d of v.definitions) {
      expect(sha256(d.hashInputPrefixUtf8, d.canonical).toString('hex')).toBe(d.hash);
      expect(canonicalize(JSON.parse(d.canonical))).toBe(d.canonical);
      expect(shippedFormats().get(d.hash)?.id).toBe(d.id);
    }
  });
  it('the launch fields render as published in every language', () => {
    const def = shippedFormats().get(v.rendering.format.hash)!;
    for (const [lang, text] of Object.entries(v.rendering.renderings)) expect(renderMessage(def, v.rendering.fields, lang).text).toBe(text);
  });
});

describe('proof vectors (§14.6)', () => {
  const manifest = load<{ proofs: Array<{ file: string; valid: boolean; firstError: string | null }> }>('proofs/manifest.json');
  for (const p of manifest.proofs)
    it(p.file, () => {
      const verdict = verifyProofText(read(`proofs/${p.file}`));
      expect(verdict.valid ? null : verdict.error.code).toBe(p.firstError);
    });
  it('version-2 entries: body hash, header hash and signature from first principles', () => {
    for (const v of load<Array<{ bodyCanonical: string; bodyHash: string; headerCanonical: string; hash: string; signingInputHex: string; raw: string }>>('proofs/entries-v2.json')) {
      expect(sha256('hotline/2/body\0', v.bodyCanonical).toString('hex')).toBe(v.bodyHash);
      expect(sha256('hotline/2/entry-hash\0', v.headerCanonical).toString('hex')).toBe(v.hash);
      const parsed = parseEntry(v.raw);
      if (!parsed.ok) throw new Error(parsed.error.message);
      expect(parsed.sealed.hash).toBe(v.hash);
      const entry = parsed.sealed.entry;
      expect(verifyDomain(entry.key, DOMAIN.entry2, Buffer.from(v.signingInputHex, 'hex').subarray(16), entry.sig)).toBe(true);
    }
  });
});
