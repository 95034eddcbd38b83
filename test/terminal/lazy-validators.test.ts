/**
 * Route validators and response serialisers compiled at first use (src/terminal/lazy-validators.ts)
 * behave exactly like Fastify's own: the same refusals and messages, querystring coercion, unknown
 * members dropped or refused as the server's Ajv options say, the same response bodies; warm()
 * compiles what was not used yet.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import Type from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { lazyValidators } from '../../src/terminal/lazy-validators.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function serve(lazy: boolean, ajv?: { customOptions: Record<string, unknown> }) {
  const v = lazyValidators();
  const app = Fastify({ ...(lazy ? { schemaController: v.schemaController } : {}), ...(ajv ? { ajv } : {}) });
  apps.push(app);
  app.post(
    '/things/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]+$' }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })) }),
        body: Type.Object({ text: Type.String({ minLength: 1 }), n: Type.Optional(Type.Integer()) }),
      },
    },
    async (request) => ({ params: request.params, query: request.query, body: request.body }),
  );
  app.get('/other', { schema: { querystring: Type.Object({ q: Type.String() }) } }, async () => ({ ok: true }));
  await app.ready();
  return { app, v };
}

const cases = [
  { url: '/things/ab?limit=3', payload: { text: 'x', n: 2, extra: true } },
  { url: '/things/ab?limit=30', payload: { text: 'x' } },
  { url: '/things/zz', payload: { text: 'x' } },
  { url: '/things/ab', payload: { text: '' } },
  { url: '/things/ab', payload: { n: 'two' } },
  { url: '/things/ab?limit=2', payload: { text: 'x', n: '7' } },
];

describe('lazy route validators', () => {
  it('answer every request as the validators Fastify compiles at start do', async () => {
    for (const ajv of [undefined, { customOptions: { removeAdditional: false } }]) {
      const eager = await serve(false, ajv);
      const lazy = await serve(true, ajv);
      for (const c of cases) {
        const [a, b] = await Promise.all([eager.app, lazy.app].map((app) => app.inject({ method: 'POST', url: c.url, payload: c.payload })));
        expect({ status: b!.statusCode, body: b!.json() }).toEqual({ status: a!.statusCode, body: a!.json() });
      }
    }
  });

  it('with strictBodies, takes bodies as sent: no coercion, unknown members refused, queries still coerced', async () => {
    const v = lazyValidators({ strictBodies: true });
    const app = Fastify({ schemaController: v.schemaController });
    apps.push(app);
    app.post('/t', { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer()) }), body: Type.Object({ text: Type.String(), inner: Type.Optional(Type.Object({ a: Type.String() })) }) } }, async (r) => ({ q: r.query, b: r.body }));
    const send = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
    expect((await send('/t', { text: 12345 })).json()).toMatchObject({ statusCode: 400, message: 'body/text must be string' });
    expect((await send('/t', { text: 'x', extra: 1 })).json()).toMatchObject({ statusCode: 400, message: 'body must NOT have additional properties' });
    expect((await send('/t', { text: 'x', inner: { a: 'y', b: 2 } })).statusCode).toBe(400);
    expect((await send('/t?limit=3', { text: 'x' })).json()).toEqual({ q: { limit: 3 }, b: { text: 'x' } });
  });

  it('serialise responses as the serialisers Fastify compiles at start do, compiling each at its first response', async () => {
    const build = async (lazy: boolean) => {
      const v = lazyValidators();
      // No automatic HEAD route: it would have serialisers of its own.
      const app = Fastify({ exposeHeadRoutes: false, ...(lazy ? { schemaController: v.schemaController } : {}) });
      apps.push(app);
      const reply = Type.Object({ id: Type.String(), n: Type.Integer(), at: Type.Optional(Type.String()) });
      // The handler returns a member the schema does not list (dropped) and a number as text (coerced).
      app.get('/r/:id', { schema: { response: { 200: reply, 404: Type.Object({ code: Type.String() }) } } }, async (r, res) =>
        (r.params as { id: string }).id === 'none' ? res.code(404).send({ code: 'NOT_FOUND', secret: 'x' }) : { id: (r.params as { id: string }).id, n: '7', secret: 'dropped' },
      );
      await app.ready();
      return { app, v };
    };
    const eager = await build(false);
    const lazy = await build(true);
    const waiting = lazy.v.waiting;
    expect(waiting).toBe(2);
    for (const url of ['/r/a', '/r/none', '/r/b']) {
      const [a, b] = await Promise.all([eager.app, lazy.app].map((app) => app.inject({ method: 'GET', url })));
      expect({ status: b!.statusCode, body: b!.body }).toEqual({ status: a!.statusCode, body: a!.body });
    }
    expect(lazy.v.waiting).toBe(0);
    expect((await lazy.app.inject({ method: 'GET', url: '/r/c' })).json()).toEqual({ id: 'c', n: 7 });
  });

  it('compiles what was not used yet when warmed, and only while the terminal is idle', async () => {
    const { app, v } = await serve(true);
    const before = v.waiting;
    expect(before).toBeGreaterThan(0);
    // Busy: warm() waits for the terminal to be idle before compiling anything.
    let busy = true;
    let idle: () => void = () => undefined;
    const warming = v.warm(() => (busy ? new Promise<void>((r) => (idle = r)) : Promise.resolve()));
    await new Promise((r) => setImmediate(r));
    expect(v.waiting).toBe(before);
    busy = false;
    idle();
    await warming;
    expect(v.waiting).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/other' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/other?q=x' })).json()).toEqual({ ok: true });
  });
});
