/**
 * Verify a file in the browser (#15 item 12), in Chromium against real terminals: US and CN
 * exchange messages (a FLASH acknowledged by CN); `hotline export` writes the bundle and `hotline
 * prove` the proof of the FLASH; the console at #verify (no sign-in) verifies each file in a Web
 * Worker and renders the report; its verdict equals `hotline verify`'s for the valid files and for
 * tampered ones (same code), the fingerprints shown are the CLI's, nothing is sent to the terminal,
 * and the view has no serious or critical accessibility violation. Then an API error on the sign-in
 * page: the API's message in English, the catalogue's for its code in Chinese.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt } from './console-kit.js';

const zh = JSON.parse(readFileSync(new URL('../../src/web/locales/zh.json', import.meta.url), 'utf8')) as {
  errors: Record<string, string>;
};

interface CliVerdict {
  valid: boolean;
  code: string;
  fingerprints: string[];
}

/** Drops a file on the drop zone as a browser does (a DataTransfer with the file). */
async function dropFile(page: Page, name: string, content: string): Promise<void> {
  const transfer = await page.evaluateHandle(`(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([${JSON.stringify(content)}], ${JSON.stringify(name)}, { type: 'application/octet-stream' }));
    return dt;
  })()`);
  await page.getByTestId('verify-drop').dispatchEvent('drop', { dataTransfer: transfer });
}

