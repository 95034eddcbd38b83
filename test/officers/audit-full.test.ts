/**
 * An officer request whose audit record cannot be written (the database full): the answer is the
 * API's own (STORE_FULL, 503), never the database's SQLITE_FULL in the framework's error shape; a
 * refusal stands as it was; an audited read (the audit log, an export) is not sent unrecorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** What better-sqlite3 throws when the disk (or the database's cap) is full. */
const sqliteFull = () => Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });

describe('audit record not writable', () => {
  it('an audited read is refused with STORE_FULL; a refusal keeps its own code', async () => {
    f = await officerFixture();
    f.officers.audit.append = async () => {
      throw sqliteFull();
    };
    const read = await f.host('GET', '/api/v1/audit');
    expect(read.statusCode).toBe(503);
    expect(read.json()).toMatchObject({ code: 'STORE_FULL' });
    expect(read.json()).not.toHaveProperty('statusCode'); // not the framework's default error shape
    const bad = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'x', precedence: 'NOT-A-PRECEDENCE' });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { code: string }).code).not.toMatch(/FULL/);
  });
});
