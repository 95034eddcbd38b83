/**
 * Behind a reverse proxy (config.json officer.trustProxy): X-Forwarded-For names the caller's
 * address in the audit log and for the sign-in rate limit only when the connection comes from a
 * trusted proxy. Otherwise the header is ignored: anyone could write it, to hide in the audit log
 * or to dodge the rate limit with a new address per attempt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configProblem } from '../../src/terminal/identity/config.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

const CALLER = '203.0.113.7';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** The address the audit log records for adding officer `name` through the proxy at 127.0.0.1. */
async function auditedAddress(fx: OfficerFixture, name: string): Promise<unknown> {
  const res = await fx.host('POST', '/api/v1/officers', { name, title: 'Clerk', roles: ['observer'] }, { 'x-forwarded-for': CALLER });
  expect(res.statusCode).toBeLessThan(300);
  for await (const r of fx.officers.audit.records()) {
    const detail = (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as { ip?: unknown; route?: unknown };
    if (r.action === 'officers.manage' && detail.route === '/api/v1/officers') return detail.ip;
  }
  return undefined;
}

/** Three wrong sign-ins from `forwarded` addresses in turn, through the proxy: their status codes. */
async function signIns(fx: OfficerFixture, forwarded: string[]): Promise<number[]> {
  const codes: number[] = [];
  for (const address of forwarded)
    codes.push((await fx.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '127.0.0.1', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, payload: JSON.stringify({ name: 'Nobody', password: 'wrong-password-1', totp: '000000' }) })).statusCode);
  return codes;
}

describe('X-Forwarded-For behind a reverse proxy', () => {
  it('is honoured from a trusted proxy: the audit log and the rate limit see the forwarded address', async () => {
    f = await officerFixture({}, { trustProxy: ['127.0.0.1/32', '::1'], loginRateLimit: 2 });
    expect(await auditedAddress(f, 'Clerk A')).toBe(CALLER);
    // Two attempts per address per minute: the third from one address is limited, another address is not.
    expect(await signIns(f, ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2'])).toEqual([401, 401, 429, 401]);
  });

  it('is ignored by default: the connection address is the caller, whatever the header says', async () => {
    f = await officerFixture({}, { loginRateLimit: 2 });
    expect(await auditedAddress(f, 'Clerk B')).toBe('127.0.0.1');
    // A new forged address per attempt does not get past the limit.
    expect(await signIns(f, ['198.51.100.1', '198.51.100.2', '198.51.100.3'])).toEqual([401, 401, 429]);
  });

  it('is ignored from an address that is not a trusted proxy', async () => {
    f = await officerFixture({}, { trustProxy: ['10.0.0.0/8'] });
    expect(await auditedAddress(f, 'Clerk C')).toBe('127.0.0.1');
  });
});

describe('config.json officer.trustProxy', () => {
  const config = (trustProxy: unknown) => ({
    type: 'hotline.terminal-config',
    version: 1,
    party: { code: 'US', names: { en: 'United States' }, key: 'A'.repeat(43) },
    officer: { host: '127.0.0.1', port: 7080, trustProxy },
    federation: { host: '127.0.0.1', port: 7443, endpoints: [] },
    database: { kind: 'sqlite', path: 'hotline.db' },
  });
  it('takes addresses and CIDR blocks, and names the entry that is neither', () => {
    expect(configProblem(config(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']))).toBeUndefined();
    expect(configProblem(config(['127.0.0.1', 'nginx']))).toBe('officer.trustProxy.1: "nginx" is not an IP address or a CIDR block (such as 127.0.0.1, ::1 or 10.0.0.0/8)');
    expect(configProblem(config(['10.0.0.0/33']))).toMatch(/^officer\.trustProxy\.0: /);
  });
});
