/**
 * Runs the CLI in this process, as `hotline ARGS...`, capturing what it writes: the exit status
 * main() resolves with, stdout and stderr.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export async function runCli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(['node', 'hotline', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
