/**
 * `hotline audit export|verify`: the terminal's local audit log of officer actions (hash-chained).
 * `export` writes JSON Lines to stdout; `verify` checks the running terminal's chain, or a file.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AuditVerdict } from '../../terminal/index.js';
import { cliError } from '../errors.js';
import { officerClient, loadTerminal } from '../lazy.js';
import { DEFAULT_DATA_DIR } from './init.js';

export function register(program: Command): void {
  const audit = program.command('audit').description('the local audit log of officer actions: export, verify');

  audit
    .command('export')
    .description('write the audit log (JSON Lines) to stdout')
    .option('--from <seq>', 'first record', '1')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { from: string; data: string }) => {
      const from = Number(opts.from);
      if (!Number.isInteger(from) || from < 1) throw cliError('CLI_BAD_ARGUMENT', { option: '--from', expected: 'a record number >= 1', value: opts.from });
      const client = await officerClient(opts.data);
      process.stdout.write(await client.call<string>('GET', `/api/v1/audit?from=${from}`));
    });

  audit
    .command('verify [file]')
    .description('verify the hash chain of the running terminal\'s audit log, or of an exported file')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (file: string | undefined, opts: { data: string }) => {
      let verdict: AuditVerdict;
      if (file) {
        const { parseAuditExport, verifyAudit } = await loadTerminal();
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch {
          throw cliError('CLI_FILE_NOT_FOUND', { path: file });
        }
        let rows: ReturnType<typeof parseAuditExport>;
        try {
          rows = parseAuditExport(text);
        } catch (e) {
          throw cliError('CLI_BAD_ARGUMENT', { option: file, expected: 'an audit export (JSON Lines from `hotline audit export`)', value: (e as Error).message });
        }
        // An empty chain is not broken, but a file without a record is no audit log: never VALID.
        if (rows.length === 0) throw cliError('CLI_AUDIT_EMPTY', { path: file });
        verdict = verifyAudit(rows);
      } else verdict = await (await officerClient(opts.data)).call<AuditVerdict>('GET', '/api/v1/audit/verify');
      if (verdict.ok) return void process.stdout.write(`Audit log VALID: ${verdict.records} records, head ${verdict.head.slice(0, 16)}.\n`);
      throw cliError('CLI_AUDIT_INVALID', { seq: verdict.seq, records: verdict.records, problem: verdict.problem });
    });
}
