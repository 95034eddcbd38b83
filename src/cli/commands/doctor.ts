/**
 * `hotline doctor` and `hotline repair` (#14 A2): a stopped terminal's storage checked in full
 * (the database engine's check, every entry re-parsed, re-hashed, chained and its signature
 * verified, every message row compared with its signed entry), and repaired from the entries.
 * Progress goes to stderr on a terminal; problems exit non-zero.
 */
import { hotlineCommand } from '../hint.js';
import type { Command } from 'commander';
import { describeProblem, doctor, loadTerminalIdentity, repair } from '../../terminal/index.js';
import { cliError } from '../errors.js';
import { printable } from '../safe-text.js';
import { DEFAULT_DATA_DIR } from './init.js';

/** A progress line on stderr, rewritten in place, only when stderr is a terminal. */
function progress(): { tick: (done: number, total: number) => void; end: () => void } {
  if (!process.stderr.isTTY) return { tick: () => undefined, end: () => undefined };
  return {
    tick: (done, total) => process.stderr.write(`\rchecking channel ${done} of ${total}`),
    end: () => process.stderr.write('\r\x1b[K'),
  };
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the stopped terminal\'s storage: database, every entry, every message row')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { data: string }) => {
      const identity = await loadTerminalIdentity(opts.data);
      const p = progress();
      const report = await doctor(identity, { onProgress: p.tick });
      p.end();
      process.stdout.write(`Checked ${report.channels} channel(s), ${report.entries} entries, ${report.messages} message rows.\n`);
      for (const problem of report.problems) process.stdout.write(`  problem: ${printable(describeProblem(problem))}\n`);
      if (report.problems.length) throw cliError('CLI_STORAGE_PROBLEMS', { count: report.problems.length, dir: opts.data });
      process.stdout.write('No problems found.\n');
    });

  program
    .command('repair')
    .description('repair the stopped terminal\'s storage from its signed entries; damaged entries are fetched again from the peers at the next start')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { data: string }) => {
      const identity = await loadTerminalIdentity(opts.data);
      const p = progress();
      const { before, outcome, after } = await repair(identity, { onProgress: p.tick });
      p.end();
      process.stdout.write(`Found ${before.problems.length} problem(s).\n`);
      process.stdout.write(`Rewrote ${outcome.messagesRewritten} message row(s) from their signed entries.\n`);
      process.stdout.write(`Removed ${outcome.entriesRemoved} damaged or dependent entries; the terminal fetches them again from its peers when it starts.\n`);
      for (const problem of after.problems) process.stdout.write(`  still: ${printable(describeProblem(problem))}\n`);
      if (after.problems.length) throw cliError('CLI_STORAGE_UNREPAIRABLE', { count: after.problems.length });
      process.stdout.write(`Storage sound. Start the terminal: ${hotlineCommand('serve', opts.data)}\n`);
    });
}
