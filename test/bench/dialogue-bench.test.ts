/** The dialogue benchmark's channel (src/bench/dialogue-bench.ts): built as the log accepts it, and derived quickly. */
import { describe, expect, it } from 'vitest';
import { buildDialogue } from '../../src/bench/dialogue-bench.js';
import { deriveDialogue } from '../../src/protocol/index.js';

describe('dialogue benchmark channel', () => {
  it('holds the number of dialogue entries asked for, every kind, and derives a full state', () => {
    const { entries, parties, at } = buildDialogue(400);
    expect(entries).toHaveLength(400);
    expect(new Set(entries.map((e) => e.kind)).size).toBe(12);
    const d = deriveDialogue(entries, parties, at);
    expect(d.texts.every((t) => t.adopted?.n === 2 || t.versions.length < 2 || t.versions[1]!.endorsedBy.length < 2)).toBe(true);
    expect(d.issues.length).toBeGreaterThan(10);
  });
});
