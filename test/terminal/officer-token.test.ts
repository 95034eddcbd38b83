/**
 * The host credential file (DATA/officer.token): created at the first start, read as it is after,
 * and refused as damaged when it holds no token, instead of a terminal serving an empty token that
 * no CLI command or script could present.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { IdentityError } from '../../src/terminal/identity/errors.js';
import { METRICS_TOKEN_FILE, metricsToken, officerToken, shareOfficerToken, TOKEN_FILE } from '../../src/terminal/identity/officer-token.js';

const root = mkdtempSync(join(tmpdir(), 'hotline-token-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('creates a token at the first start and reads the same one after', async () => {
  const dir = mkdtempSync(join(root, 'd-'));
  const token = await officerToken(dir);
  expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(readFileSync(join(dir, TOKEN_FILE), 'utf8')).toBe(`${token}\n`);
  expect(await officerToken(dir)).toBe(token);
});

it.each([
  ['empty', '', 'it is empty'],
  ['only whitespace', ' \n\n', 'it is empty'],
  ['two words', 'two words\n', 'not one token'],
])('refuses a token file that is %s as IDENTITY_CORRUPT, saying how to get a new one, and leaves it as it was', async (_name, text, why) => {
  const dir = mkdtempSync(join(root, 'd-'));
  writeFileSync(join(dir, TOKEN_FILE), text);
  const e = await officerToken(dir).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(IdentityError);
  expect((e as IdentityError).code).toBe('IDENTITY_CORRUPT');
  expect((e as Error).message).toContain(why);
  expect((e as Error).message).toContain('Delete it and start the terminal again to create a new one');
  expect(readFileSync(join(dir, TOKEN_FILE), 'utf8')).toBe(text);
});

it('creates a metrics token of its own beside the officer token, 0600, and an instance added shares both', async () => {
  const dir = mkdtempSync(join(root, 'd-'));
  const officer = await officerToken(dir);
  const metrics = await metricsToken(dir);
  expect(metrics).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(metrics).not.toBe(officer);
  expect(readFileSync(join(dir, METRICS_TOKEN_FILE), 'utf8')).toBe(`${metrics}\n`);
  expect(statSync(join(dir, METRICS_TOKEN_FILE)).mode & 0o777).toBe(0o600);
  expect(await metricsToken(dir)).toBe(metrics);
  const other = mkdtempSync(join(root, 'd-'));
  await shareOfficerToken(dir, other);
  expect(await officerToken(other)).toBe(officer);
  expect(await metricsToken(other)).toBe(metrics);
});
