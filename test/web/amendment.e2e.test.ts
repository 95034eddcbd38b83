/**
 * A party added by amendment answers it in the console (Chromium, three real terminals): US and CN
 * hold a channel, US proposes adding RU. RU's plenipotentiary sees the channel in the list marked
 * "amendment: your answer", opens it, reads what the amendment changes ("adds party RU"), compares
 * and accepts; once CN has accepted too, RU is a member of the channel on every terminal. Then CN
 * removes RU again (with a note: the charter would otherwise be the proposal's), and RU's console
 * keeps the record, marked as left, with nothing to send from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, fillSignIn, secretsOf } from './console-kit.js';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('a party added by amendment, in the console (Chromium)', () => {
  it("shows RU the amendment that adds it, and RU accepts it from its console", { timeout: 180_000 }, async () => {
    if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
    const browser = chromiumLaunch(CHROMIUM);
    await ensureConsoleBuilt();
    const h = await Harness.create();
    const [us, cn, ru] = [await h.party('US', 'United States'), await h.party('CN', 'China'), await h.party('RU', 'Russia')];
    await Promise.all([h.pair(us, cn), h.pair(us, ru), h.pair(cn, ru)]);
    const id = await h.openChannel(us, cn, { title: { en: 'Strait line' }, tier: 'military', parties: ['CN'] });
    await us.api('POST', `/api/v1/channels/${id}/amend`, { addParties: ['RU'], reason: 'Third navy in the strait' });
    await waitFor('RU to hold the amendment', async () => (await ru.api<{ pendingAmendment?: unknown }>('GET', `/api/v1/channels/${id}`).catch(() => undefined))?.pendingAmendment, 30_000);
    const orlov = secretsOf((await ru.cli(['officer', 'add', 'Amb Orlov', '--title', 'Ambassador', '--role', 'plenipotentiary', 'duty-officer']).then(check('officer add'))).stdout);

    const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
    h.defer(() => rmSync(profile, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(`${ru.officerUrl}/console/`);
      await fillSignIn(page, 'Amb Orlov', orlov);
      await page.getByRole('button', { name: /Sign in/ }).click();
      const item = page.getByRole('button', { name: /Strait line/ });
      await item.waitFor({ timeout: 10_000 });
      expect(await item.getByTestId('amendment-badge').textContent()).toBe('amendment: your answer');
      await item.click();
      const charter = page.getByTestId('charter');
      const pending = charter.getByTestId('pending-amendment');
      await pending.waitFor({ timeout: 10_000 });
      expect(await pending.getByTestId('amendment-changes').textContent()).toContain('adds party RU');
      expect(await pending.textContent()).toContain('Reason: Third navy in the strait');
      // Not yet a member: no suspend or close, only the answer; nothing to send with yet (no role).
      expect(await charter.getByTestId('charter-suspend').count()).toBe(0);
      expect(await page.getByTestId('composer').count()).toBe(0);
      const accept = charter.getByTestId('charter-accept');
      expect(await accept.isDisabled()).toBe(true);
      // (ticked again should the panel re-render under the click as the channel's entries arrive)
      const box = charter.getByTestId('compared');
      await waitFor('the comparison ticked', async () => (await box.isChecked()) || ((await box.click()), false), 10_000, 300);
      await page.screenshot({ path: '/tmp/hotline-console-joining.png', fullPage: true });
      await accept.click();
      await waitFor('US to hold RU\'s acceptance', async () => !(await us.api<{ pendingAmendment?: { awaiting: string[] } }>('GET', `/api/v1/channels/${id}`)).pendingAmendment?.awaiting.includes('RU'), 20_000);
      await cn.api('POST', `/api/v1/channels/${id}/accept`, {});
      for (const p of [us, cn, ru]) {
        await waitFor(`${p.code} to list RU a member`, async () => (await p.api<{ parties: Array<{ code: string }> }>('GET', `/api/v1/channels/${id}`)).parties.some((x) => x.code === 'RU'), 30_000);
      }
      await waitFor('the badge to go from RU\'s list', async () => (await item.getByTestId('amendment-badge').count()) === 0, 20_000);
      await page.getByTestId('composer').waitFor({ timeout: 10_000 });

      // CN proposes removing RU: that gives back the charter of the proposal, which answers would
      // take for the proposal's (§5.3), so it is refused until a note tells the charters apart.
      const bare = await cn.apiRaw('POST', `/api/v1/channels/${id}/amend`, { removeParties: ['RU'], reason: 'Exercise over' });
      expect([bare.status, bare.text]).toEqual([400, expect.stringMatching(/exactly the one it was proposed with.*note/)]);
      await cn.api('POST', `/api/v1/channels/${id}/amend`, { removeParties: ['RU'], note: 'US and CN again, after the exercise', reason: 'Exercise over' });
      await waitFor('RU to hold its removal', async () => (await ru.api<{ pendingAmendment?: unknown }>('GET', `/api/v1/channels/${id}`)).pendingAmendment, 30_000);
      await us.api('POST', `/api/v1/channels/${id}/accept`, {});
      expect((await ru.apiRaw('POST', `/api/v1/channels/${id}/accept`, {}, { 'x-hotline-officer': 'Amb Orlov' })).status).toBe(200);
      // RU's console keeps the channel's record and says RU left: no composer, a mark in the list.
      const left = page.getByTestId('channel-left');
      await waitFor('RU\'s console to show that RU left', async () => (await left.count()) > 0 || (await page.reload(), await item.click().catch(() => undefined), false), 30_000, 1_000);
      expect(await left.textContent()).toMatch(/no longer in this channel: the amendment of .* proposed by CN \("Exercise over"\)/);
      expect(await page.getByTestId('composer').count()).toBe(0);
      expect(await item.getByTestId('left-badge').textContent()).toBe('left');
      await page.screenshot({ path: '/tmp/hotline-console-left.png', fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
