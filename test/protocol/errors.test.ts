/** The error registry (docs/protocol.md §9): documented, and worded for the person who has to act. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MISSING_ADVICE, PROTOCOL_ERRORS, composeEntry, formatError, type ProtocolErrorCode } from '../../src/protocol/index.js';
import { bilateralScenario } from '../../src/testkit/scenario.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const codes: readonly ProtocolErrorCode[] = PROTOCOL_ERRORS.codes;

/** Codes in the first column of the table in §9. */
function documentedCodes(): string[] {
  const start = doc.indexOf('\n## 9. Errors');
  const end = doc.indexOf('\n## 10.', start);
  expect(start).toBeGreaterThan(0);
  return [...doc.slice(start, end).matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => {
    expect(m[2]!.trim().length, `${m[1]} has a description`).toBeGreaterThan(10);
    return m[1]!;
  });
}

describe('error registry', () => {
  it('documents every code in docs/protocol.md §9, and nothing else', () => {
    expect(documentedCodes().sort()).toEqual([...codes].sort());
  });

  it('ends every message with what to do: at least two sentences, the last not a placeholder', () => {
    for (const code of codes) {
      if (code === 'ENTRY_KIND_NOT_ALLOWED') continue; // ends with {hint}; checked below with real hints
      // End with {advice}: to fetch what is missing, or (the verifier) why nothing is (test/protocol/verify-advice.test.ts).
      const advice = code === 'ENTRY_SEQUENCE_GAP' ? MISSING_ADVICE.gap : code === 'ENTRY_UNKNOWN_DEPENDENCY' ? MISSING_ADVICE.dependency : undefined;
      const text = formatError(code, advice ? { advice } : {});
      expect(text.trim(), code).toMatch(/[.!]$/);
      const sentences = text.split(/(?<=[.!])\s+(?=[A-Z])/);
      expect(sentences.length, `${code}: "${text}"`).toBeGreaterThanOrEqual(2);
    }
  });

  it('fills placeholders from details and leaves none behind', () => {
    for (const code of codes) expect(formatError(code, { author: 'A', seq: 1 }), code).not.toMatch(/\{\w+\}/);
  });

  it('gives a hint with every ENTRY_KIND_NOT_ALLOWED, in every state', () => {
    const s = bilateralScenario(1);
    const [us] = s.parties;
    const r = s.log.ingest(composeEntry(s.log, us!.terminal, us!.id, 'channel.resume', {}, s.tick()));
    expect(r.status).toBe('rejected');
    if (r.status === 'rejected') {
      expect(r.error.code).toBe('ENTRY_KIND_NOT_ALLOWED');
      expect(r.error.message).toMatch(/\. [A-Z].+\.$/);
    }
  });
});
