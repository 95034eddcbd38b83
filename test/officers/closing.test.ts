/**
 * A request that meets the officer API while it closes (a step-down from the HA lease, a stop)
 * gets TERMINAL_CLOSING in the registry's shape, never Fastify's bare {"statusCode":503} (found by
 * fault injection against running instances). Real socket: a request whose body is still coming
 * holds the connection open across the close, and a second request is pipelined behind it.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close().catch(() => undefined);
  f = undefined;
});

it('answers a request arriving while the officer API closes with TERMINAL_CLOSING, in the registry shape', async () => {
  f = await officerFixture();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (f.app.server.address() as AddressInfo).port;
  const firstArrived = new Promise((res) => f!.app.server.once('request', res));
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((res) => socket.once('connect', () => res()));
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
  const ended = new Promise<void>((res) => socket.once('close', () => res()));
  const body = JSON.stringify({ name: 'nobody', password: 'x', totp: '000000' });
  // The first request's headers and half its body: the connection is busy when the close begins.
  socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  await firstArrived; // the server has read its headers
  const closing = f.app.close();
  // The rest of the first body, and a second request behind it on the same connection.
  socket.write(`${body.slice(10)}GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer host-credential-for-tests\r\n\r\n`);
  await Promise.race([ended, closing.then(() => ended)]);
  const answers = received.split(/(?=HTTP\/1\.1 )/);
  expect(answers).toHaveLength(2);
  const second = answers[1]!;
  expect(second).toMatch(/^HTTP\/1\.1 503/);
  expect(second).not.toContain('"statusCode":503');
  const json = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
  expect(json.code).toBe('TERMINAL_CLOSING');
  expect(json.message).toMatch(/is closing: .*Nothing was done\. Send the request again/);
  f = undefined;
});
