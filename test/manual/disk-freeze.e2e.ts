/**
 * A frozen data disk under a SQLite terminal (docs/operations.md "A stalled database"). Out of
 * `npm test` because it needs root and a loop device: US's data directory is an ext4 filesystem
 * of its own, frozen with fsfreeze(8) while CN sends it a FLASH. While frozen, US's thread stops in
 * its next write: its watching thread logs TERMINAL_STALLED, CN's line to it goes down. Thawed,
 * US raises TERMINAL_RUNS_AGAIN and stores and receipts the FLASH; the line is up again.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Harness, waitFor, type ApiMessage } from '../e2e/harness.js';

it('a frozen disk: TERMINAL_STALLED said during, the line down, then TERMINAL_RUNS_AGAIN and the FLASH stored and receipted', async () => {
  const h = await Harness.create();
  const dir = join(h.root, 'us');
  const img = join(h.root, 'us.img');
  execFileSync('truncate', ['-s', '200M', img]);
  execFileSync('mkfs.ext4', ['-q', '-F', img]);
  mkdirSync(dir, { mode: 0o700 });
  execFileSync('mount', ['-o', 'loop', img, dir]);
  rmdirSync(join(dir, 'lost+found'));
  let frozen = false;
  h.defer(() => {
    if (frozen) execFileSync('fsfreeze', ['-u', dir]);
  });
  try {
    const us = await h.party('US', 'United States', { start: false });
    us.env = { HOTLINE_STALL_MS: '3000' };
    await us.start();
    const cn = await h.party('CN', 'China');
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Maritime line' }, tier: 'military', parties: ['CN'] });
    h.step('freeze US data disk');
    execFileSync('fsfreeze', ['-f', dir]);
    frozen = true;
    const sent = await cn.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'FLASH while your disk is frozen', precedence: 'FLASH' });
    await waitFor('US to say TERMINAL_STALLED', () => us.log.includes('"code":"TERMINAL_STALLED"'), 30_000);
    await waitFor("CN's line to US down", async () => (await cn.status()).links.find((l) => l.code === 'US')?.state !== 'up', 90_000, 500);
    h.step('thaw');
    execFileSync('fsfreeze', ['-u', dir]);
    frozen = false;
    await waitFor('US to raise TERMINAL_RUNS_AGAIN', () => us.log.includes('"code":"TERMINAL_RUNS_AGAIN"'), 30_000);
    const got = await waitFor('the FLASH at US', async () => (await us.messages(id)).find((m: ApiMessage) => m.id === sent.id));
    expect(got.precedence).toBe('FLASH');
    await waitFor("CN's line to US up", async () => (await cn.status()).links.find((l) => l.code === 'US')?.state === 'up', 60_000, 500);
    await waitFor('the FLASH receipted by US', async () => {
      const m = (await cn.messages(id)).find((x: ApiMessage) => x.id === sent.id);
      return (m?.receiptedAt ?? null) !== null;
    });
    await us.stop();
  } finally {
    if (frozen) execFileSync('fsfreeze', ['-u', dir]);
    frozen = false;
    await h.cleanup().catch(() => {});
    execFileSync('umount', ['-l', dir]);
  }
}, 240_000);
