/**
 * Another process holding SQLite's write lock (a `sqlite3` shell with `BEGIN EXCLUSIVE`, a backup
 * tool): a commit of entries waits for it between turns of the event loop, not inside SQLite's
 * synchronous busy handler, so the terminal keeps answering (health checks, its stall watch) and
 * the commit completes once the lock is released.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { EntryWriter, openStore, type Store } from '../../src/store/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('waits for another process holding the write lock without stopping the event loop, then commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-busy-'));
  dirs.push(dir);
  const path = join(dir, 'hotline.db');
  const store: Store = await openStore({ kind: 'sqlite', path });
  const other = new Database(path);
  try {
    other.exec('BEGIN EXCLUSIVE');
    const writer = new EntryWriter(store, { maxDelayMs: 0 });
    const row = { channel: 'c'.repeat(64), author: 'A'.repeat(43), seq: 1, hash: 'e'.repeat(64), kind: 'message', time: 1, raw: '{}', receivedAt: 1, prev: null };
    let settled = false;
    const writing = writer.write([row]).finally(() => (settled = true));
    // Turns of the event loop go on while the commit waits: timers fire, nothing is stored yet.
    let turns = 0;
    while (turns < 20) {
      await new Promise((r) => setTimeout(r, 5));
      turns++;
    }
    expect(settled).toBe(false);
    other.exec('COMMIT');
    await writing;
    expect((await store.getEntry(row.channel, row.author, 1))?.hash).toBe(row.hash);
  } finally {
    other.close();
    await store.close();
  }
});
