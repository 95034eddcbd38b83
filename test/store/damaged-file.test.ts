/**
 * A database file SQLite cannot read as a database (a truncated file, a header overwritten,
 * another file in its place) is refused at opening with STORE_DAMAGED naming the file and the way
 * back (a backup), never SQLite's bare "database disk image is malformed"; the file is left as it was.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openStore, StoreError } from '../../src/store/index.js';
import { channelId, entry, partyId } from './factories.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-damaged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database of a few hundred entries, closed (its WAL checkpointed into the file). */
async function filled(name: string): Promise<string> {
  const path = join(dir, name);
  const store = await openStore({ kind: 'sqlite', path });
  const channel = channelId();
  const author = partyId();
  await store.transaction(async (tx) => {
    await tx.appendEntries(Array.from({ length: 300 }, (_, i) => entry({ channel, author, seq: i + 1, body: { text: 'x'.repeat(500) } })));
  });
  await store.close();
  return path;
}

async function refusal(path: string): Promise<StoreError> {
  const e = await openStore({ kind: 'sqlite', path }).then(
    async (s) => {
      await s.close();
      throw new Error('opened');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreError);
  return e as StoreError;
}

it.each([
  ['truncated to half its size', (p: string) => truncateSync(p, Math.floor(readFileSync(p).length / 2)), 'SQLITE_CORRUPT'],
  ['its header overwritten', (p: string) => {
    const b = readFileSync(p);
    b.fill(0x41, 0, 100);
    writeFileSync(p, b);
  }, 'SQLITE_NOTADB'],
  ['a text file in its place', (p: string) => writeFileSync(p, 'not a database\n'), 'SQLITE_NOTADB'],
])('refuses a database file %s with STORE_DAMAGED, naming the file and the backup', async (name, damage, sqliteCode) => {
  const path = await filled(`${name.replace(/\W+/g, '-')}.db`);
  damage(path);
  const before = readFileSync(path);
  const e = await refusal(path);
  expect(e.code).toBe('STORE_DAMAGED');
  expect(e.message).toContain(`The SQLite database at ${path} cannot be read (${sqliteCode}`);
  expect(e.message).toContain('restore the database from a backup');
  expect(readFileSync(path).equals(before)).toBe(true);
});
