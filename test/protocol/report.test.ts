/** The verification report (docs/protocol.md §8.2): deterministic, complete, readable. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReport, reportJson, verifyBundle } from '../../src/protocol/index.js';
import { bilateralScenario } from '../../src/testkit/scenario.js';

describe('verification report', () => {
  const s = bilateralScenario(3);
  const text = s.bundle();

  it('is byte-identical for the same bundle, run after run', () => {
    expect(reportJson(verifyBundle(text))).toBe(reportJson(verifyBundle(text)));
    expect(formatReport(verifyBundle(text))).toBe(formatReport(verifyBundle(text)));
  });

  it('does not depend on the order of the party cards', () => {
    const lines = text.split('\n');
    const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n');
    expect(reportJson(verifyBundle(swapped))).toBe(reportJson(verifyBundle(text)));
  });

  it('says who sent what, who received it and who acknowledged it', () => {
    const r = verifyBundle(text);
    expect(r).toMatchObject({ valid: true, state: 'active', firstError: null, integrity: { entries: s.entries.length, verified: s.entries.length, chains: 'intact', signatures: 'valid' } });
    expect(r.parties.map((p) => p.code)).toEqual(['US', 'CN']);
    const flash = r.messages[0]!;
    expect(flash).toMatchObject({ author: 'US', precedence: 'FLASH', receivedBy: [{ party: 'CN' }], acks: [{ party: 'CN' }] });
    expect(r.history.map((h) => h.state)).toEqual(['proposed', 'active']);
  });

  it('prints the verdict and the first error in plain text', () => {
    const broken = verifyBundle(text.slice(0, -20));
    expect(formatReport(broken)).toContain('Verdict: INVALID (first error: BUNDLE_TRUNCATED)');
    expect(formatReport(verifyBundle(text))).toMatch(/^Hotline verification report\nVerdict: VALID\n/);
  });

  it('says which agreed format each formatted message follows, and that its fields were checked', () => {
    const formatted = formatReport(verifyBundle(readFileSync(new URL('../vectors/bundles/formats-valid.jsonl', import.meta.url), 'utf8')));
    expect(formatted).toContain('formatted messages 2: each checked against the definition the charter agreed');
    expect(formatted).toMatch(/US#2 IMMEDIATE \[en\]: Launch notification\n {6}format: launch-notification v1 \(definition [0-9a-f]{16}\)\n/);
    expect(formatReport(verifyBundle(text))).not.toContain('format');
  });

  it('never throws on arbitrary input', () => {
    for (const junk of ['', '\n', 'x', '{}', '[1,2]\n', '{"type":"hotline.bundle","v":1,"channel":"00"}\n', `{"type":"hotline.bundle","v":1,"channel":"${'0'.repeat(64)}"}\n{"author":1}\n`])
      expect(verifyBundle(junk).valid).toBe(false);
  });
});

describe('identical duplicates', () => {
  it('collapse, the proposal included', () => {
    const s = bilateralScenario(1);
    const lines = s.bundle().split('\n');
    const doubled = [...lines.slice(0, -1), lines[3], lines[5], ''].join('\n');
    const r = verifyBundle(doubled);
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });
});
