/**
 * `hotline peer add CARD` is the out-of-band check of a peer's key: the operator must give the
 * fingerprint the peer read out over a trusted line. Without a terminal to ask in (a script, a
 * pipe), the refusal says how to obtain it, and never prints the card's fingerprint ready to
 * paste back as `--fingerprint` (which would check nothing); the card's fingerprint is not shown
 * before the comparison at all, and a mismatch does not reveal it either.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { fingerprint } from '../../src/protocol/index.js';
import { makeParty } from '../../src/testkit/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-peer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('hotline peer add CARD', () => {
  const cn = makeParty('CN', { en: 'China' });
  const card = join(dir, 'cn-card.json');
  writeFileSync(card, JSON.stringify(cn.card));
  const digits = fingerprint(cn.card.party);
  const groups = digits.split(' ');

  it('without a terminal and without --fingerprint: refused, saying to obtain it out of band, never printing it', async () => {
    expect(process.stdin.isTTY).toBeFalsy();
    const r = await run(['peer', 'add', card, '--data', join(dir, 'us')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pairing with CN needs its fingerprint, obtained out of band: call CN on a line you trust/);
    expect(r.err).toContain('--fingerprint "DIGITS"');
    // Not the whole fingerprint, nor any of its groups of five digits.
    for (const g of groups) expect(r.err).not.toContain(g);
    expect(r.out).toBe('');
  });

  it('a fingerprint that does not match is refused without revealing the right one', async () => {
    const r = await run(['peer', 'add', card, '--fingerprint', '00000 00000 00000 00000 00000 00000', '--data', join(dir, 'us')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not match the card of CN\. Do not pair/);
    for (const g of groups) expect(r.err).not.toContain(g);
  });
});
