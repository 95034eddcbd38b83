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

/** An answer to a write: its status and body, and whether it is a replay of an earlier one. */
export interface IdempotentResult {
  readonly status: number;
  readonly body: unknown;
  readonly replayed: boolean;
}

/** Whether `key` is a valid idempotency key (1 to 200 printable ASCII characters). */
export function validKey(key: unknown): key is string {
  return typeof key === 'string' && KEY.test(key);
}

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
  if (!validKey(raw)) throw new TerminalError('BAD_REQUEST', { detail: 'The Idempotency-Key header must be 1 to 200 printable ASCII characters, given once.' });
  const answer = await keyedWrite({
    scope: scopeOf(actorOf(request.principal), `${request.method} ${request.routeOptions.url ?? ''}`, raw),
    fingerprint: createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex'),
    key: raw,
    reads,
    present,
    write,
    now,
  });
  if (answer.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.code(answer.status).send(answer.body);
}

/** A key's scope: the caller, the route (or stream) it was given to, and the key. */
export function scopeOf(actor: string, route: string, key: string): string {
  return createHash('sha256').update(`${actor}\n${route}\n${key}`).digest('hex');
}

/**
 * The write of a request carrying an idempotency key, whatever carried it (an HTTP request, a
 * message of a stream): replays the answer stored under `scope` if there is one (the same request,
 * by `fingerprint`, else IDEMPOTENCY_KEY_REUSED), else writes and stores the answer with the
 * entries. Writes under the same scope at the same time run one after the other.
 */
export async function keyedWrite<T>(w: {
  readonly scope: string;
  readonly fingerprint: string;
  /** The key as given (named in IDEMPOTENCY_KEY_REUSED). */
  readonly key: string;
  readonly reads: Pick<OfficerReadModel, 'idempotent'>;
  readonly present: (made: T) => unknown;
  readonly write: (record: AnswerRecorder<T>) => Promise<T>;
  readonly now: () => number;
}): Promise<IdempotentResult> {
  const { scope, fingerprint } = w;
  for (;;) {
    const ahead = running.get(scope);
    if (ahead === undefined) break;
    await ahead.catch(() => undefined);
  }
  const done = (async (): Promise<IdempotentResult> => {
    const before = await w.reads.idempotent(scope);
    if (before) {
      if (before.request !== fingerprint) throw new TerminalError('IDEMPOTENCY_KEY_REUSED', { key: w.key.slice(0, 40) });
      return { status: before.status, body: JSON.parse(before.response) as unknown, replayed: true };
    }
    const record: AnswerRecorder<T> = (made) => ({ key: scope, request: fingerprint, status: 201, response: JSON.stringify(w.present(made)), at: w.now() });
    return { status: 201, body: w.present(await w.write(record)), replayed: false };
  })();
  running.set(scope, done);
  try {
    return await done;
  } finally {
    if (running.get(scope) === done) running.delete(scope);
  }
}
