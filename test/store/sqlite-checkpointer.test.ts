/**
 * WAL checkpoints on their own thread (src/store/sqlite-checkpointer.ts): the terminal's
 * connection checkpoints only past the safety valve; the worker's passive checkpoint copies the
 * whole log back and the next write starts it afresh; if the worker fails, the connection
 * checkpoints by itself again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer, SAFETY_VALVE_PAGES } from '../../src/store/sqlite-checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { db: Database.Database; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-checkpoint-'));
  dirs.push(dir);
  const path = join(dir, 'x.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('create table t (v text)');
  return { db, path };
}

/** Writes about `pages` 4 KiB pages, one transaction per 10. */
function write(db: Database.Database, pages: number): void {
  const insert = db.prepare('insert into t (v) values (?)');
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run('x'.repeat(3500));
  });
  for (let done = 0; done < pages; done += 10) batch(10);
}

describe('checkpoints on a worker thread', () => {
  it('leaves the log to the worker below the safety valve, and the worker copies all of it back', async () => {
    const { db, path } = open();
    // A long interval: only checkpointNow() runs one in this test.
    const checkpointer = new Checkpointer(path, db, 3_600_000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_VALVE_PAGES);

    write(db, 2000); // SQLite's default would have checkpointed at 1000 pages from this thread
    const first = await checkpointer.checkpointNow();
    expect(first.log).toBeGreaterThan(1500);
    expect(first.checkpointed).toBe(first.log);
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 2000 });

    write(db, 20); // the log starts afresh after a complete checkpoint
    const second = await checkpointer.checkpointNow();
    expect(second.log).toBeLessThan(100);
    expect(second.checkpointed).toBe(second.log);

    await checkpointer.close();
    await expect(checkpointer.checkpointNow()).rejects.toThrow('closed');
    db.close();
  });

  it('hands checkpoints back to the connection when the worker fails', async () => {
    const { db } = open();
    const checkpointer = new Checkpointer(join(tmpdir(), 'hotline-no-such-dir', 'x.db'), db, 3_600_000);
    await expect(checkpointer.checkpointNow()).rejects.toThrow();
    expect(checkpointer.failure).toBeDefined();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.close();
    db.close();
  });

  it('closes at once while its thread is still starting', async () => {
    const { db, path } = open();
    await new Checkpointer(path, db, 3_600_000).close();
    db.close();
  });
});
