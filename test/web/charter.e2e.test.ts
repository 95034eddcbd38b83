/**
 * Charter actions in the console (#15 item 9), in Chromium against two real terminals: a
 * plenipotentiary of US proposes a channel (titles in two languages, tier, the other party,
 * deadlines, link-test interval); CN's plenipotentiary sees the exact terms and the same charter
 * hash, compares the fingerprints, accepts; then suspends it with a reason that both sides' state
 * history shows. A duty officer is offered no charter action.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, fillSignIn, secretsOf } from './console-kit.js';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('charter actions in the console (Chromium)', () => {
  it('proposes a channel at US, accepts it at CN after comparing the charter hash, suspends it with a reason', { timeout: 180_000 }, async () => {
    if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
    const browser = chromiumLaunch(CHROMIUM);
    await ensureConsoleBuilt();
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const reed = secretsOf((await us.cli(['officer', 'add', 'Amb Reed', '--title', 'Ambassador', '--role', 'plenipotentiary']).then(check('officer add'))).stdout);
    const wang = secretsOf((await cn.cli(['officer', 'add', 'Amb Wang', '--title', 'Ambassador', '--role', 'plenipotentiary']).then(check('officer add'))).stdout);
    const zhou = secretsOf((await cn.cli(['officer', 'add', 'Lt Zhou', '--title', 'Duty Officer', '--role', 'duty-officer']).then(check('officer add'))).stdout);

    const contexts: BrowserContext[] = [];
    const problems: string[] = [];
    const open = async (url: string): Promise<Page> => {
      const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
      h.defer(() => rmSync(profile, { recursive: true, force: true }));
      const context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(`${url}/console/`);
      return page;
    };
    try {
      // US proposes.
      const atUs = await open(us.officerUrl);
      await fillSignIn(atUs, 'Amb Reed', reed);
      await atUs.getByRole('button', { name: /Sign in/ }).click();
      await atUs.getByTestId('propose-open').click();
      const form = atUs.getByTestId('propose-form');
      // The officer's language comes first (English here); the second language is typed in.
      await form.locator('input[name="title-en"]').fill('Maritime incidents');
      await form.locator('input[name="lang-1"]').fill('zh');
      await form.locator('input[name="title-zh"]').fill('海上事件');
      await form.locator('select[name=tier]').selectOption('military');
      await form.locator('input[name="party-CN"]').check();
      await form.locator('input[name="deadline-FLASH"]').fill('120');
      await form.locator('input[name=interval]').fill('600');
      await atUs.screenshot({ path: '/tmp/hotline-console-propose.png' });
      await form.getByTestId('propose-submit').click();
      const usCharter = atUs.getByTestId('charter');
      await usCharter.waitFor({ timeout: 10_000 });
      const hash = (await usCharter.getByTestId('charter-hash').textContent())!.replace(/\s/g, '');
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      // The proposer may withdraw, not accept.
      expect(await usCharter.getByTestId('charter-withdraw').count()).toBe(1);
      expect(await usCharter.getByTestId('charter-accept').count()).toBe(0);
      const channel = await waitFor('CN to hold the proposal', async () => ((await cn.api<Array<{ id: string; state: string }>>('GET', '/api/v1/channels')).find((c) => c.state === 'proposed'))?.id);

      // A duty officer at CN sees the proposal and no charter action.
      const atCn = await open(cn.officerUrl);
      await fillSignIn(atCn, 'Lt Zhou', zhou);
      await atCn.getByRole('button', { name: /Sign in/ }).click();
      await atCn.getByRole('button', { name: /Maritime incidents/ }).click();
      await atCn.getByTestId('charter').waitFor({ timeout: 10_000 });
      expect(await atCn.locator('button[data-testid^="charter-"]').count()).toBe(0);
      expect(await atCn.getByTestId('propose-open').count()).toBe(0);
      await atCn.getByRole('button', { name: /Sign out/ }).click();

      // CN's plenipotentiary: the same hash, the terms, the comparison step, then Accept.
      await fillSignIn(atCn, 'Amb Wang', wang);
      await atCn.getByRole('button', { name: /Sign in/ }).click();
      await atCn.getByRole('button', { name: /Maritime incidents/ }).click();
      const cnCharter = atCn.getByTestId('charter');
      await cnCharter.waitFor({ timeout: 10_000 });
      expect((await cnCharter.getByTestId('charter-hash').textContent())!.replace(/\s/g, '')).toBe(hash);
      const terms = await cnCharter.textContent();
      for (const t of ['Maritime incidents', '海上事件', 'military', 'FLASH 120 s', '600 s']) expect(terms).toContain(t);
      const accept = cnCharter.getByTestId('charter-accept');
      expect(await accept.isDisabled()).toBe(true);
      await cnCharter.getByTestId('compared').check();
      await atCn.screenshot({ path: '/tmp/hotline-console-charter-review.png', fullPage: true });
      await accept.click();
      await waitFor('the channel active at US', async () => (await us.api<{ state: string }>('GET', `/api/v1/channels/${channel}`)).state === 'active', 20_000);

      // CN's own fingerprint stands next to the peers' in its charter panel.
      const own = (await cn.api<{ fingerprint: string }>('GET', '/api/v1/status')).fingerprint;
      await waitFor('CN to show its own fingerprint', async () => ((await cnCharter.textContent()) ?? '').includes(own), 10_000);

      // US proposes an amendment (protocol version 2): CN's panel shows it pending, with Accept and Decline; CN accepts.
      await us.cli(['channel', 'amend', channel, '--protocol', '2', '--officer', 'Amb Reed', '--reason', 'Body commitments']).then(check('amend'));
      await waitFor('CN to hold the amendment', async () => (await cn.api<{ pendingAmendment?: unknown }>('GET', `/api/v1/channels/${channel}`)).pendingAmendment !== undefined, 20_000);
      await atCn.reload();
      await atCn.getByRole('button', { name: /Maritime incidents/ }).click();
      const pending = atCn.getByTestId('pending-amendment');
      await pending.waitFor({ timeout: 10_000 });
      expect(await pending.textContent()).toMatch(/proposed by US/);
      // What it changes, and why, before anyone answers it.
      expect(await pending.getByTestId('amendment-changes').textContent()).toContain('protocol version 1 → 2');
      expect(await pending.textContent()).toMatch(/Reason: Body commitments.*Awaiting the answers of CN/);
      expect(await cnCharter.getByTestId('charter-decline').count()).toBe(1);
      // Its proposer is offered Withdraw, not Accept or Decline.
      await atUs.reload();
      await atUs.getByRole('button', { name: /Maritime incidents/ }).click();
      await atUs.getByTestId('pending-amendment').waitFor({ timeout: 10_000 });
      expect(await atUs.getByTestId('charter').getByTestId('charter-withdraw').count()).toBe(1);
      expect(await atUs.getByTestId('charter').getByTestId('charter-accept').count()).toBe(0);
      await cnCharter.getByTestId('compared').check();
      await cnCharter.getByTestId('charter-accept').click();
      await waitFor('the amendment adopted at US', async () => (await us.api<{ charter: { protocol?: number }; pendingAmendment?: unknown }>('GET', `/api/v1/channels/${channel}`)).pendingAmendment === undefined, 20_000);
      await pending.waitFor({ state: 'detached', timeout: 10_000 });

      // US's plenipotentiary proposes another from the console: a shorter FLASH deadline. Only what
      // changes is sent, and CN's panel words it.
      await atUs.reload();
      await atUs.getByRole('button', { name: /Maritime incidents/ }).click();
      // The charter panel is folded while nothing awaits an answer: the officer opens it.
      await atUs.getByTestId('charter').locator('summary').click({ timeout: 10_000 });
      await atUs.getByTestId('amend-open').click({ timeout: 10_000 });
      const amendForm = atUs.getByTestId('amend-form');
      expect(await amendForm.getByTestId('amend-submit').isDisabled()).toBe(true);
      await amendForm.locator('input[name="amend-deadline-FLASH"]').fill('90');
      await amendForm.locator('input[name="amend-note"]').fill('FLASH window of the June talks');
      // A third language, with its title (the row's title input takes the tag's name once typed).
      await amendForm.getByRole('button', { name: 'Add a language' }).click();
      await amendForm.locator('input[name^="lang-"]').last().fill('ru');
      await amendForm.locator('input[name="title-ru"]').fill('Морские инциденты');
      await amendForm.locator('input[name="roles-CN-observer"]').click(); // whatever CN held, observer flips
      await amendForm.locator('input[name="amend-reason"]').fill('Agreed at the June talks');
      await amendForm.getByTestId('amend-submit').click();
      await atUs.getByTestId('pending-amendment').waitFor({ timeout: 10_000 });
      await waitFor('CN to hold the deadline amendment', async () => (await cn.api<{ pendingAmendment?: { changes: unknown[]; reason: string } }>('GET', `/api/v1/channels/${channel}`)).pendingAmendment?.reason === 'Agreed at the June talks', 20_000);
      await atCn.reload();
      await atCn.getByRole('button', { name: /Maritime incidents/ }).click();
      await atCn.getByTestId('pending-amendment').waitFor({ timeout: 10_000 });
      const changes = await atCn.getByTestId('amendment-changes').textContent();
      expect(changes).toContain('FLASH acknowledgement deadline: 120 s → 90 s');
      expect(changes).toContain('note: FLASH window of the June talks');
      expect(changes).toContain('adds language ru');
      expect(changes).toContain('title [ru]');
      expect(changes).toMatch(/CN's roles: .* → /);
      await atCn.screenshot({ path: '/tmp/hotline-console-amendment.png', fullPage: true });

      // Suspended at CN with a reason; both histories show it.
      await cnCharter.getByTestId('charter-suspend').click({ timeout: 10_000 });
      await cnCharter.locator('input[name=reason]').fill('Maintenance of the CN terminal, back at 1400Z');
      await cnCharter.getByTestId('charter-confirm').click();
      await waitFor('the suspension in CN history', async () => (await cnCharter.getByTestId('history').textContent())?.includes('Maintenance of the CN terminal') === true, 10_000);
      await waitFor('the suspension at US', async () => (await us.api<Array<{ kind: string; code: string; reason?: string }>>('GET', `/api/v1/channels/${channel}/history`)).some((x) => x.kind === 'channel.suspend' && x.code === 'CN' && x.reason?.startsWith('Maintenance') === true), 20_000);
      const kinds = (await us.api<Array<{ kind: string }>>('GET', `/api/v1/channels/${channel}/history`)).map((x) => x.kind);
      expect(kinds[0]).toBe('charter.propose');
      expect(kinds).toContain('charter.accept');
      expect(kinds[kinds.length - 1]).toBe('channel.suspend');
      await atCn.screenshot({ path: '/tmp/hotline-console-charter.png', fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});
