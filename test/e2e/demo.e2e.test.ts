/**
 * The first run, as `npm start` gives it to a new user: `hotline demo` starts two terminals, pairs
 * them, opens a channel and exchanges messages, then runs until Ctrl-C (SIGINT) and stops both
 * cleanly; a second run reuses the data. Run three times: the channel is proposed while the new
 * federation links are still opening, a race that once left the proposal unsent for good. The
 * screen shows what a person needs; the terminals' log lines go to files it names.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, REPO, ensureBuilt } from './harness.js';

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hotline-demo-'));
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the demo until it says both terminals run, then presses Ctrl-C: SIGINT to its process group,
 * as a terminal does (the two terminal processes get it too). Resolves once its output is closed.
 */
function runDemo(dataDir: string, whileRunning: () => void = () => {}): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'demo', '--dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let interrupted = false;
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const killer = setTimeout(() => group('SIGKILL'), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!interrupted && out.includes('Both terminals are running')) {
        interrupted = true;
        try {
          whileRunning();
        } finally {
          group('SIGINT');
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ out, code });
    });
  });
}

describe('e2e: the first run (hotline demo, what npm start runs)', () => {
  it('opens a channel between two new terminals, exchanges messages, stops on Ctrl-C, and runs again on the same data', async () => {
    // Twice from nothing (each time the channel is proposed while the links are still opening),
    // then again on the second run's data.
    for (const [run, data, fresh] of [
      [1, 'first', true],
      [2, 'second', true],
      [3, 'second', false],
    ] as const) {
      let second: Array<{ status: number | null; stdout: string; stderr: string }> = [];
      let other: { status: number | null; stdout: string; stderr: string } | undefined;
      // A second `npm start` (and `hotline demo`) while one runs: refused before building anything.
      const { out, code } = await runDemo(join(dir, data), () => {
        second = [
          spawnSync(process.execPath, [join(REPO, 'scripts', 'start.mjs'), '--dir', join(dir, data)], { encoding: 'utf8', timeout: 20_000 }),
          spawnSync(process.execPath, [MAIN, 'demo', '--dir', join(dir, data)], { encoding: 'utf8', timeout: 20_000 }),
        ];
        // Another data directory: its terminals would take the same ports.
        other = spawnSync(process.execPath, [join(REPO, 'scripts', 'start.mjs'), '--dir', join(dir, 'other')], { encoding: 'utf8', timeout: 20_000 });
      });
      expect(other?.status, other?.stderr).toBe(2);
      expect(other?.stderr).toMatch(/already listens on 127\.0\.0\.1:7081, the port of a demo terminal .*nothing was built/);
      for (const r of second) {
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/already runs on .*Stop it \(Ctrl-C in its shell, or `kill \d+`\)/);
        expect(r.stdout).not.toContain('Building');
        expect(r.stdout).not.toContain('Both terminals');
      }
      const where = `run ${run}: ${out.slice(-600)}`;
      if (fresh) {
        expect(out, where).toContain('Created terminal US');
        expect(out, where).toContain('CN accepted the charter: the channel is open.');
        expect(out, where).toContain('Exchanged a FLASH message, its acknowledgement and a reply.');
      } else expect(out, where).not.toContain('Created terminal');
      expect(out, where).toMatch(/^Channel [0-9a-f]{64}$/m);
      // What a person needs, not the terminals' JSON log lines: those are in a file it names.
      expect(out, where).not.toContain('"level"');
      expect(out, where).toContain(`log ${join(dir, data, 'us.log')}`);
      expect(existsSync(join(dir, data, 'cn.log')), where).toBe(true);
      expect(out, where).toContain('Both terminals stopped.');
      // The console hint says how CN signs once the officer is added (not --name, refused then).
      expect(out, where).toContain(`npx hotline ack MESSAGE --officer "Lt Cdr Wang" --data ${join(dir, data, 'cn')} (no longer --name)`);
      expect(code, where).toBe(0);
    }
  }, 300_000);
});
