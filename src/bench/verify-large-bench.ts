/**
 * `npm run bench -- --only verify-large` (#18): `hotline verify` on a generated bundle of
 * HOTLINE_BENCH_VERIFY_ENTRIES entries (default 5,000,000; 20,000 with --quick), streamed in
 * bounded memory: wall time, peak RSS and CPU use of the verifying process (from /usr/bin/time -v
 * when present), entries per second, and the ratio against raw Ed25519 verification measured in
 * the same run (all cores' worth: rate per core x cores).
 *
 * The bundle is the longevity bench's idle-channel pattern: a message, a link test, its echo and a
 * receipt, over and over, between two parties (generateLargeBundle).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { canonicalize, sealEntry, type Head, type SealedEntry } from '../protocol/index.js';
import { Scenario, makeParty, type TestParty } from '../testkit/scenario.js';
import { distPath } from '../terminal/index.js';
import { rawEd25519 } from './protocol-bench.js';
import { round, type BenchContext, type BenchModule } from './bench.js';

/** Writes a valid bundle of about `n` entries to `path`; resolves with the number written. */
export async function generateLargeBundle(path: string, n: number, log: (m: string) => void = () => {}): Promise<number> {
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const s = new Scenario([us, cn]);
  s.propose();
  s.acceptAll();
  const out = createWriteStream(path);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(`${canonicalize({ type: 'hotline.bundle', v: 1, channel: s.log.id })}\n`);
  for (const p of s.parties) await write(`${canonicalize(p.card)}\n`);
  for (const e of s.entries) await write(`${e.raw}\n`);
  const heads: Record<string, Head> = {};
  for (const p of s.parties) heads[p.id] = s.log.head(p.id)!;
  let time = s.time;
  let k = 0;
  let batch: string[] = [];
  const entry = (by: TestParty, other: TestParty, kind: string, body: object): SealedEntry => {
    const mine = heads[by.id]!;
    const x = sealEntry({ channel: s.log.id, author: by.id, key: by.terminal.publicKey, seq: mine.seq + 1, prev: mine.hash, heads: { [other.id]: heads[other.id]! }, time: (k++ & 1023) === 0 ? ++time : time, kind, body } as never, by.terminal);
    heads[by.id] = { seq: x.entry.seq, hash: x.hash };
    batch.push(x.raw);
    return x;
  };
  let total = s.entries.length;
  for (let i = 0; total < n; i++) {
    entry(us, cn, 'message', { text: `Synthetic report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    const test = entry(us, cn, 'link.test', { nonce: i.toString(16).padStart(16, '0'), t1: time });
    entry(cn, us, 'link.echo', { test: test.hash, t1: time, t2: time + 2, t3: time + 3 });
    entry(cn, us, 'receipt', { holds: [{ author: us.id, ...heads[us.id]! }] });
    total += 4;
    if (batch.length >= 4096) {
      await write(`${batch.join('\n')}\n`);
      batch = [];
      if (i % 100_000 === 0) log(`verify-large: ${total} of ${n} entries generated`);
    }
  }
  if (batch.length) await write(`${batch.join('\n')}\n`);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return total;
}

/** Figures of /usr/bin/time -v. */
function timeFigures(stderr: string): { maxRssMB?: number; cpuPercent?: number } {
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const cpu = /Percent of CPU this job got: (\d+)%/.exec(stderr);
  return { ...(rss ? { maxRssMB: Math.round(Number(rss[1]) / 1024) } : {}), ...(cpu ? { cpuPercent: Number(cpu[1]) } : {}) };
}

async function run(ctx: BenchContext): Promise<unknown> {
  const n = Number(process.env.HOTLINE_BENCH_VERIFY_ENTRIES ?? (ctx.quick ? 20_000 : 5_000_000));
  const dir = mkdtempSync(join(tmpdir(), 'hotline-verify-large-'));
  try {
    const path = join(dir, 'bundle.jsonl');
    const g0 = performance.now();
    const entries = await generateLargeBundle(path, n, ctx.log);
    const generateS = (performance.now() - g0) / 1000;
    const bytes = statSync(path).size;
    ctx.log(`verify-large: ${entries} entries, ${Math.round(bytes / 2 ** 20)} MiB; verifying`);
    const cli = distPath('cli', 'main.js');
    const args = [cli, 'verify', path, '--json'];
    const timed = existsSync('/usr/bin/time');
    const t0 = performance.now();
    // Streamed whatever its size, so that --quick runs the same path.
    const r = spawnSync(timed ? '/usr/bin/time' : process.execPath, timed ? ['-v', process.execPath, ...args] : args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, HOTLINE_VERIFY_STREAM_BYTES: '1', HOTLINE_NO_PROGRESS: '1' } });
    const wallS = (performance.now() - t0) / 1000;
    const report = JSON.parse(r.stdout) as { valid: boolean; integrity: { verified: number }; messagesNotListed?: number };
    if (!report.valid) throw new Error(`the generated bundle did not verify: ${r.stderr.slice(-500)}`);
    const cores = availableParallelism();
    const rawPerCore = rawEd25519().verifyRate(ctx.quick ? 100 : 500, 3);
    const perSec = entries / wallS;
    return {
      entries,
      bundleMB: Math.round(bytes / 2 ** 20),
      generateS: round.seconds(generateS),
      wallS: round.seconds(wallS),
      entriesPerSec: round.rate(perSec),
      ...timeFigures(r.stderr),
      cores,
      rawVerifyPerSecPerCore: round.rate(rawPerCore),
      /** Verification time per entry in raw Ed25519 verifications on all cores (1.0 = as fast as signatures alone). */
      perEntryInRawVerifications: round.ratio((rawPerCore * cores) / perSec),
      verified: report.integrity.verified,
      messagesNotListed: report.messagesNotListed ?? 0,
      window: Number(process.env.HOTLINE_VERIFY_WINDOW ?? 16_384),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const verifyLargeBench: BenchModule = {
  name: 'verify-large',
  description: 'hotline verify on a generated bundle of millions of entries, streamed: wall time, peak RSS, CPU, against raw Ed25519',
  run,
};
