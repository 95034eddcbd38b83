/** What the console's browser tests share: the browser, the console build, an officer's secrets. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../e2e/harness.js';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { chromiumHere } from './chromium.js';

export const CHROMIUM = chromiumHere();
const WEB_SRC = join(REPO, 'src', 'web');
const WEB_INDEX = join(REPO, 'dist', 'web', 'index.html');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}

/** `vite build src/web` when dist/web is missing or older than src/web (guarded by a lock: test files run in parallel). */
export async function ensureConsoleBuilt(): Promise<void> {
  const stale = () => !existsSync(WEB_INDEX) || statSync(WEB_INDEX).mtimeMs < newest(WEB_SRC);
  if (!stale()) return;
  const lock = join(tmpdir(), `hotline-web-build-${Buffer.from(REPO).toString('base64url').slice(-24)}.lock`);
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > until) throw new Error(`timed out waiting for the console build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'src/web', '--logLevel', 'warn'], { cwd: REPO, stdio: 'pipe' });
  } finally {
    rmdirSync(lock);
  }
}

/** The password and TOTP secret printed by `hotline officer add`. */
export function secretsOf(stdout: string): { password: string; totpSecret: string } {
  const password = /password\s+(\S+)/.exec(stdout)?.[1];
  const uri = /TOTP\s+(otpauth:\/\/\S+)/.exec(stdout)?.[1];
  const totpSecret = uri ? new URL(uri).searchParams.get('secret') : null;
  if (!password || !totpSecret) throw new Error(`no password or TOTP URI in the output of hotline officer add:\n${stdout}`);
  return { password, totpSecret };
}


/** Fills the sign-in form (name, password, the current TOTP code) without submitting it. */
export async function fillSignIn(page: Page, officer: string, secrets: { password: string; totpSecret: string }): Promise<void> {
  await page.getByLabel(/Officer name/).fill(officer);
  await page.getByLabel(/Password/).fill(secrets.password);
  await page.getByLabel(/6-digit code/).fill(await generate({ secret: secrets.totpSecret }));
}