async function verdictOf(page: Page, name: string): Promise<{ valid: boolean; code: string }> {
  const verdict = page.getByTestId('verify-verdict');
  await page
    .locator(`[data-testid=verify-verdict]:has-text(${JSON.stringify(name)})`)
    .waitFor({ timeout: 20_000 });
  return {
    valid: (await verdict.getAttribute('data-valid')) === 'true',
    code: (await verdict.getAttribute('data-code')) ?? '',
  };
}

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)(
  'verify a bundle or a proof in the browser (Chromium)',
  () => {
    it(
      'gives the CLI verdict on exported and tampered bundles and proofs, in a worker, with the report',
      { timeout: 240_000 },
      async () => {
        if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
        const browser = chromiumLaunch(CHROMIUM);
        await ensureConsoleBuilt();
        const h = await Harness.create();
        const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
        await h.pair(us, cn);
        const channel = await h.openChannel(us, cn, {
          title: { en: 'Crisis line', zh: '危机热线' },
          tier: 'military',
          parties: ['CN'],
          linkTestIntervalSec: 86_400,
        });
        const flash = await us.api<{ id: string }>('POST', `/api/v1/channels/${channel}/messages`, {
          text: 'Unannounced launch at 0312Z: not directed at you.',
          precedence: 'FLASH',
        });
        await us.api('POST', `/api/v1/channels/${channel}/messages`, {
          text: 'Routine position report 例行位置报告',
          precedence: 'ROUTINE',
        });
        await waitFor('CN to hold both', async () => (await cn.messages(channel)).length >= 2);
        await cn.api('POST', `/api/v1/messages/${flash.id}/ack`, { note: 'Understood' });
        await waitFor('US to hold the receipt and the acknowledgement', async () => {
          const m = (await us.messages(channel)).find((x) => x.id === flash.id);
          return m?.receiptedAt != null && m.ackedAt != null;
        });

        h.step('export the bundle, prove the FLASH, tamper with copies; hotline verify on each');
        const files: Record<string, string> = {};
        const bundlePath = join(h.root, 'crisis-line.jsonl');
        await us.cli(['export', channel], { stdoutFile: bundlePath }).then(check('export'));
        files['crisis-line.jsonl'] = readFileSync(bundlePath, 'utf8');
        const proofPath = join(h.root, 'flash-proof.json');
        await us.cli(['prove', flash.id.slice(0, 12)], { stdoutFile: proofPath }).then(check('prove'));
        files['flash-proof.json'] = readFileSync(proofPath, 'utf8');
        files['tampered-bundle.jsonl'] = files['crisis-line.jsonl']!.replace('0312Z', '0313Z');
        files['tampered-proof.json'] = files['flash-proof.json']!.replace('0312Z', '0313Z');
        files['truncated.jsonl'] = files['crisis-line.jsonl']!.slice(0, -1);
        expect(files['tampered-bundle.jsonl']).not.toBe(files['crisis-line.jsonl']);
        const cli: Record<string, CliVerdict> = {};
        for (const [name, content] of Object.entries(files)) {
          const path = join(h.root, `cli-${name}`);
          writeFileSync(path, content);
          const r = await h.cli(['verify', path, '--json']);
          const json = JSON.parse(r.stdout) as {
            valid: boolean;
            firstError?: { code: string } | null;
            error?: { code: string };
            parties?: Array<{ fingerprint: string }>;
          };
          cli[name] = {
            valid: json.valid,
            code: json.firstError?.code ?? json.error?.code ?? '',
            fingerprints: (json.parties ?? []).map((p) => p.fingerprint),
          };
          expect(r.code, `${name}: ${r.stderr}`).toBe(json.valid ? 0 : 1);
        }
        expect(cli['crisis-line.jsonl']!.valid && cli['flash-proof.json']!.valid).toBe(true);
        expect(
          cli['tampered-bundle.jsonl']!.valid ||
            cli['tampered-proof.json']!.valid ||
            cli['truncated.jsonl']!.valid,
        ).toBe(false);

        const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
        h.defer(() => rmSync(profile, { recursive: true, force: true }));
        let context: BrowserContext | undefined;
        try {
          context = await chromium.launchPersistentContext(profile, {
            executablePath: browser.executablePath,
            env: { ...process.env, ...browser.env },
            headless: true,
            args: [...CHROMIUM_ARGS],
            viewport: { width: 1280, height: 900 },
            locale: 'en-US',
          });
          const page = context.pages()[0] ?? (await context.newPage());
          const problems: string[] = [];
          page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
          const workers: string[] = [];
          page.on('worker', (w) => workers.push(w.url()));
          await page.goto(`${us.officerUrl}/console/#verify`);
          await page.getByTestId('verify-drop').waitFor({ timeout: 15_000 });
          const sent: string[] = [];
          page.on('request', (r) => {
            if (r.url().includes('/api/') || r.method() !== 'GET') sent.push(`${r.method()} ${r.url()}`);
          });

          h.step(
            'the exported bundle, dropped: VALID, with the messages, the acknowledgement and the CLI fingerprints',
          );
          await dropFile(page, 'crisis-line.jsonl', files['crisis-line.jsonl']!);
          expect(await verdictOf(page, 'crisis-line.jsonl')).toEqual({ valid: true, code: '' });
          const report = page.getByTestId('verify-report');
          await expect.poll(() => report.innerText()).toContain('Unannounced launch at 0312Z');
          const flashRow = page.getByTestId('verify-message').filter({ hasText: 'Unannounced launch' });
          expect(await flashRow.innerText()).toMatch(/FLASH[\s\S]*CN[\s\S]*CN/); // receipted by CN and acknowledged by CN
          expect(await page.getByTestId('verify-fingerprint').allInnerTexts()).toEqual(
            cli['crisis-line.jsonl']!.fingerprints,
          );
          expect(workers.length, 'the verification ran in a Web Worker').toBeGreaterThan(0);
          await page.getByTestId('verify-verdict').scrollIntoViewIfNeeded();
          await page.screenshot({ path: '/tmp/hotline-console-verify.png', fullPage: true });
          const axe = await new AxeBuilder({ page }).analyze();
          expect(
            axe.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`),
          ).toEqual([]);

          h.step('each other file, chosen with the file picker: the CLI verdict and code');
          for (const name of [
            'flash-proof.json',
            'tampered-bundle.jsonl',
            'tampered-proof.json',
            'truncated.jsonl',
          ]) {
            await page
              .getByTestId('verify-file')
              .setInputFiles({
                name,
                mimeType: 'application/octet-stream',
                buffer: Buffer.from(files[name]!, 'utf8'),
              });
            expect(await verdictOf(page, name), name).toEqual({
              valid: cli[name]!.valid,
              code: cli[name]!.code,
            });
            if (!cli[name]!.valid)
              expect(await page.getByTestId('verify-error').innerText()).toContain(cli[name]!.code);
          }
          expect(sent, 'nothing of the files went to the terminal').toEqual([]);

          h.step(
            "an API error shown on the sign-in page is the catalogue's message for its code (#15 item 5)",
          );
          await page.getByTestId('verify-back').click();
          await page.getByLabel(/Officer name/).fill('Nobody');
          await page.getByLabel(/Password/).fill('wrong password');
          await page.getByLabel(/6-digit code/).fill('123456');
          await page.getByRole('button', { name: /Sign in/ }).click();
          await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/attempt\(s\) left/); // English: the API's own message
          await page.getByTestId('language').selectOption('zh');
          await page.getByRole('button', { name: '登录' }).click();
          await expect.poll(() => page.getByRole('alert').innerText()).toBe(zh.errors.AUTH_FAILED);
          expect(problems).toEqual([]);
        } finally {
          await context?.close();
        }
      },
    );
  },
);
