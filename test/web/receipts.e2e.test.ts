/**
 * Receipts per party in the console (MessageItem.tsx, receipts.ts), in Chromium against three real
 * terminals: US's FLASH to CN and RU while RU is stopped shows "received by CN" and "RU: not yet
 * received"; once RU is back, both received, updated by the receipt events without a reload.
 */
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, secretsOf, signedInConsole } from './console-kit.js';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('receipts per party (Chromium)', () => {
  it('shows which of the two other parties holds our FLASH, then both', { timeout: 180_000 }, async () => {
    const h = await Harness.create();
    const [us, cn, ru] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China'), h.party('RU', 'Russia')]);
    await h.pair(us, cn);
    await h.pair(us, ru);
    await h.pair(cn, ru);
    const { id } = await us.api<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Three-way line' }, tier: 'military', parties: ['CN', 'RU'], linkTestIntervalSec: 86_400 });
    for (const p of [cn, ru]) {
      await waitFor(`${p.code} to receive the proposal`, async () => (await p.channel(id).catch(() => undefined))?.state === 'proposed');
      await p.api('POST', `/api/v1/channels/${id}/accept`, {});
    }
    await waitFor('the channel to be active everywhere', async () => (await Promise.all([us, cn, ru].map((p) => p.channel(id)))).every((c) => c.state === 'active'));
    const secrets = secretsOf((await us.cli(['officer', 'add', 'Cdr Smith', '--title', 'Watch Officer', '--role', 'principal']).then(check('officer add'))).stdout);
    const { page, problems, close } = await signedInConsole(h, us, 'Cdr Smith', secrets);
    try {
      await page.getByRole('button', { name: /Three-way line/ }).first().click();
      await ru.stop();
      const text = 'FLASH to CN and RU: the exercise area is closed.';
      await us.cli(['send', id, text, '--precedence', 'FLASH', '--officer', 'Cdr Smith']).then(check('send'));
      const flash = page.locator('[data-testid=message]', { hasText: text });
      await flash.waitFor({ timeout: 15_000 });
      const party = (code: string) => flash.locator(`[data-testid=party-receipt][data-party=${code}]`);
      await waitFor('the console to show CN\'s receipt', async () => (await party('CN').getAttribute('data-received')) === 'yes', 20_000);
      expect(await party('CN').textContent()).toMatch(/received by CN \d\d:\d\d:\d\dZ/);
      expect(await party('RU').getAttribute('data-received')).toBe('no');
      expect(await party('RU').textContent()).toContain('RU: not yet received');
      expect(await flash.getByTestId('receipts').getAttribute('data-all')).toBe('no');
      await page.screenshot({ path: '/tmp/hotline-console-receipts-partial.png' });
      await ru.start();
      await waitFor('the console to show RU\'s receipt too', async () => (await party('RU').getAttribute('data-received')) === 'yes', 60_000);
      expect(await flash.getByTestId('receipts').getAttribute('data-all')).toBe('yes');
      expect(await party('RU').textContent()).toMatch(/received by RU \d\d:\d\d:\d\dZ/);
      await page.screenshot({ path: '/tmp/hotline-console-receipts-all.png' });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
