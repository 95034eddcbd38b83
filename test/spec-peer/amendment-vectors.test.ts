/**
 * The clean-room peer's reading of §5.3 (test/spec-peer/peer.ts, from docs/protocol.md alone)
 * against the reference's amendment vectors (test/vectors/bundles, made by src/scripts/make-vectors.ts):
 * the same charter in force (the manifest's charterHash), and the same refusal of an amendment to a
 * charter the channel already had.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { charterHash, charterState, judgeInContext, parseEntry, type Held } from './peer.js';

const BUNDLES = join(import.meta.dirname, '../vectors/bundles');
const manifest = JSON.parse(readFileSync(join(BUNDLES, 'manifest.json'), 'utf8')) as { bundles: Array<{ file: string; valid: boolean; firstError: string | null; charterHash: string; state: string }> };

/** The entries of a bundle (lines that start `{"author":`), parsed by the peer. */
function entriesOf(file: string): Held[] {
  return readFileSync(join(BUNDLES, file), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"author":'))
    .map((l) => parseEntry(l).held!);
}

describe('§5.3 amendments: the clean-room peer and the vectors agree', () => {
  for (const file of ['concurrent-amendments.jsonl', 'amendment-clock-behind.jsonl', 'concurrent-same-amendment.jsonl', 'suspension-lapses-on-removal.jsonl']) {
    it(`${file}: the same charter in force and state`, () => {
      const held = entriesOf(file);
      const proposal = held.find((h) => h.entry.kind === 'charter.propose')!;
      const v = charterState(proposal, held.filter((h) => h !== proposal), Math.max(...held.map((h) => h.entry.time)));
      const expected = manifest.bundles.find((b) => b.file === file)!;
      expect(expected).toMatchObject({ valid: true });
      expect(charterHash(v.charter)).toBe(expected.charterHash);
      expect(v.state).toBe(expected.state);
    });
  }

  for (const [file, kind, code, what] of [
    ['suspend-by-party-being-added.jsonl', 'channel.suspend', 'ENTRY_KIND_NOT_ALLOWED', 'a party only a pending amendment names may not suspend (§5.4)'],
    ['amendment-repeats-proposal.jsonl', 'charter.amend', 'CHARTER_INVALID', "the amendment to the proposal's charter is CHARTER_INVALID"],
  ] as const) {
    it(`${file}: ${what}`, () => {
      const held = entriesOf(file);
      const proposal = held.find((h) => h.entry.kind === 'charter.propose')!;
      const last = held.at(-1)!;
      expect(last.entry.kind).toBe(kind);
      expect(judgeInContext(proposal, held.filter((h) => h !== proposal && h !== last), last.entry, new Map())).toBe(code);
      expect(manifest.bundles.find((b) => b.file === file)).toMatchObject({ valid: false, firstError: code });
    });
  }
});
