/**
 * The terminal routes (terminal-routes.ts) on their own: status, card, peers, probes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Peer, Status } from '../../src/terminal/officer-api/api-schemas.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('terminal routes', () => {
  it('says who this terminal is, its card and peers, and answers the probes without a credential', async () => {
    f = await officerFixture();
    const status = (await f.host('GET', '/api/v1/status')).json() as Status;
    expect(status).toEqual({ party: f.t.a.self.party, code: 'US', fingerprint: expect.any(String), channels: 1, links: [], time: f.t.clock.now() });
    expect((await f.host('GET', '/api/v1/card')).json()).toEqual(JSON.parse(JSON.stringify(f.t.a.self.card)));
    const peers = (await f.host('GET', '/api/v1/peers')).json() as Peer[];
    expect(peers).toEqual([{ party: f.t.b.self.party, code: 'CN', fingerprint: expect.any(String), endpoints: expect.any(Array), link: 'down', card: { issued: f.t.b.self.card.issued, updatedAt: expect.any(Number), keys: f.t.b.self.card.terminals.map((c) => c.key), revoked: [] } }]);
    expect((await f.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ ok: true, party: expect.any(String) });
    expect((await f.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ ok: true, peersUp: 0, peers: 0 });
    // The links in detail for a caller with the officer token only; a wrong token is just not told them.
    expect((await f.host('GET', '/readyz')).json()).toEqual({ ok: true, peersUp: 0, peers: 0, links: [] });
    expect((await f.app.inject({ method: 'GET', url: '/readyz', headers: { authorization: 'Bearer wrong' } })).json()).toEqual({ ok: true, peersUp: 0, peers: 0 });
    // The API's address opened in a browser leads to the console.
    const root = await f.app.inject({ method: 'GET', url: '/' });
    expect([root.statusCode, root.headers.location]).toEqual([302, '/console/']);
    // Pairing needs terminal.manage: an observer may read the peers but not add one.
    const observer = await f.login('Ms Watcher', await f.add('Ms Watcher', ['observer']));
    expect((await observer.call('GET', '/api/v1/peers')).statusCode).toBe(200);
    const pair = await observer.call('POST', '/api/v1/peers', { card: {}, fingerprint: 'x' });
    expect(pair.statusCode).toBe(403);
    expect(pair.json().message).toContain('"terminal.manage"');
  });
});
