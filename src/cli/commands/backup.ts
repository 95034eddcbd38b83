/**
 * `hotline backup --data DIR --out FILE` (docs/operations.md "Backup and restore"): a consistent
 * copy of the terminal's database while it keeps serving (SQLite's online backup, or `pg_dump`),
 * readable by its owner only, checked before it is called a backup. Progress goes to stderr on a
 * terminal; the one-line summary to stdout.
 */
import type { Command } from 'commander';
import { hotlineCommand, shellWord } from '../hint.js';
import { loadTerminal } from '../lazy.js';
import { progressBar, type Progress } from '../output.js';
import { DEFAULT_DATA_DIR } from './init.js';

/** A size for people: 812 B, 3.4 MiB. */
export function sizeText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A page counter drawn on stderr once the copy's size is known, only when stderr is a terminal. */
function pageProgress(): { tick: (done: number, total: number) => void; end: () => void } {
  const wanted = process.stderr.isTTY === true && process.env.HOTLINE_NO_PROGRESS !== '1';
  let bar: Progress | undefined;
  return {
    tick: (done, total) => {
      if (!wanted) return;
      if (!bar) (bar = progressBar(true)).phase('copying pages', total);
      bar.update(done);
      if (done === total) {
        // The copy's full check reads it all again: a moment on a large database.
        bar.stop();
        process.stderr.write('Checking the copy (SQLite integrity_check)...\n');
      }
    },
    end: () => bar?.stop(),
  };
}

export function register(program: Command): void {
  program
    .command('backup')
    .description('back up the terminal\'s database while it runs (SQLite online backup, or pg_dump), into a file readable by you only, checked')
    .requiredOption('--out <file>', 'the backup file to write (refused if it exists, unless --force)')
    .option('--force', 'replace FILE if it exists')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { out: string; force?: boolean; data: string }) => {
      const { backupDatabase, loadTerminalIdentity } = await loadTerminal();
      const identity = await loadTerminalIdentity(opts.data);
      const p = pageProgress();
      let report;
      try {
        report = await backupDatabase(identity, opts.out, { force: opts.force === true, onProgress: p.tick });
      } finally {
        p.end();
      }
      const out = process.stdout;
      if (report.backend === 'sqlite') {
        out.write(`Backup ${report.path}: ${report.channels} channel(s), ${report.entries} entries, ${sizeText(report.bytes)}; integrity ok, schema ${report.schema ?? 'none'}.\n`);
      } else {
        out.write(`Backup ${report.path}: pg_dump of ${report.schema ? `schema ${report.schema}` : 'the whole database'} (custom format), ${sizeText(report.bytes)}.\n`);
      }
      out.write('Mode 0600: it holds the officers\' login secrets (TOTP secrets, password hashes). Keep it readable by this user only, and store it as you store the data directory.\n');
      out.write('Not in it: keys/ (back it up separately, kept secret) and own-heads.json (never restored: it recognises a restore).\n');
      if (report.backend === 'sqlite') out.write(`Restore (terminal stopped): ${hotlineCommand(`restore --from ${shellWord(report.path)}`, opts.data)}\n`);
      else out.write(`Restore (terminal stopped): drop the schema, then pg_restore -d DB ${shellWord(report.path)} (docs/operations.md "Backup and restore").\n`);
    });
}
