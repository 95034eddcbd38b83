/**
 * The host credential file (DATA/officer.token): created at the first start, read as it is after,
 * and refused as damaged when it holds no token, instead of a terminal serving an empty token that
 * no CLI command or script could present.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { IdentityError } from '../../src/terminal/identity/errors.js';
import { officerToken, TOKEN_FILE } from '../../src/terminal/identity/officer-token.js';

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
