/**
 * Idempotency keys on officer-API writes (#14 C7): a client that did not hear the answer to a
 * send (a crash, a cut connection, a killed CLI) sends it again with the same `Idempotency-Key`
 * header and gets the first answer back, never a second message. The answer is stored in the
 * transaction of the entries it reports (store `idempotency`, migration 0015), so it exists
 * exactly when they do. A key is scoped by the caller and the route; the same key with another
 * request is refused (422 IDEMPOTENCY_KEY_REUSED). Requests with the same key at the same time
 * run one after the other.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotentAnswer } from '../../store/index.js';
import { TerminalError } from '../errors.js';
import { actorOf } from './auth.js';
import type { OfficerReadModel } from './read-model.js';

/** The header a client names its request with. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,200}$/;

const running = new Map<string, Promise<unknown>>();

/** What a write needs to record its answer: a function of what it made. */
export type AnswerRecorder<T> = (made: T) => IdempotentAnswer;

/**
 * Runs `write` unless the request's key was answered before (then replays that answer). `write`
 * gets a recorder to pass to the channel actions (`idempotent` of WriteOptions), or undefined when
 * the request has no key.
 */
export async function idempotently<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  reads: Pick<OfficerReadModel, 'idempotent'>,
  present: (made: T) => unknown,
  write: (record: AnswerRecorder<T> | undefined) => Promise<T>,
  now: () => number,
): Promise<unknown> {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return reply.code(201).send(present(await write(undefined)));
  if (typeof raw !== 'string' || !KEY.test(raw)) throw new TerminalError('BAD_REQUEST', { detail: 'The Idempotency-Key header must be 1 to 200 printable ASCII characters, given once.' });
  const scope = createHash('sha256').update(`${actorOf(request.principal)}\n${request.method} ${request.routeOptions.url ?? ''}\n${raw}`).digest('hex');
  const fingerprint = createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
  for (;;) {
    const ahead = running.get(scope);
    if (ahead === undefined) break;
    await ahead.catch(() => undefined);
  }
  const done = (async () => {
    const before = await reads.idempotent(scope);
    if (before) {
      if (before.request !== fingerprint) throw new TerminalError('IDEMPOTENCY_KEY_REUSED', { key: raw.slice(0, 40) });
      return reply.code(before.status).header('idempotent-replayed', 'true').send(JSON.parse(before.response) as unknown);
    }
    const record: AnswerRecorder<T> = (made) => ({ key: scope, request: fingerprint, status: 201, response: JSON.stringify(present(made)), at: now() });
    return reply.code(201).send(present(await write(record)));
  })();
  running.set(scope, done);
  try {
    return await done;
  } finally {
    if (running.get(scope) === done) running.delete(scope);
  }
}
