/**
 * Which browser the console's tests drive (test/web/chromium.ts), and that the one inside the npm
 * package runs: on a machine without Chromium it is the console test's browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chooseChromium, npmChromium, SYSTEM_CHROMIUM } from './chromium.js';

const only = (...paths: string[]) => (path: string) => paths.includes(path);

describe('which Chromium the console tests use', () => {
  it("the system's when it exists", () => {
    expect(chooseChromium(undefined, only(SYSTEM_CHROMIUM), 'linux-x64')).toEqual({ kind: 'path', path: SYSTEM_CHROMIUM, source: 'system' });
  });

  it("the npm package's when the system has none", () => {
    expect(chooseChromium(undefined, only(), 'linux-x64')).toEqual({ kind: 'npm' });
    expect(chooseChromium('', only(), 'linux-x64')).toEqual({ kind: 'npm' });
  });

  it('none where the package ships no browser, saying what to install', () => {
    const choice = chooseChromium(undefined, only(), 'darwin-arm64');
    expect(choice.kind).toBe('none');
    expect(choice.kind === 'none' && choice.reason).toContain('apt-get install -y chromium');
  });

  it('HOTLINE_TEST_CHROMIUM=npm forces the npm one over the system one', () => {
    expect(chooseChromium('npm', only(SYSTEM_CHROMIUM), 'linux-x64')).toEqual({ kind: 'npm' });
    expect(chooseChromium('npm', only(SYSTEM_CHROMIUM), 'linux-arm64').kind).toBe('none');
  });

  it('HOTLINE_TEST_CHROMIUM=<path> is that browser, and when it is missing nothing replaces it', () => {
    expect(chooseChromium('/opt/chrome/chrome', only('/opt/chrome/chrome', SYSTEM_CHROMIUM), 'linux-x64')).toEqual({ kind: 'path', path: '/opt/chrome/chrome', source: 'HOTLINE_TEST_CHROMIUM' });
    const missing = chooseChromium('/opt/chrome/chrome', only(SYSTEM_CHROMIUM), 'linux-x64');
    expect(missing.kind).toBe('none');
    expect(missing.kind === 'none' && missing.reason).toContain('/opt/chrome/chrome');
  });
});

describe.skipIf(`${process.platform}-${process.arch}` !== 'linux-x64')('the Chromium inside the npm package', () => {
  it('starts with its own libraries and fonts and renders a page', { timeout: 120_000 }, async () => {
    const browser = npmChromium();
    const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS] });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.setContent('<button onclick="this.textContent = \'Acknowledged\'">Acknowledge</button>');
      await page.getByRole('button', { name: 'Acknowledge' }).click();
      expect(await page.getByRole('button').textContent()).toBe('Acknowledged');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
