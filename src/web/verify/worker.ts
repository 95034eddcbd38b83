/**
 * The verifier worker: the console's own check of a transcript bundle (`hotline export`) or a
 * proof of one message (`hotline prove`), with the SAME pure code the CLI runs (src/protocol),
 * in a Web Worker so that a large bundle never blocks the page. The browser's Buffer and crypto
 * come from install-globals.ts and the vite aliases of node:buffer and node:crypto (node-*.ts).
 * Nothing is trusted from the terminal: the console only hands over the file's bytes.
 */
import './install-globals.js';
import {
  fingerprint,
  formatProofReport,
  formatReport,
  isProofText,
  verifyBundleBytes,
  verifyProofText,
} from '../../protocol/index.js';
import type { VerifyRequest, VerifyResult } from '../verify-types.js';

/** A proof is one JSON object of type hotline.proof, in any spacing (as the CLI's verify command decides). */
function asProof(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return isProofText(text) ? text : undefined;
}

export function verifyFile(bytes: Uint8Array): Exclude<VerifyResult, { kind: 'failed' }> {
  const proof = asProof(bytes);
  if (proof !== undefined) {
    const verdict = verifyProofText(proof);
    const text = formatProofReport(verdict);
    // An Error does not survive postMessage with its code: send plain data.
    if (!verdict.valid)
      return {
        kind: 'proof',
        verdict: { valid: false, error: { code: verdict.error.code, message: verdict.error.message } },
        fingerprints: {},
        text,
      };
    const fingerprints = Object.fromEntries(
      verdict.facts.parties.map((p) => [p.party, fingerprint(p.party)]),
    );
    return { kind: 'proof', verdict, fingerprints, text };
  }
  const report = verifyBundleBytes(bytes);
  return { kind: 'bundle', report, text: formatReport(report) };
}

const scope = globalThis as unknown as {
  onmessage: ((e: { data: VerifyRequest }) => void) | null;
  postMessage(m: VerifyResult): void;
};
if (typeof scope.postMessage === 'function' && !('document' in globalThis))
  scope.onmessage = (e) => {
    const started = performance.now();
    try {
      scope.postMessage({
        ...verifyFile(new Uint8Array(e.data.bytes)),
        ms: Math.round(performance.now() - started),
      });
    } catch (error) {
      scope.postMessage({ kind: 'failed', message: (error as Error).message });
    }
  };
