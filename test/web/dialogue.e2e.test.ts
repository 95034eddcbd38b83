/**
 * The Dialogue tab (#16 item 5) in Chromium against two real terminals: CN acts from the command
 * line; US's plenipotentiary, signed in to the console, sees CN's position and states US's side
 * by side, accepts CN's meeting, sees the joint text's diff and endorses it (adopted once CN
 * endorses the same version, shown live), and confirms the commitment CN marked done.
 */
import { describe, expect, it } from 'vitest';
import { check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, consoleSetup, fillSignIn } from './console-kit.js';

const OFFICER = 'Jane Doe';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('console: the Dialogue tab (Chromium)', () => {
  it('shows positions side by side, accepts a meeting, endorses a joint text with its diff and amends it in the editor, confirms a commitment', { timeout: 240_000 }, async () => {
    const { a: us, b: cn, channel, secrets, page, problems, close } = await consoleSetup({
      parties: [['US', 'United States'], ['CN', 'China']],
      channel: { title: { en: 'Senior dialogue', zh: '高层对话' }, tier: 'ministerial', parties: ['CN'], linkTestIntervalSec: 86_400 },
      officers: [{ at: 'a', name: OFFICER, title: 'Secretary of State', role: 'plenipotentiary' }],
      viewport: { width: 1280, height: 1000 },
      locale: 'en-US',
    });
    const { password, totpSecret } = secrets[OFFICER]!;
    try {
      // CN puts things on the table.
      const issue = (await cn.cli(['issue', 'open', channel, '--category', 'trade', '--title', 'en=Trade', '--title', 'zh=贸易']).then(check('issue'))).stdout.trim();
      await cn.cli(['issue', 'position', channel, issue, '关税问题需要对等。', '--lang', 'zh']).then(check('position'));
      const meeting = (await cn.cli(['meeting', 'propose', channel, '--title', 'en=Working call', '--kind', 'call', '--level', 'working', '--start', '+1d', '--end', '+25h', '--place', 'Telephone', '--zone', 'US=America/New_York', '--zone', 'CN=Asia/Shanghai', '--agenda', issue]).then(check('meeting'))).stdout.trim();
      expect(meeting).toMatch(/^[0-9a-f]{64}$/);
      const text = (await cn.cli(['text', 'draft', channel, '--title', 'en=Joint statement', '--text', 'en=The sides met.']).then(check('draft'))).stdout.trim();
      await cn.cli(['text', 'amend', channel, text, '--text', 'en=The sides met and talked.']).then(check('amend'));
      const commitment = (await cn.cli(['commitment', 'add', channel, '--owner', 'CN', '--what', 'Name a point of contact.', '--due', '+7d']).then(check('commitment'))).stdout.trim();
      await cn.cli(['commitment', 'update', channel, commitment, '--status', 'done', '--note', 'Director Chen.']).then(check('done'));
      await waitFor('US to hold it all', async () => (await us.api<{ commitments: Array<{ status: string }> }>('GET', `/api/v1/channels/${channel}/dialogue`)).commitments[0]?.status === 'done');

      await page.goto(`${us.officerUrl}/console/`);
      await fillSignIn(page, OFFICER, { password, totpSecret });
      await page.getByRole('button', { name: /Sign in/ }).click();
      await page.getByRole('button', { name: /Sign out/ }).waitFor({ timeout: 15_000 });
      await page.getByText(/live/).first().waitFor({ timeout: 15_000 });
      await page.getByTestId('tab-dialogue').click();

      // Issues: CN's position, then ours beside it.
      const positions = page.getByTestId('position');
      await positions.first().waitFor({ timeout: 15_000 });
      expect(await page.locator('[data-testid=position][data-party=CN]').innerText()).toContain('关税问题需要对等。');
      await page.getByTestId('issue').first().locator('textarea').fill('Tariffs must fall on both sides.');
      await page.getByTestId('issue').first().getByRole('button', { name: 'State our position' }).click();
      await page.locator('[data-testid=position][data-party=US]', { hasText: 'Tariffs must fall' }).waitFor({ timeout: 15_000 });

      // A new issue from the console, titled in the channel's languages.
      await page.getByText('Open an issue').first().click();
      await page.getByTestId('new-issue').locator('input[name=title-en]').fill('Fisheries');
      await page.getByTestId('new-issue').locator('input[name=title-zh]').fill('渔业');
      await page.getByTestId('new-issue').locator('select[name=category]').selectOption('maritime');
      await page.getByTestId('new-issue').getByRole('button', { name: 'Open an issue' }).click();
      await page.getByTestId('issue').filter({ hasText: 'Fisheries' }).waitFor({ timeout: 15_000 });

      // The meeting: accepted from the console, local times shown.
      expect(await page.getByTestId('meeting').innerText()).toContain('Asia/Shanghai');
      await page.getByTestId('meeting').getByRole('button', { name: 'Accept' }).click();
      await page.getByTestId('meeting-status').filter({ hasText: 'accepted' }).waitFor({ timeout: 15_000 });

      // The joint text: the diff to version 1, endorsed by us; adopted once CN endorses the same version.
      expect(await page.getByTestId('diff').locator('ins').innerText()).toContain('and talked');
      await page.getByRole('button', { name: 'Endorse version 2' }).click();
      await page.getByTestId('version').filter({ hasText: 'endorsed by: US' }).waitFor({ timeout: 15_000 });
      await cn.cli(['text', 'endorse', channel, text]).then(check('CN endorse'));
      await page.getByTestId('adopted').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('adopted').innerText()).toContain('version 2');
      // The editor: a version 3 from the console; version 2 stays the adopted one until all endorse 3.
      await page.getByText('Amend: propose version 3').click();
      await page.getByTestId('text-editor').locator('textarea[name=content-en]').fill('The sides met, talked and agreed to meet again.');
      await page.getByRole('button', { name: 'Save as version 3' }).click();
      await page.getByTestId('version').nth(2).waitFor({ timeout: 15_000 });
      expect((await page.getByTestId('diff').locator('ins').allInnerTexts()).join('')).toContain('agreed to meet again');
      expect(await page.getByTestId('adopted').innerText()).toContain('version 2');

      // The commitment CN marked done: confirmed from the console.
      await page.getByTestId('commitment').getByRole('button', { name: 'Confirm done' }).click();
      await page.getByTestId('commitment-status').filter({ hasText: 'confirmed' }).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: '/tmp/hotline-console-dialogue.png', fullPage: true });
      const signed = await us.api<{ issues: Array<{ current: Array<{ by: { name: string; role: string } }> }> }>('GET', `/api/v1/channels/${channel}/dialogue`);
      expect(signed.issues[0]!.current[0]!.by).toMatchObject({ name: OFFICER, role: 'plenipotentiary' });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
