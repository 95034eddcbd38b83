/**
 * Starting a terminal on data or ports that another process holds (#14 2b, 2c): a second
 * `hotline serve` on the same data directory would sign with the same sequence numbers, and its
 * peers would keep that as evidence of equivocation against the party forever. It must refuse, name
 * the process that holds the data, and exit; so must a terminal whose port is taken.
 */
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

describe('e2e: starting a terminal', () => {
  it('refuses a second terminal on the same data directory, naming the first, and exits non-zero', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    const pid = us.proc!.pid!;
    // Other ports, same data: only the lock stops it.
    const second = await h.cli(['serve', '--data', us.dir, '--officer-port', '0', '--federation-port', '0'], { timeoutMs: 20_000 });
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBe(128); // it exited by itself, not killed by the timeout
    expect(second.stderr).toMatch(/Another terminal already runs/);
    expect(second.stderr).toContain(`process ${pid}`);
    expect(second.stderr).toContain(us.officerUrl.replace('http://', ''));
    expect(second.stderr).not.toMatch(/This is a bug/);
    // The first one still serves, and after it stops the data is free again.
    expect((await fetch(`${us.officerUrl}/healthz`)).ok).toBe(true);
    await us.stop();
    await us.start();
  });

  it('says which port is taken and which option changes it, and exits non-zero', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States', { start: false });
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(us.officerPort, '127.0.0.1', r));
    try {
      const r = await h.cli(['serve', '--data', us.dir], { timeoutMs: 20_000 });
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBe(128);
      expect(r.stderr).toContain(`127.0.0.1:${us.officerPort} is already in use`);
      expect(r.stderr).toContain('--officer-port');
      expect(r.stderr).not.toMatch(/This is a bug/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    // The failed start left nothing held: the terminal starts on the same data.
    await us.start();
  });

  it('says the credential is missing, not that no terminal answers, when officer.token is gone', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    await rm(join(us.dir, 'officer.token'));
    const r = await us.cli(['status']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('runs, but its host credential');
    expect(r.stderr).not.toMatch(/no terminal answers/);
  });
});
