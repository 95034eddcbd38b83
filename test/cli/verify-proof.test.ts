/**
 * `hotline verify` on a proof of one message (docs/protocol.md §14), as a user runs it: the built
 * CLI in a child process, on the committed proof vectors. The text report, the JSON verdict, and
 * the one-line error with the proof's code and exit status 1 for a tampered proof.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const VECTORS = join(ROOT, 'test/vectors/proofs');

function hotline(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.HOTLINE_DEBUG;
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
});

describe('hotline verify PROOF', () => {
  it('prints a plain report of a valid proof and exits 0', async () => {
    const r = await hotline('verify', join(VECTORS, 'valid.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Proof of one message: VALID$/m);
    expect(r.stdout).toMatch(/sent by +US, signed at 2026-/);
    expect(r.stdout).toMatch(/by CN: receipt signed at .* holding the sender's log up to #\d+/);
    expect(r.stdout).toMatch(/by CN: Duty Officer Li, Duty Officer \(duty-officer\)/);
    expect(r.stdout).toMatch(/as 2 signed header\(s\) without their contents/);
    expect(r.stdout).not.toMatch(/must not be disclosed/);
  });

  it('gives the verdict as JSON with --json', async () => {
    const r = await hotline('verify', '--json', join(VECTORS, 'valid-v1.json'));
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as { valid: boolean; path: { full: number; fullKinds: string[] } };
    expect(v).toMatchObject({ valid: true, path: { full: 2, fullKinds: ['link.test', 'message'] } });
  });

  it('refuses a tampered proof with its code on one line and exit status 1', async () => {
    const r = await hotline('verify', join(VECTORS, 'tampered-body-text.json'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/NOT VALID/);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hotline: the proof .* is INVALID: PROOF_BAD_BODY/);
  });

  it('reads a proof in any spacing: pretty-printed it is still a proof, not "not a bundle"', async () => {
    const r = await hotline('verify', join(VECTORS, 'valid-pretty.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Proof of one message: VALID$/m);
  });

  it('refuses a proof naming a member twice (a forged text before the signed one), PROOF_MALFORMED', async () => {
    const r = await hotline('verify', join(VECTORS, 'tampered-duplicate-member.json'));
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/: VALID$/m);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^hotline: the proof .* is INVALID: PROOF_MALFORMED: .*the member "text" occurs twice/)]);
  });
});
