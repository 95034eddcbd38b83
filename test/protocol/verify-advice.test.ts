/**
 * What the report advises for an entry that cannot be placed (ENTRY_SEQUENCE_GAP,
 * ENTRY_UNKNOWN_DEPENDENCY): to fetch the missing entries when they are simply not in the bundle,
 * but never when the cause is an entry of the bundle that did not verify (altered, forged): then
 * it names that entry and its error. The codes and their order are unchanged (docs/protocol.md §8.2).
 */
import { describe, expect, it } from 'vitest';
import { formatReport, verifyBundle } from '../../src/protocol/index.js';
import { bilateralScenario } from '../../src/testkit/scenario.js';

describe('advice for entries that depend on others', () => {
  const s = bilateralScenario(3);
  const lines = s.bundle().split('\n');
  // Line 5: US#2, the FLASH message; line 6: CN#2, CN's receipt naming it.
  expect(lines[5]).toContain('Vessel in distress');

  it('a tampered entry: the entries depending on it name it, and do not say to fetch', () => {
    const tampered = [...lines];
    tampered[5] = tampered[5]!.replace('Vessel in distress', 'Vessel in DISTRESS');
    const r = verifyBundle(tampered.join('\n'));
    expect(r.errors.map((e) => e.code)).toEqual(['ENTRY_BAD_SIGNATURE', 'ENTRY_UNKNOWN_DEPENDENCY']);
    const dependent = r.errors[1]!;
    expect(dependent.message).not.toMatch(/fetch the missing/i);
    expect(dependent.message).toMatch(/Nothing is missing to fetch: this entry depends on entry [\w-]{8}#2, which is in the bundle but did not verify \(ENTRY_BAD_SIGNATURE, line 6\)/);
    expect(formatReport(r)).not.toMatch(/Fetch the missing entries/);
  });

  it('an entry simply absent: still the advice to fetch it', () => {
    const r = verifyBundle(lines.filter((_, i) => i !== 5).join('\n'));
    const codes = r.errors.map((e) => e.code);
    expect(codes).toContain('ENTRY_SEQUENCE_GAP');
    expect(codes).toContain('ENTRY_UNKNOWN_DEPENDENCY');
    for (const e of r.errors) {
      if (e.code === 'ENTRY_SEQUENCE_GAP') expect(e.message).toMatch(/are missing\. Request the missing entries from the peer\.$/);
      if (e.code === 'ENTRY_UNKNOWN_DEPENDENCY') expect(e.message).toMatch(/which is not held yet\. Fetch the missing entries first\.$/);
    }
  });
});
