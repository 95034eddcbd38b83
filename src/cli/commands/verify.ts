/**
 * `hotline verify BUNDLE [--json] [--workers N]`: verifies a transcript bundle offline and prints
 * the verification report. Exit 0 when valid, 1 when invalid (the first error also goes to stderr
 * as the last line), 2 when the file cannot be read or is not a bundle at all (not UTF-8 JSON
 * Lines, no bundle header). The text report escapes what the bundle's texts could print (§8.3).
 */
import type { Command } from 'commander';
import { cliError } from '../errors.js';

export interface VerifyCommandOptions {
  readonly json?: boolean;
  readonly workers?: number;
}

/** Parses --workers: a whole number from 1 (one thread, no workers) to 1024. */
export function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1024)
    throw cliError('CLI_BAD_ARGUMENT', { option: '--workers', expected: 'a whole number from 1 to 1024', value });
  return n;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('verify a transcript bundle, or a proof of one message, offline and print the report')
    .argument('<bundle>', 'transcript bundle file (JSON Lines, as written by `hotline export`), or a proof (as written by `hotline prove`)')
    .option('--json', 'print the report as canonical JSON instead of text')
    .option('--workers <n>', 'threads for signature checks (default: all cores for large bundles; 1 = no worker threads)', parseWorkers)
    .addHelpText(
      'after',
      '\nBundles of 64 MiB and more are verified as a stream, in memory that does not grow with the bundle (docs/operations.md).' +
        '\nExit status: 0 valid, 1 invalid (the first error is the last line on stderr), 2 unreadable file or not a bundle.',
    )
    .action(async (bundle: string, options: VerifyCommandOptions) => {
      await (await import('./verify-command.js')).verifyCommand(bundle, options);
    });
}
