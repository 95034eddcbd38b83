/**
 * Damaged storage (#14 A2), with real processes: altered bytes in the messages table (an officer
 * would be shown a text nobody signed), control characters in stored entries (once a hang), and a
 * zero-length database with the identity present (once a blank terminal). Each is refused at
 * start-up with the recovery command; `hotline doctor` lists the problems and exits non-zero;
 * `hotline repair` rebuilds from the entries and the peer gives back what was removed.
 */
import Database from 'better-sqlite3';
import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, waitFor, type Party } from './harness.js';

/** Runs one SQL statement on a stopped party's database (a SELECT answers its single value). */
function sql(p: Party, statement: string): string {
  const db = new Database(join(p.dir, 'hotline.db'));
  try {
    if (/^\s*select/i.test(statement)) return String(db.prepare(statement).pluck().get());
    db.exec(statement);
    return '';
  } finally {
    db.close();
  }
}

describe('e2e: damaged storage', () => {
  it('refuses to start on altered rows or entries, doctor lists them, repair restores them from the entries and the peer', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Damage line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const send = (p: Party, text: string) => p.api<{ id: string; seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'ROUTINE' });
    for (let i = 0; i < 4; i++) {
      await send(us, `us message ${i}`);
      await send(cn, `cn message ${i}`);
    }
    await waitFor('both to hold all 8 messages, receipted', async () => {
      const m = await us.messages(id);
      return m.length === 8 && m.filter((x) => x.own).every((x) => x.receiptedAt !== null) && (await cn.messages(id)).length === 8;
    });
    const cnParty = (await cn.status()).party;
    const usParty = (await us.status()).party;
    await us.stop();

    // A message row altered: shown to officers, but not what CN signed.
    sql(us, `UPDATE messages SET text = 'us message 0 -- ALTERED' WHERE text = 'us message 0'`);
    const refused = await us.start().then(() => 'started', (e: Error) => e.message);
    expect(refused).toMatch(/STORAGE_DAMAGED|database is damaged/);
    expect(refused).toMatch(/message row differs from its signed entry \(text\)/);
    expect(refused).toMatch(/hotline repair --data/);
    const doctor = await us.cli(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/problem: message .*differs from its signed entry \(text\)/);
    expect(doctor.stderr).toMatch(/hotline repair/);

    // Entries altered: a control character in one of CN's, and in one of US's own (once a hang).
    const cnSeq = Number(sql(us, `SELECT min(seq) FROM entries WHERE author = '${cnParty}' AND kind = 'message'`));
    const usSeq = Number(sql(us, `SELECT max(seq) FROM entries WHERE author = '${usParty}' AND kind = 'message'`));
    for (const [author, seq] of [[cnParty, cnSeq], [usParty, usSeq]] as const)
      sql(us, `UPDATE entries SET raw = substr(raw, 1, 40) || char(1) || substr(raw, 42) WHERE author = '${author}' AND seq = ${seq}`);
    const refusedAgain = await us.start().then(() => 'started', (e: Error) => e.message);
    expect(refusedAgain).toMatch(/database is damaged \(\d+ problem/);
    const doctor2 = await us.cli(['doctor']);
    expect(doctor2.code).toBe(1);
    expect(doctor2.stdout).toMatch(/problem: entry .*does not parse/);

    const repaired = await us.cli(['repair']);
    expect(repaired.stderr).toBe('');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/Rewrote 1 message row/);
    expect(repaired.stdout).toMatch(/Storage sound/);
    expect((await us.cli(['doctor'])).code).toBe(0);

    // Started again: what was removed comes back from CN (its entries, and US's own), nothing re-signed.
    await us.start();
    await waitFor('US to hold all 8 messages again, as signed', async () => {
      const texts = (await us.messages(id)).map((m) => m.text).sort();
      return texts.length === 8 && texts.every((t) => /^(us|cn) message \d$/.test(t));
    }, 30_000);
    const after = await waitFor('US to sign again', async () => {
      const r = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'after repair', precedence: 'ROUTINE' });
      return r.status === 201 || r.status === 200 ? (r.body as { seq: number }) : undefined;
    });
    expect(after.seq).toBeGreaterThan(usSeq);
    await waitFor('CN to receive it', async () => (await cn.messages(id)).some((m) => m.text === 'after repair'));
    expect(await cn.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    // Doctor and repair work on a stopped terminal: a running one is named, not raced.
    const busy = await us.cli(['repair']);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toMatch(/officer API http:\/\/127\.0\.0\.1:\d+/);
    await us.stop();

    // A zero-length database with the identity present: refused, not a blank terminal.
    for (const f of ['hotline.db-wal', 'hotline.db-shm']) rmSync(join(us.dir, f), { force: true });
    truncateSync(join(us.dir, 'hotline.db'), 0);
    const blank = await us.start().then(() => 'started', (e: Error) => e.message);
    expect(blank).toMatch(/is empty \(zero length\), but this terminal has run before/);
    expect((await us.cli(['doctor'])).code).not.toBe(0);
  }, 180_000);
});
