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

  it('suspend-by-party-being-added.jsonl: a party only a pending amendment names may not suspend (§5.4)', () => {
    const held = entriesOf('suspend-by-party-being-added.jsonl');
    const proposal = held.find((h) => h.entry.kind === 'charter.propose')!;
    const suspend = held.at(-1)!;
    expect(suspend.entry.kind).toBe('channel.suspend');
    expect(judgeInContext(proposal, held.filter((h) => h !== proposal && h !== suspend), suspend.entry, new Map())).toBe('ENTRY_KIND_NOT_ALLOWED');
    expect(manifest.bundles.find((b) => b.file === 'suspend-by-party-being-added.jsonl')).toMatchObject({ valid: false, firstError: 'ENTRY_KIND_NOT_ALLOWED' });
  });

  it('amendment-repeats-proposal.jsonl: the amendment to the proposal\'s charter is CHARTER_INVALID', () => {
    const held = entriesOf('amendment-repeats-proposal.jsonl');
    const proposal = held.find((h) => h.entry.kind === 'charter.propose')!;
    const amend = held.at(-1)!;
    expect(amend.entry.kind).toBe('charter.amend');
    expect(judgeInContext(proposal, held.filter((h) => h !== proposal && h !== amend), amend.entry, new Map())).toBe('CHARTER_INVALID');
    expect(manifest.bundles.find((b) => b.file === 'amendment-repeats-proposal.jsonl')).toMatchObject({ valid: false, firstError: 'CHARTER_INVALID' });
  });
});
