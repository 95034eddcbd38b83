/**
 * Streaming verification (src/cli/verify-stream.ts) against the in-memory verifier: the same
 * report for every bundle that streams, the same verdict and an error the in-memory verifier also
 * reports for tampered ones, with a memory window of one entry per author so that older facts are
 * read back from the file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { reportJson, verifyBundleBytes, type SealedEntry, type VerificationReport } from '../../src/protocol/index.js';
import { verifyBundleStream } from '../../src/cli/verify-stream.js';
import { bilateralScenario } from '../../src/testkit/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-vstream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function both(text: string | Buffer, window = 1, messageLimit = 1e9): Promise<{ memory: VerificationReport; stream?: VerificationReport; coldReads: number }> {
  const path = join(dir, `b${n++}.jsonl`);
  writeFileSync(path, text);
  const bytes = readFileSync(path);
  const memory = verifyBundleBytes(bytes);
  const r = await verifyBundleStream(path, { workers: 0, window, chunkBytes: 97, messageLimit });
  return r.unstreamable !== undefined ? { memory, coldReads: 0 } : { memory, stream: r.report, coldReads: r.coldReads };
}

/** The streamed report is the in-memory one when valid; when not, the verdict and an error code agree. */
function expectAgree(memory: VerificationReport, stream: VerificationReport | undefined): void {
  if (!stream) return; // verified in memory by the CLI instead
  expect(stream.valid).toBe(memory.valid);
  if (memory.valid) expect(reportJson(stream)).toBe(reportJson(memory));
  else expect(memory.errors.map((e) => e.code)).toContain(stream.firstError!.code);
}

describe('hotline verify as a stream', () => {
  it('agrees with the in-memory verifier on every bundle vector', async () => {
    const vectors = join(import.meta.dirname, '../vectors/bundles');
    let streamed = 0;
    for (const f of readdirSync(vectors).filter((x) => x.endsWith('.jsonl'))) {
      const { memory, stream } = await both(readFileSync(join(vectors, f)));
      if (stream) streamed++;
      try {
        expectAgree(memory, stream);
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`);
      }
    }
    expect(streamed).toBeGreaterThan(20);
  });

  it('gives the in-memory report of a long channel while holding one entry per author, reading older facts from the file', async () => {
    const s = bilateralScenario(60);
    const first = s.entries.find((x) => x.entry.kind === 'message')!;
    s.ack(s.parties[1]!, first);
    const { memory, stream, coldReads } = await both(s.bundle());
    expect(memory.valid).toBe(true);
    expect(stream).toBeDefined();
    expect(reportJson(stream!)).toBe(reportJson(memory));
    expect(coldReads).toBeGreaterThan(0);
  });

  it('lists the first messages only when there are more than the limit, and counts the others', async () => {
    const s = bilateralScenario(12);
    const { memory, stream } = await both(s.bundle(), 4, 5);
    expect(stream!.messages).toEqual(memory.messages.slice(0, 5));
    expect(stream!.messagesNotListed).toBe(7);
  });

  it('leaves an entry whose seq was altered to the in-memory verifier, which reports the gap (§8.2), not its signature', async () => {
    const s = bilateralScenario(8);
    const lines = s.bundle().split('\n');
    // A party's third entry claims to be its fifth: its author's log now has a gap at 3, and the
    // moved entry's signature no longer verifies, but §8.2 stalls the author at the gap first.
    const i = lines.findIndex((l) => /"seq":3,/.test(l) && l.includes(`"author":"${s.parties[1]!.id}"`));
    expect(i).toBeGreaterThan(0);
    lines[i] = lines[i]!.replace('"seq":3,', '"seq":5,');
    const { memory, stream } = await both(lines.join('\n'));
    expect(memory.valid).toBe(false);
    expect(memory.errors.map((e) => e.code)).not.toContain('ENTRY_BAD_SIGNATURE');
    expectAgree(memory, stream);
  });

  it('never disagrees with the in-memory verdict on a tampered bundle (property)', async () => {
    const s = bilateralScenario(8);
    const entries: readonly SealedEntry[] = s.entries;
    const cards = s.parties.length;
    const text = s.bundle();
    const lines = text.split('\n');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1 + cards, max: cards + entries.length }), fc.nat(), fc.integer({ min: 32, max: 126 }), fc.integer({ min: 1, max: 4 }), async (lineIndex, at, code, window) => {
        const line = lines[lineIndex]!;
        const i = at % line.length;
        const changed = [...lines];
        changed[lineIndex] = line.slice(0, i) + String.fromCharCode(code) + line.slice(i + 1);
        const { memory, stream } = await both(changed.join('\n'), window);
        expectAgree(memory, stream);
      }),
      { numRuns: 150 },
    );
  });
});
