/**
 * `hotline verify` as a user runs it: the BUILT CLI (dist/cli/main.js) in a child process, on
 * bundle files written by the deterministic scenario builder.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bilateralScenario } from '../../src/testkit/scenario.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

/** True when every .ts file under the given source folders has a newer .js in dist/. */
function distIsFresh(dirs: string[]): boolean {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [join(dir, d.name)] : []));
  return dirs.flatMap((d) => walk(join(ROOT, d))).every((src) => {
    const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), src)).replace(/\.ts$/, '.js');
    return existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs;
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hotline(...args: string[]): Promise<Run> {
  return hotlineWith({}, ...args);
}

function hotlineWith(extraEnv: Record<string, string>, ...args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.HOTLINE_DEBUG;
  Object.assign(env, extraEnv);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** Same JSON report: errors compared first (a readable diff), then the whole text byte for byte. */
function expectSameReport(a: Run, b: Run): void {
  const errors = (r: Run) => (JSON.parse(r.stdout) as { errors: unknown[] }).errors;
  expect(errors(b)).toEqual(errors(a));
  expect(digest(b.stdout)).toBe(digest(a.stdout));
}

const stderrLines = (r: Run) => r.stderr.split('\n').filter((l) => l !== '');

/** The one-line error contract: exactly one line on stderr, `hotline: ...`, no stack trace. */
function expectOneLineError(r: Run, pattern: RegExp): void {
  const lines = stderrLines(r);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^hotline: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  if (!distIsFresh(['src/cli', 'src/protocol'])) {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    } catch {
      // Type errors elsewhere in the tree do not stop tsc from emitting; the CLI must exist, though.
    }
  }
  if (!existsSync(CLI)) throw new Error(`the CLI was not built: ${CLI} is missing`);
  dir = mkdtempSync(join(tmpdir(), 'hotline-cli-verify-'));
  const s = bilateralScenario(3);
  const text = s.bundle();
  writeFileSync(file('valid.jsonl'), text);
  writeFileSync(file('tampered.jsonl'), text.replace('Vessel in distress', 'Vessel in DISTRESS'));
  writeFileSync(file('empty.jsonl'), '');
  writeFileSync(file('truncated.jsonl'), text.slice(0, text.length - 60));
  writeFileSync(file('image.png'), Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
  writeFileSync(file('README.md'), '# Hotline\n\nVerifiable crisis communication channels.\n');
  writeFileSync(file('other.jsonl'), '{"hello":"world"}\n{"n":1}\n');
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hotline verify', () => {
  it('prints the report of a valid bundle and exits 0', async () => {
    const r = await hotline('verify', file('valid.jsonl'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Verdict: VALID');
    for (const party of ['US', 'United States', 'CN', 'China']) expect(r.stdout).toContain(party);
    expect(r.stdout).toContain('Vessel in distress');
    expect(r.stderr).toBe('');
  });

  it('rejects a tampered bundle with the error code, the report, and the first error as the last stderr line', async () => {
    const r = await hotline('verify', file('tampered.jsonl'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Verdict: INVALID (first error: ENTRY_BAD_SIGNATURE)');
    const lines = stderrLines(r);
    expect(lines.at(-1)).toMatch(/^hotline: .*INVALID: ENTRY_BAD_SIGNATURE \(line \d+/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('prints the report as JSON with --json, with firstError', async () => {
    const bad = await hotline('verify', '--json', file('tampered.jsonl'));
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { valid: boolean; firstError: { code: string; line: number } | null };
    expect(report.valid).toBe(false);
    expect(report.firstError?.code).toBe('ENTRY_BAD_SIGNATURE');
    expect(stderrLines(bad).at(-1)).toContain('ENTRY_BAD_SIGNATURE');

    const good = await hotline('verify', file('valid.jsonl'), '--json');
    expect(good.code).toBe(0);
    const ok = JSON.parse(good.stdout) as { valid: boolean; firstError: unknown; parties: Array<{ code: string }> };
    expect(ok).toMatchObject({ valid: true, firstError: null });
    expect(ok.parties.map((p) => p.code)).toEqual(['US', 'CN']);
  });

  it.each([
    ['a missing file', 'missing.jsonl', 2, /no such file/],
    ['a directory', '.', 2, /is a directory/],
    ['an empty file', 'empty.jsonl', 2, /is empty/],
    ['a truncated file', 'truncated.jsonl', 1, /BUNDLE_TRUNCATED.*cut short/],
    ['a PNG image', 'image.png', 2, /not a Hotline transcript bundle: it is a PNG image/],
    ['a README', 'README.md', 2, /not a Hotline transcript bundle: its first line is not/],
    ['JSON Lines that are not a bundle', 'other.jsonl', 2, /not a Hotline transcript bundle: its first line is not a .*header/],
  ])('gives one clear line for %s', async (_what, name, code, pattern) => {
    const r = await hotline('verify', name === '.' ? dir : file(name));
    expect(r.code).toBe(code);
    expectOneLineError(r, pattern);
  });

  it.each([
    ['an empty file', '', 'BUNDLE_EMPTY', 2],
    ['only white space, CR included (§8.2 step 2 comes before step 3)', '\r\n \t', 'BUNDLE_EMPTY', 2],
    ['an overlong UTF-8 form', Buffer.from([0xc0, 0xaf, 0x0a]), 'BUNDLE_BAD_ENCODING', 2],
    ['a byte-order mark', '\ufeff{"channel":"x","type":"hotline.bundle","v":1}\n', 'BUNDLE_BAD_ENCODING', 2],
    ['a NUL', '{"a":1}\u0000\n', 'BUNDLE_BAD_ENCODING', 2],
    ['JSON Lines that are not a bundle', '{"hello":"world"}\n', 'BUNDLE_NOT_A_BUNDLE', 2],
  ])('with --json, reports %s as the verifier does (§8.2 steps 1-5), with the code', async (_what, content, code, exit) => {
    const name = file(`whole-${code}-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(name, content);
    const r = await hotline('verify', '--json', name);
    expect(r.code).toBe(exit);
    const report = JSON.parse(r.stdout) as { valid: boolean; errors: Array<{ code: string }>; firstError: { code: string } | null };
    expect(report.valid).toBe(false);
    expect(report.firstError?.code).toBe(code);
    expect(report.errors).toHaveLength(1);
    const text = await hotline('verify', name);
    expect(text.code).toBe(exit);
    expectOneLineError(text, code === 'BUNDLE_EMPTY' ? /is empty/ : new RegExp(`\\(${code}\\)\\. A bundle is`));
  });

  it('verifies a CRLF-converted bundle as BUNDLE_BAD_ENCODING, naming the cause', async () => {
    writeFileSync(file('crlf.jsonl'), readFileSync(file('valid.jsonl'), 'utf8').replaceAll('\n', '\r\n'));
    const r = await hotline('verify', '--json', file('crlf.jsonl'));
    expect((JSON.parse(r.stdout) as { firstError: { code: string } }).firstError.code).toBe('BUNDLE_BAD_ENCODING');
    expectOneLineError(await hotline('verify', file('crlf.jsonl')), /Windows line endings \(CRLF\).*\(BUNDLE_BAD_ENCODING\)/);
  });

  it('gives one clear line for usage errors', async () => {
    const noArg = await hotline('verify');
    expect(noArg.code).toBe(2);
    expectOneLineError(noArg, /missing required argument 'bundle'.*hotline verify --help/);
    const badWorkers = await hotline('verify', '--workers', '0', file('valid.jsonl'));
    expect(badWorkers.code).toBe(2);
    expectOneLineError(badWorkers, /--workers must be a whole number/);
    const unknown = await hotline('verify', '--jsn', file('valid.jsonl'));
    expect(unknown.code).toBe(2);
    expectOneLineError(unknown, /unknown option '--jsn'.*--json/);
  });

  describe('on a bundle of a few thousand entries', () => {
    let big: string;
    let bigTampered: string;
    beforeAll(() => {
      const text = bilateralScenario(1_000).bundle(); // 3,002 entries: above the parallel threshold
      big = file('big.jsonl');
      writeFileSync(big, text);
      const lines = text.split('\n');
      lines[1000] = lines[1000]!.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`); // bad signature
      lines[2400] = lines[2400]!.replace('"seq":', '"seq": '); // not canonical
      lines[2700] = '{"author": oops'; // not JSON
      bigTampered = file('big-tampered.jsonl');
      writeFileSync(bigTampered, lines.join('\n'));
    }, 120_000);

    it('gives the identical JSON report with --workers 2 and --workers 1', async () => {
      const [one, two] = await Promise.all([hotline('verify', '--json', '--workers', '1', big), hotlineWith({ HOTLINE_DEBUG: '1' }, 'verify', '--json', '--workers', '2', big)]);
      expect(one.code).toBe(0);
      expect(two.code).toBe(0);
      expect(two.stderr).toBe(''); // in particular, no fallback from worker threads to one thread
      expectSameReport(one, two);
      expect((JSON.parse(two.stdout) as { integrity: { verified: number } }).integrity.verified).toBe(3_002);
    });

    it('gives the identical JSON report for a damaged bundle, whatever the number of workers', async () => {
      const [one, two] = await Promise.all([hotline('verify', '--json', '--workers', '1', bigTampered), hotline('verify', '--json', '--workers', '2', bigTampered)]);
      expect(one.code).toBe(1);
      expect(two.code).toBe(1);
      expectSameReport(one, two);
      expect(stderrLines(two)).toEqual(stderrLines(one));
      const codes = (JSON.parse(two.stdout) as { errors: Array<{ code: string }> }).errors.map((e) => e.code);
      expect(codes).toEqual(expect.arrayContaining(['ENTRY_NON_CANONICAL', 'ENTRY_BAD_SIGNATURE', 'BUNDLE_MALFORMED_LINE']));
    });
  });

  describe('a large bundle, verified as a stream (docs/operations.md "Verifying large bundles")', () => {
    // Any file streams from 1 byte here; 2 entries per author stay in memory.
    const streamed = { HOTLINE_VERIFY_STREAM_BYTES: '1', HOTLINE_VERIFY_WINDOW: '2' };
    const inMemory = { HOTLINE_VERIFY_STREAM_BYTES: String(2 ** 40) };

    it('prints the same report on worker threads as in memory, and the same verdict on a tampered bundle', async () => {
      const s = bilateralScenario(30);
      s.ack(s.parties[1]!, s.entries.find((x) => x.entry.kind === 'message')!);
      writeFileSync(file('long.jsonl'), s.bundle());
      const [a, b] = await Promise.all([hotlineWith(streamed, 'verify', '--json', '--workers', '2', file('long.jsonl')), hotlineWith(inMemory, 'verify', '--json', file('long.jsonl'))]);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      const text = await hotlineWith(streamed, 'verify', '--workers', '2', file('long.jsonl'));
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('Vessel in distress');

      const [c, d] = await Promise.all([hotlineWith(streamed, 'verify', '--workers', '2', file('tampered.jsonl')), hotlineWith(inMemory, 'verify', file('tampered.jsonl'))]);
      expect(c.code).toBe(1);
      expect(d.code).toBe(1);
      expect(stderrLines(c).at(-1)).toMatch(/ENTRY_BAD_SIGNATURE/);
      expect(stderrLines(d).at(-1)).toMatch(/ENTRY_BAD_SIGNATURE/);
    });
  });
});
