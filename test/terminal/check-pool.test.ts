/**
 * The worker pool that checks received entries: the built pool (worker threads need the compiled
 * worker script in dist/) gives exactly what the protocol's precheckLines gives on this thread,
 * line for line, for good entries, forgeries and junk; and a terminal receiving through it
 * refuses a forgery just as without it.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precheckLines, type LinePrecheck } from '../../src/protocol/index.js';
import { bilateralScenario } from '../../src/testkit/scenario.js';
import { ensureBuilt } from '../e2e/harness.js';
import { backToBack, type BackToBack } from './back-to-back.js';

interface Pool {
  check(raws: readonly string[]): Promise<LinePrecheck[]>;
  close(): Promise<void>;
  readonly workers: number;
}

let CheckPool: new (options: { workers?: number; onFallback?: (e: unknown) => void; minBatch?: number }) => Pool;

beforeAll(async () => {
  await ensureBuilt();
  // The built module: its workers run dist/terminal/channels/check-worker.js.
  const url = new URL('../../dist/terminal/channels/check-pool.js', import.meta.url).href;
  ({ CheckPool } = (await import(url)) as { CheckPool: typeof CheckPool });
}, 240_000);

/** Entry lines of a bilateral transcript, with forgeries and junk mixed in. */
function mixedLines(): string[] {
  const lines = bilateralScenario(40)
    .bundle()
    .split('\n')
    .filter((l) => l.startsWith('{"author"'));
  const forged = lines[5]!.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`);
  const altered = lines[7]!.replace('"seq":', '"seq": ');
  return [...lines.slice(0, 10), forged, altered, 'not json', '{"author":1}', ...lines.slice(10)];
}

describe('check pool', () => {
  const pools: Pool[] = [];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  it('answers each line exactly as precheckLines does on this thread, in order, whatever the batch size', async () => {
    // Batches from 4 entries go to the workers here (the terminal's default is POOL_MIN_BATCH).
    const pool = new CheckPool({ workers: 2, minBatch: 4 });
    pools.push(pool);
    expect(pool.workers).toBe(2);
    const lines = mixedLines();
    const expected = precheckLines(lines);
    expect(expected.filter((p) => p.signatureOk === false)).toHaveLength(1);
    expect(expected.filter((p) => p.error)).toHaveLength(2);
    expect(expected.filter((p) => !p.error && !p.hash)).toHaveLength(1); // not an entry line at all
    for (const size of [1, 3, 4, 17, lines.length]) {
      const got: LinePrecheck[] = [];
      for (let at = 0; at < lines.length; at += size) got.push(...(await pool.check(lines.slice(at, at + size))));
      expect(got.map((p) => [p.hash, p.signatureOk, p.error?.code])).toEqual(expected.map((p) => [p.hash, p.signatureOk, p.error?.code]));
    }
    // Concurrent batches are answered each with its own results.
    const [a, b] = await Promise.all([pool.check(lines.slice(0, 30)), pool.check(lines.slice(30))]);
    expect([...a, ...b].map((p) => p.hash)).toEqual(expected.map((p) => p.hash));
  });

  it('keeps the process alive while it has work, and not once idle (a script using it ends by itself)', () => {
    const url = new URL('../../dist/terminal/channels/check-pool.js', import.meta.url).href;
    const lines = JSON.stringify(mixedLines());
    const script = `const { CheckPool } = await import(${JSON.stringify(url)}); const pool = new CheckPool({ workers: 2, minBatch: 1 }); const r = await pool.check(${lines}); console.log('checked', r.length);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout.trim()).toBe(`checked ${mixedLines().length}`);
    expect(run.status).toBe(0); // not 13 (work abandoned) nor killed by the timeout (idle workers holding on)
  });

  it('after close, checks on the calling thread', async () => {
    const pool = new CheckPool({ workers: 1 });
    await pool.close();
    expect(pool.workers).toBe(0);
    const lines = mixedLines().slice(0, 12);
    expect((await pool.check(lines)).map((p) => p.signatureOk)).toEqual(precheckLines(lines).map((p) => p.signatureOk));
  });
});

describe('receiving with prechecks from the pool', () => {
  let pair: BackToBack | undefined;
  afterAll(async () => {
    await pair?.cleanup();
  });

  it('stores good entries and refuses a forged one with ENTRY_BAD_SIGNATURE, nothing of it stored', async () => {
    pair = await backToBack();
    const channel = await pair.activeChannel();
    pair.cut();
    for (let i = 0; i < 6; i++) await pair.a.send(channel, { text: `m${i}`, lang: 'en', precedence: 'ROUTINE' });
    const raws = (await pair.a.store.listEntries(channel, { author: pair.a.self.party })).map((r) => r.raw).filter((r) => r.includes('"kind":"message"'));
    expect(raws).toHaveLength(6);
    const forged = raws[3]!.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`);
    const pool = new CheckPool({ workers: 2, minBatch: 1 });
    try {
      const batch = [...raws.slice(0, 3), forged];
      const outcome = await pair.b.receive(batch, 'test', await pool.check(batch));
      expect(outcome.accepted).toBe(3);
      expect(outcome.rejected.map((r) => r.code)).toEqual(['ENTRY_BAD_SIGNATURE']);
      expect((await pair.b.store.listEntries(channel)).map((e) => e.hash)).not.toContain(outcome.rejected[0]!.hash);
      // Out of order: held (its signature was checked by the pool), then stored when its predecessor comes.
      const later = raws.slice(4);
      const held = await pair.b.receive(later, 'test', await pool.check(later));
      expect(held).toMatchObject({ accepted: 0, pending: 2 });
      const rest = await pair.b.receive([raws[3]!], 'test', await pool.check([raws[3]!]));
      expect(rest).toMatchObject({ accepted: 3, pending: 0 });
      expect(pair.b.channel(channel).head(pair.a.self.party)?.seq).toBe(pair.a.channel(channel).head(pair.a.self.party)?.seq);
    } finally {
      await pool.close();
    }
  });
});
