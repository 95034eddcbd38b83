/**
 * `hotline audit verify FILE` judges an exported audit log offline: a whole chain is VALID (exit 0);
 * an edited, removed or reordered record makes it INVALID with exit status 1, so a script or a
 * cron job that checks the exports notices.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { nextAuditRow, type AuditRow } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  for (let i = 0; i < n; i++) rows.push(nextAuditRow(rows.at(-1), { at: 1_800_000_000_000 + i * 1000, actor: i % 2 ? 'alice' : 'terminal', action: i % 2 ? 'message.send' : 'auth.login', detail: { n: i } }));
  return rows;
}

/** Writes `rows` as JSON Lines (or `text` as is) and runs `hotline audit verify FILE`. */
async function verifyFile(rows: readonly unknown[], text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n'): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, `audit-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, text);
  return runCli(['audit', 'verify', file]);
}

describe('hotline audit verify FILE', () => {
  it('a whole chain is VALID, exit 0', async () => {
    const r = await verifyFile(chain(5));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Audit log VALID: 5 records, head [0-9a-f]{16}\./);
  });

  it('an edited record is INVALID, exit 1, naming the record', async () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, actor: 'mallory' };
    const r = await verifyFile(rows);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^hotline: the audit log is INVALID at record 3 of 5: record 3 was altered/);
    expect(r.out).toBe('');
  });

  it('a removed record is INVALID, exit 1', async () => {
    const rows = chain(5);
    rows.splice(1, 1);
    const r = await verifyFile(rows);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/INVALID at record 3 of 4: record 2 has seq 3: a record was removed or inserted/);
  });

  it('an empty file is no audit log: CLI_AUDIT_EMPTY, exit 2, never VALID', async () => {
    for (const text of ['', '\n\n', '  \n']) {
      const r = await verifyFile([], text);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^hotline: .*audit-[0-9a-z]+\.jsonl holds no audit record \(it is empty, or blank lines only\), so it is not an audit log/);
      expect(r.err).toContain('npx hotline audit export --data DIR > audit.jsonl');
    }
  });

  it('reordered records are INVALID, exit 1', async () => {
    const rows = chain(4);
    [rows[1], rows[2]] = [rows[2]!, rows[1]!];
    const r = await verifyFile(rows);
    expect(r.code).toBe(1);
  });
});
