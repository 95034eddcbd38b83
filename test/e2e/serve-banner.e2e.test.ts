/**
 * What `hotline serve` shows a person at the default log level: its banner, not a JSON log line
 * (the start-up timings are logged at debug level; docs/operations.md).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Harness, MAIN } from './harness.js';

describe('e2e: hotline serve at the default log level', () => {
  it('prints the banner and no JSON line', async () => {
    const h = await Harness.create();
    const ru = await h.party('RU', 'Russia', { start: false });
    const env = { ...process.env };
    delete env.HOTLINE_LOG_LEVEL;
    const child = spawn(process.execPath, [MAIN, 'serve', '--data', ru.dir], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const until = Date.now() + 20_000;
    while (!out.includes('is up') && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    const stopped = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await stopped;
    expect(out, err).toContain('Hotline terminal RU is up.');
    expect(`${out}${err}`).not.toContain('start-up timings');
    expect(`${out}${err}`).not.toMatch(/^\{"level"/m);
    await h.cleanup();
  }, 60_000);
});
