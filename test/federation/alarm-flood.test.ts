/**
 * A pinned peer flooding forged entries (the US terminal's key id, another key's signatures): each
 * is refused in the answer, but the officers' consoles hear one alarm, not one per entry (the rest
 * of the window is summed up later, events/repeated-alarms.ts), and the log one line.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KeySigner } from '../../src/protocol/index.js';
import type { EventOf } from '../../src/terminal/events/event-bus.js';
import { message, startFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f?.close();
});

it('answers every forged entry of a flood, and raises one alarm for it', async () => {
  const alarms: EventOf<'alarm'>[] = [];
  f.service.events.on('alarm', (a) => alarms.push(a));
  const forger = KeySigner.generate();
  const signer = { publicKey: f.us.terminal.publicKey, sign: (m: Uint8Array) => forger.sign(m) };
  for (let round = 0; round < 3; round++) {
    const forged = Array.from({ length: 500 }, (_, i) => f.usEntry('message', message(`forged ${round}/${i}`), Date.now(), signer).raw);
    const r = await f.post(JSON.stringify({ entries: forged }));
    expect(r.status).toBe(200);
    const out = r.json as unknown as { accepted: number; rejected: Array<{ code: string }> };
    expect(out.accepted).toBe(0);
    expect(out.rejected).toHaveLength(500);
    expect(new Set(out.rejected.map((x) => x.code))).toEqual(new Set(['ENTRY_BAD_SIGNATURE']));
  }
  expect(alarms.map((a) => a.code)).toEqual(['ENTRY_BAD_SIGNATURE']);
  expect(f.logs.filter((l) => l.code === 'ENTRY_BAD_SIGNATURE')).toHaveLength(1);
});
