/**
 * `hotline doctor` and `hotline repair` (#14 A2): a stopped terminal's storage checked in full
 * (the database engine's check, every entry re-parsed, re-hashed, chained and its signature
 * verified, every message row compared with its signed entry), and repaired from the entries.
 * Progress goes to stderr on a terminal; problems exit non-zero.
 */
import { hotlineCommand } from '../hint.js';
import type { Command } from 'commander';
import { loadTerminal, type TerminalIdentity } from '../lazy.js';
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
      const { describeProblem, doctor, loadTerminalIdentity } = await loadTerminal();
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
    .option('--forked <channel>', 'remove this terminal\'s own entries of CHANNEL from --from on, which no peer holds: its own log forked (CHANNEL_OWN_LOG_FORKED), or its clock ran far ahead and the peers refused them as from the future (CLOCK_BEHIND_LOG); refused if a peer is known to hold any; the next start fetches back what a peer holds')
    .option('--from <seq>', 'with --forked: the first own entry to remove, as the alarm (CHANNEL_OWN_LOG_FORKED or CLOCK_BEHIND_LOG) and `hotline status` name it')
    .action(async (opts: { data: string; forked?: string; from?: string }) => {
      const { describeProblem, loadTerminalIdentity, repair } = await loadTerminal();
      const identity = await loadTerminalIdentity(opts.data);
      if (opts.forked !== undefined || opts.from !== undefined) return repairFork(identity, opts);
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

/** `hotline repair --forked CHANNEL --from N`: the own entries of a forked own log removed from #N on. */
async function repairFork(identity: TerminalIdentity, opts: { data: string; forked?: string; from?: string }): Promise<void> {
  if (opts.forked === undefined || opts.from === undefined) throw cliError('CLI_USAGE', { detail: '--forked CHANNEL and --from SEQ go together (both as `hotline status` or the alarm CHANNEL_OWN_LOG_FORKED names them)', command: 'repair ' });
  if (!/^[0-9a-f]{8,64}$/i.test(opts.forked)) throw cliError('CLI_BAD_ARGUMENT', { option: '--forked', expected: 'a channel id or a prefix of at least 8 hex digits', value: opts.forked });
  if (!/^[1-9][0-9]{0,14}$/.test(opts.from)) throw cliError('CLI_BAD_ARGUMENT', { option: '--from', expected: 'a seq number, 1 or more', value: opts.from });
  const { repairForked } = await loadTerminal();
  const { channel, removed } = await repairForked(identity, opts.forked, Number(opts.from));
  if (removed === 0) {
    process.stdout.write(`This terminal holds no own entry of channel ${channel.slice(0, 12)} at #${opts.from} or later: nothing was removed.\n`);
    return;
  }
  process.stdout.write(`Removed ${removed} of this terminal's own entries of channel ${channel.slice(0, 12)} from #${opts.from} on, which no peer is known to hold.\n`);
  process.stdout.write(`Start the terminal with its peers reachable: it waits for each of them and fetches their copies back before signing there again: ${hotlineCommand('serve', opts.data)}\n`);
}
