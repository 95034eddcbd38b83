/**
 * `hotline restore --data DIR --from FILE` (docs/operations.md "Backup and restore"): a SQLite
 * backup put back in place of the stopped terminal's database, which is moved aside, never
 * deleted. It says what the next start does: wait for the peers, which give back what the backup
 * lacks, before anything is signed.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { cliError } from '../errors.js';
import { hotlineCommand } from '../hint.js';
import { loadTerminal } from '../lazy.js';
import { DEFAULT_DATA_DIR } from './init.js';

export function register(program: Command): void {
  program
    .command('restore')
    .description('put a backup (`hotline backup`) back in place of the stopped terminal\'s SQLite database; the current one is moved aside, never deleted')
    .requiredOption('--from <file>', 'the backup file')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { from: string; data: string }) => {
      const { exists, loadTerminalIdentity, restoreDatabase } = await loadTerminal();
      const identity = await loadTerminalIdentity(opts.data);
      if (!(await exists(opts.from))) throw cliError('CLI_FILE_NOT_FOUND', { path: opts.from });
      if ((await stat(opts.from)).isDirectory()) throw cliError('CLI_FILE_UNREADABLE', { path: opts.from, reason: 'it is a directory, not a backup file' });
      await access(opts.from, constants.R_OK).catch((e: Error) => {
        throw cliError('CLI_FILE_UNREADABLE', { path: opts.from, reason: e.message });
      });
      const report = await restoreDatabase(identity, opts.from, new Date());
      const out = process.stdout;
      out.write(`Restored ${opts.from}: ${report.channels} channel(s), ${report.entries} entries; integrity ok, schema ${report.schema ?? 'none'}${report.ownChecked ? ', this party\'s' : ''}.\n`);
      out.write(report.movedAside ? `The database it replaced is kept as ${report.movedAside} (delete it yourself once the terminal runs well).\n` : 'There was no database to replace.\n');
      out.write(`Next: start the terminal with its peers reachable: ${hotlineCommand('serve', opts.data)}\n`);
      out.write('  Each peer gives back this terminal\'s entries it holds since the backup; nothing is signed on a channel until that is done (`hotline status` shows "reconciling").\n');
      if (report.ownHeads) out.write('  own-heads.json (kept) tells it the database was restored: it waits for every peer of each channel, however long.\n');
      else out.write('  There is no own-heads.json: a peer that does not answer is waited for HOTLINE_RECONCILE_WAIT_MS only (default 10 s). If the peers are down, start it with HOTLINE_RECONCILE_WAIT_MS longer than their outage.\n');
      out.write('  What only this database held since the backup is gone: the audit records, and own entries no peer received (check the channels and send those again).\n');
    });
}
