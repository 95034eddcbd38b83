/**
 * Who spoke, and a send form that prevents mistakes (#15 items 7 and 10), in Chromium at phone
 * size (390x844) against two real terminals: the FLASH and its Acknowledge button are visible
 * without scrolling; acknowledged with a note; every acknowledgement listed with its officer; a
 * reply quotes the message it answers (a click scrolls to it) and shows who signed it; what was
 * just sent goes sent → receipted → acknowledged; the precedence is back to ROUTINE after a send.
 */
import { describe, expect, it } from 'vitest';
import { check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, consoleSetup, fillSignIn } from './console-kit.js';

interface Seen {
  id: string;
  text: string;
  replyTo: string | null;
  signedBy?: { name: string; title: string };
  acks?: Array<{ code: string; officer: { name: string; title: string }; note?: string }>;
}

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('who spoke, at phone size (Chromium)', () => {
  it('shows the signer, every acknowledgement, the quoted message a reply answers, and the state of what was sent', { timeout: 180_000 }, async () => {
    const { a: us, b: cn, channel, secrets, page, problems, close } = await consoleSetup({
      parties: [['US', 'United States'], ['CN', 'China']],
      channel: { title: { en: 'Air incidents' }, tier: 'military', parties: ['CN'], ackDeadlineSec: { FLASH: 600 }, linkTestIntervalSec: 86_400 },
      officers: [
        { at: 'b', name: 'Lt Zhou', title: 'Duty Officer', role: 'duty-officer' },
        { at: 'b', name: 'Maj Li', title: 'Watch Chief', role: 'duty-officer' },
        { at: 'a', name: 'Cdr Smith', title: 'Watch Officer', role: 'principal' },
      ],
      viewport: { width: 390, height: 844 },
      mobile: true,
    });
    const zhou = secrets['Lt Zhou']!;
    try {
      const text = 'Unidentified aircraft closing on your patrol: respond.';
      await us.cli(['send', channel, text, '--precedence', 'FLASH', '--officer', 'Cdr Smith']).then(check('send'));
      await waitFor('CN to hold the FLASH', async () => (await cn.messages(channel)).some((m) => m.text === text));
      await page.goto(`${cn.officerUrl}/console/`);
      // The cursor is in the name field at once.
      await page.getByTestId('signin-party').waitFor({ timeout: 5000 });
      expect(await page.evaluate<string | null>("document.activeElement?.getAttribute('name') ?? null")).toBe('name');
      await fillSignIn(page, 'Lt Zhou', zhou);
      await page.getByRole('button', { name: /Sign in/ }).click();

      // Phone width: the newest FLASH and its Acknowledge button are on screen without scrolling.
      const banner = page.getByTestId('flash-banner');
      await banner.waitFor({ timeout: 5000 });
      expect(await banner.textContent()).toContain(text);
      const ack = page.getByTestId('banner-ack');
      const box = await ack.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height).toBeLessThanOrEqual(844);
      expect(await page.evaluate<number>('window.scrollY')).toBe(0);
      await page.screenshot({ path: '/tmp/hotline-console-phone-flash.png' });

      // Who signed the FLASH; acknowledged with a note from the message itself.
      await page.getByRole('button', { name: /Air incidents/ }).first().click();
      const flash = page.locator('[data-testid=message]', { hasText: text });
      await flash.waitFor({ timeout: 10_000 });
      expect(await flash.getByTestId('signed-by').textContent()).toContain('Cdr Smith (Watch Officer)');
      await flash.getByRole('button', { name: /Note and acknowledge/ }).click();
      await flash.getByLabel(/Note/).fill('Patrol turning away; calling back.');
      await flash.locator('form.ack-note').getByRole('button', { name: /^Acknowledge$/ }).click();
      await flash.getByTestId('ack-note').waitFor({ timeout: 10_000 });
      // A second officer acknowledges too: both are listed, each with their officer.
      const flashId = (await cn.messages(channel)).find((m) => m.text === text)!.id;
      await cn.cli(['ack', flashId, '--officer', 'Maj Li']).then(check('second ack'));
      await waitFor('both acknowledgements listed', async () => (await flash.getByTestId('acked').count()) === 2, 15_000);
      const acks = (await flash.getByTestId('acked').allTextContents()).join('\n');
      expect(acks).toContain('Lt Zhou (Duty Officer), CN');
      expect(acks).toContain('Maj Li (Watch Chief), CN');
      // US sees both, with the note.
      await waitFor('US to hold both acknowledgements', async () => ((await us.messages(channel)) as unknown as Seen[]).find((m) => m.text === text)?.acks?.length === 2);
      const atUs = ((await us.messages(channel)) as unknown as Seen[]).find((m) => m.text === text)!;
      expect(atUs.signedBy?.name).toBe('Cdr Smith');
      expect(atUs.acks!.map((a) => [a.code, a.officer.name, a.note ?? null])).toEqual([
        ['CN', 'Lt Zhou', 'Patrol turning away; calling back.'],
        ['CN', 'Maj Li', null],
      ]);

      // A reply, sent as PRIORITY: the form is back to ROUTINE after it; the state goes sent → receipted.
      await flash.getByRole('button', { name: /^Reply/ }).click();
      const reply = 'Our patrol is turning north now.';
      await page.locator('#composer').fill(reply);
      await page.getByLabel(/Precedence/).selectOption('PRIORITY');
      await page.getByRole('button', { name: /^Send$/ }).click();
      const state = page.getByTestId('sent-state');
      await state.waitFor({ timeout: 10_000 });
      expect(await page.getByLabel(/Precedence/).inputValue()).toBe('ROUTINE');
      await waitFor('the reply receipted', async () => (await state.getAttribute('data-step')) === 'receipted' || (await state.getAttribute('data-step')) === 'acknowledged', 20_000);
      const replyId = await waitFor('US to hold the reply', async () => ((await us.messages(channel)) as unknown as Seen[]).find((m) => m.text === reply));
      expect(replyId.replyTo).toBe(flashId);
      expect(replyId.signedBy?.name).toBe('Lt Zhou');
      await us.cli(['ack', replyId.id, '--officer', 'Cdr Smith']).then(check('US acks the reply'));
      await waitFor('the reply acknowledged', async () => (await state.getAttribute('data-step')) === 'acknowledged', 20_000);
      expect(await state.textContent()).toContain('Cdr Smith');

      // The reply quotes the FLASH it answers; a click brings the FLASH into view.
      const mine = page.locator('[data-testid=message]', { hasText: reply });
      expect(await mine.getByTestId('signed-by').textContent()).toContain('Lt Zhou');
      const quote = mine.getByTestId('answers');
      expect(await quote.textContent()).toContain(text.slice(0, 40));
      await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
      await quote.getByRole('link').click();
      await waitFor('the FLASH in view', async () => {
        const b = await page.locator(`#msg-${flashId}`).boundingBox();
        return b !== null && b.y >= 0 && b.y < 844;
      }, 5000);
      await page.screenshot({ path: '/tmp/hotline-console-phone-reply.png', fullPage: false });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
