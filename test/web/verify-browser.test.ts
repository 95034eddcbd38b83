/**
 * The console's bundle verifier (#15 item 12) gives the CLI's verdict: src/protocol run with the
 * browser's Buffer and crypto ports (src/web/verify: the `buffer` package, @noble/hashes SHA-256,
 * @noble/curves Ed25519, as vite aliases them) against Node's own (dist/protocol, as `hotline
 * verify` runs it), on every committed bundle and proof vector, valid and tampered: the same
 * report, error for error, and the same text. Needs `npm run build` (dist/protocol).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BrowserBuffer } from '../../src/web/verify/browser-buffer.js';

vi.mock('node:crypto', () => import('../../src/web/verify/node-crypto.js'));
vi.mock('node:buffer', () => import('../../src/web/verify/node-buffer.js'));

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const vectors = join(root, 'test/vectors');
const files = [
  ...readdirSync(join(vectors, 'bundles'))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => join('bundles', f)),
  ...readdirSync(join(vectors, 'periods'))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => join('periods', f)),
  ...readdirSync(join(vectors, 'proofs'))
    .filter((f) => f.endsWith('.json') && f !== 'manifest.json' && f !== 'entries-v2.json')
    .map((f) => join('proofs', f)),
];

/** What Node's verifier (the CLI's) says of each file: the JSON report and the text report. */
function nodeVerdicts(): Record<string, { json: string; text: string }> {
  const script = `
    import { readFileSync } from 'node:fs';
    import { canonicalize, formatProofReport, formatReport, isProofText, reportJson, verifyBundleBytes, verifyProofText } from ${JSON.stringify(join(root, 'dist/protocol/index.js'))};
    const out = {};
    for (const f of ${JSON.stringify(files)}) {
      const bytes = readFileSync(${JSON.stringify(vectors)} + '/' + f);
      const text = bytes.toString('utf8');
      if (f.startsWith('proofs/') && isProofText(text)) {
        const verdict = verifyProofText(text);
        out[f] = { json: canonicalize(verdict.valid ? { valid: true, ...verdict.facts } : { valid: false, code: verdict.error.code, message: verdict.error.message }), text: formatProofReport(verdict) };
      } else {
        const report = verifyBundleBytes(bytes);
        out[f] = { json: reportJson(report), text: formatReport(report) };
      }
    }
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 64 << 20 }).toString(
      'utf8',
    ),
  ) as Record<string, { json: string; text: string }>;
}

describe('the browser verifier gives the CLI verdict on every vector', () => {
  let expected: Record<string, { json: string; text: string }>;
  let browser: typeof import('../../src/web/verify/worker.js');
  let protocol: typeof import('../../src/protocol/index.js');
  beforeAll(async () => {
    expected = nodeVerdicts();
    vi.stubGlobal('Buffer', BrowserBuffer);
    browser = await import('../../src/web/verify/worker.js');
    protocol = await import('../../src/protocol/index.js');
  }, 120_000);

  it('runs on the ports, not on Node', () => {
    expect(globalThis.Buffer).toBe(BrowserBuffer);
    expect('TYPED_ARRAY_SUPPORT' in BrowserBuffer).toBe(true); // the npm package's Buffer, not Node's
    expect(() => protocol.KeySigner.generate()).toThrow(/no private key/);
  });

  it('covers valid and tampered bundles and proofs', () => {
    const valid = Object.entries(expected)
      .filter(([, v]) => /"valid":true/.test(v.json))
      .map(([f]) => f);
    expect(valid.some((f) => f.startsWith('bundles/'))).toBe(true);
    expect(valid.some((f) => f.startsWith('proofs/'))).toBe(true);
    expect(files.length - valid.length).toBeGreaterThan(50);
  });

  for (const f of files)
    it(f, () => {
      const result = browser.verifyFile(new Uint8Array(readFileSync(join(vectors, f))));
      if (result.kind === 'proof') {
        const v = result.verdict;
        expect(
          protocol.canonicalize(
            v.valid
              ? { valid: true, ...v.facts }
              : { valid: false, code: v.error.code, message: v.error.message },
          ),
        ).toBe(expected[f]!.json);
      } else {
        expect(protocol.reportJson(result.report as Parameters<typeof protocol.reportJson>[0])).toBe(
          expected[f]!.json,
        );
      }
      expect(result.text).toBe(expected[f]!.text);
    });
});
