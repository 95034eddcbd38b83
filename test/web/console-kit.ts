/** What the console's browser tests share: the browser, the console build, an officer's secrets. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, REPO, check, type Party } from '../e2e/harness.js';
import { generate } from 'otplib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumHere, chromiumLaunch } from './chromium.js';

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

/** What consoleSetup() prepares: two paired terminals, an open channel, officers, a browser page. */
export interface ConsoleSetup {
  readonly h: Harness;
  /** The proposer (first party) and the accepter (second party). */
  readonly a: Party;
  readonly b: Party;
  readonly channel: string;
  /** Each officer's password and TOTP secret, by name. */
  readonly secrets: Record<string, { password: string; totpSecret: string }>;
  readonly context: BrowserContext;
  /** The first page of the browser; page errors are collected in `problems`. */
  readonly page: Page;
  readonly problems: string[];
  /** Closes the browser (the harness cleans up the terminals itself). */
  close(): Promise<void>;
}

export interface ConsoleSetupOptions {
  /** [code, name] of the two parties: the first proposes the channel, the second accepts it. */
  readonly parties: readonly [readonly [string, string], readonly [string, string]];
  /** The channel's proposal (title, tier, parties, ...), as for Harness.openChannel. */
  readonly channel: Record<string, unknown>;
  /** Officers to add, at party 'a' or 'b'. */
  readonly officers?: ReadonlyArray<{ readonly at: 'a' | 'b'; readonly name: string; readonly title: string; readonly role: string | readonly string[] }>;
  readonly viewport?: { width: number; height: number };
  readonly locale?: string;
  /** A phone: touch, mobile viewport. */
  readonly mobile?: boolean;
}

/**
 * The setup most console tests share: two terminals as separate processes, paired, a channel
 * open between them, officers added, and Chromium with a fresh profile. Call close() in finally.
 */
export async function consoleSetup(o: ConsoleSetupOptions): Promise<ConsoleSetup> {
  if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
  const browser = chromiumLaunch(CHROMIUM);
  await ensureConsoleBuilt();
  const h = await Harness.create();
  const [a, b] = await Promise.all([h.party(o.parties[0][0], o.parties[0][1]), h.party(o.parties[1][0], o.parties[1][1])]);
  await h.pair(a, b);
  const channel = await h.openChannel(a, b, o.channel);
  const secrets: Record<string, { password: string; totpSecret: string }> = {};
  for (const officer of o.officers ?? []) {
    const at = officer.at === 'a' ? a : b;
    const roles = typeof officer.role === 'string' ? [officer.role] : [...officer.role];
    secrets[officer.name] = secretsOf((await at.cli(['officer', 'add', officer.name, '--title', officer.title, '--role', ...roles]).then(check('officer add'))).stdout);
  }
  const { context, page, problems } = await openBrowser(h, browser, o);
  return { h, a, b, channel, secrets, context, page, problems, close: () => context.close() };
}

/** Chromium with a fresh profile (removed with the harness); page errors are collected in `problems`. */
async function openBrowser(h: Harness, browser: ReturnType<typeof chromiumLaunch>, o: Pick<ConsoleSetupOptions, 'viewport' | 'locale' | 'mobile'> = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
  h.defer(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    env: { ...process.env, ...browser.env },
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: o.viewport ?? { width: 1280, height: 900 },
    ...(o.locale ? { locale: o.locale } : {}),
    ...(o.mobile ? { isMobile: true, hasTouch: true } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

/**
 * The console of a running terminal of a test's own harness, signed in as `officer` (added with
 * `hotline officer add`, whose secrets are given). Call close() in finally.
 */
export async function signedInConsole(h: Harness, party: Party, officer: string, secrets: { password: string; totpSecret: string }): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
  if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
  const browser = chromiumLaunch(CHROMIUM);
  await ensureConsoleBuilt();
  const { context, page, problems } = await openBrowser(h, browser);
  await page.goto(`${party.officerUrl}/console/`);
  await fillSignIn(page, officer, secrets);
  await page.getByRole('button', { name: /Sign in/ }).click();
  return { page, problems, close: () => context.close() };
}
