/**
 * GET /api/v1/channels/:id/messages/stream: messages sent over one WebSocket, for gateways and
 * scripts that send one message at a time at a steady rate (a radar gateway, a watch desk's
 * tool). Each message is exactly what `POST /api/v1/channels/:id/messages` would make of the
 * same draft: the same checks (the route's permission on the channel and the role's precedence
 * cap, again for each message), signed in the same officer's name, the same audit record in the
 * entry's own transaction, the same idempotency keys; only the request around it is gone (an
 * authorised HTTP request costs a terminal about 230 µs of CPU on a 2-core VM, a quarter of a
 * message's whole cost at 200 messages a second: docs/operations.md).
 *
 * The client sends frames `{ "ref", "message": <draft>, "key"?, "from"? }` and gets one answer per
 * frame, `{ "ref", "status": 201, "message": SendResult }` once the message is durably committed,
 * or `{ "ref", "status", "error": { "code", "message" } }` (api-schemas.ts StreamAnswer). Messages
 * are signed in the order their frames arrive, and answered in that order. A frame that is not
 * JSON or not a frame is answered with `ref: null` when its ref cannot be read; the stream stays
 * open. Who is calling is asked again at most every {@link REAUTH_MS} (a session signed out or
 * expired, an officer disabled: the stream answers the error and closes, 1008).
 *
 * A console session may open it only from the console's own origin (STREAM_ORIGIN): a browser
 * sends the session cookie with a WebSocket handshake started by any page, so the Origin it
 * must also send is checked against the Host (cross-site WebSocket hijacking). Gateways use the
 * terminal credential (Bearer, optionally acting as an officer: X-Hotline-Officer).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { duplicateMember, HotlineProtocolError, OfficerRef, protocolError, type BodyOf, type SealedEntry } from '../../protocol/index.js';
import type { AuditInput } from '../officers/audit-log.js';
import { TerminalError, toApiError } from '../errors.js';
import { StreamRef, type SendResult, type StreamAnswer } from './api-schemas.js';
import { actorOf, signingOfficer } from './auth.js';
import { keyedWrite, scopeOf } from './idempotency.js';
import { draftFields, messageBody, type DraftContext, type MessagesRoutesOptions } from './messages-routes.js';
import { presentSent } from './presenters.js';
import { ChannelParams } from './route-kit.js';

/** Options of {@link sendStreamRoute}. */
export type SendStreamOptions = Pick<MessagesRoutesOptions, 'directory' | 'actions' | 'now' | 'reads' | 'formats'>;

/** How often (ms, by the terminal's clock) a stream asks again who is calling. */
export const REAUTH_MS = 1000;
/** Frames taken in and not yet answered, at most: beyond it the stream stops reading until answers go out. */
export const STREAM_IN_FLIGHT = 256;
/** The route, as the audit log and idempotency scopes name it. */
export const STREAM_ROUTE = '/api/v1/channels/:id/messages/stream';

const StreamFrame = Type.Object(
  {
    ref: StreamRef,
    key: Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{1,200}$' })),
    from: Type.Optional(OfficerRef),
    // A gateway names the message it answers by its hash (a prefix is resolved only by the POST routes).
    message: Type.Object({ ...draftFields, replyTo: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
type StreamFrame = Static<typeof StreamFrame>;
const checkFrame = Compile(StreamFrame);

/** A frame's text as a frame, or a BAD_REQUEST naming what is wrong (with its ref when readable). */
export function parseStreamFrame(text: string): { frame: StreamFrame } | { ref: string | number | null; error: Error } {
  let value: unknown;
  try {
    value = sjson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    return { ref: null, error: new TerminalError('BAD_REQUEST', { detail: 'A stream frame is one JSON object: { "ref", "message": { ... } }.' }) };
  }
  const ref = value !== null && typeof value === 'object' && checkRef.Check((value as { ref?: unknown }).ref) ? (value as { ref: string | number }).ref : null;
  const twice = duplicateMember(text);
  // As for a request body (officer-server.ts): JSON.parse keeps the last of two, other readers the first.
  if (twice !== undefined) return { ref, error: new HotlineProtocolError(protocolError('JSON_DUPLICATE_MEMBER', { what: 'stream frame', name: twice })) };
  if (!checkFrame.Check(value)) {
    const first = [...checkFrame.Errors(value)].slice(0, 3).map((e) => `${(e as { instancePath?: string }).instancePath || '/'} ${e.message}`);
    return { ref, error: new TerminalError('BAD_REQUEST', { detail: `Not a stream frame ({ "ref", "message", "key"?, "from"? }): ${first.join('; ')}.` }) };
  }
  return { frame: value };
}
const checkRef = Compile(StreamRef);

/** Whether a WebSocket upgrade comes from a page of the server's own origin. */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (typeof origin !== 'string' || typeof host !== 'string') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Registers the send stream. */
export async function sendStreamRoute(app: FastifyInstance, opts: SendStreamOptions): Promise<void> {
  app.get(
    STREAM_ROUTE,
    {
      websocket: true,
      config: { permission: 'message.send', scope: 'channel' },
      schema: {
        summary: 'Send messages over one WebSocket (a gateway): frames { ref, message, key?, from? }, each answered as the same POST to .../messages would be (StreamAnswer in api-schemas.ts)',
        params: ChannelParams,
      },
      preHandler: async (request) => {
        // A channel that is not held is refused before the upgrade (404 CHANNEL_NOT_FOUND), as a POST is.
        opts.directory.channel((request.params as { id: string }).id);
        const p = request.principal;
        if (p?.kind === 'officer' && p.session !== null && !sameOrigin(request))
          throw new TerminalError('STREAM_ORIGIN', { origin: String(request.headers.origin ?? 'none').slice(0, 100), host: String(request.headers.host ?? 'none').slice(0, 100) });
      },
    },
    (socket, request) => {
      const stream = new SendStream(socket, request, opts, opts.directory.channel((request.params as { id: string }).id).id);
      socket.on('message', (data: Buffer, isBinary: boolean) => stream.take(isBinary ? '' : data.toString('utf8')));
      socket.on('close', () => stream.end());
    },
  );
}

type Socket = import('ws').WebSocket;

/** A message signed or refused, its answer to come once it is durable. */
interface Pending {
  readonly answer: Promise<StreamAnswer | undefined>;
}
const settled = (a: StreamAnswer | undefined): Pending => ({ answer: Promise.resolve(a) });

/** One open send stream: its frames prepared in order, answered in order, at most {@link STREAM_IN_FLIGHT} unanswered. */
class SendStream {
  #authenticatedAt: number;
  #inFlight = 0;
  #closed = false;
  /** The answer refusing the caller's credentials, after which the stream closes. */
  #fatal: StreamAnswer | undefined;
  /** Frames are prepared (checked, signed) one after the other, in arrival order. */
  #preparing: Promise<unknown> = Promise.resolve();
  /** Answers leave in frame order. */
  #answering: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly request: FastifyRequest,
    private readonly opts: SendStreamOptions,
    private readonly channel: string,
  ) {
    this.#authenticatedAt = opts.now();
  }

  /** A frame arrived. */
  take(text: string): void {
    if (this.#closed) return;
    this.#inFlight += 1;
    if (this.#inFlight >= STREAM_IN_FLIGHT && !this.socket.isPaused) this.socket.pause();
    const ready = this.#preparing.then(() => this.#prepare(text));
    this.#preparing = ready.catch(() => undefined);
    this.#answering = this.#answering.then(async () => {
      const a = await ready.then((p) => p.answer).catch(() => undefined);
      if (a && this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(a));
      if (a !== undefined && a === this.#fatal) this.socket.close(1008, 'credentials no longer valid');
      this.#inFlight -= 1;
      if (this.#inFlight <= STREAM_IN_FLIGHT / 2 && this.socket.isPaused && !this.#closed) this.socket.resume();
    });
  }

  /** The socket closed: messages under way still commit; their answers are not sent. */
  end(): void {
    this.#closed = true;
  }

  #refused(ref: string | number | null, e: unknown): StreamAnswer {
    const { status, code, message } = toApiError(e, 'officer');
    if (status >= 500) this.request.log.error({ code, status, err: e }, 'send stream error');
    else this.request.log.info({ code, status }, 'send stream message refused');
    return { ref, status, error: { code, message } };
  }

  /**
   * Checks and starts one message; resolves once it is signed (or refused), with its answer to
   * come (wrapped: an async function returning a promise would wait for it, and for the commit).
   */
  async #prepare(text: string): Promise<Pending> {
    // Credentials refused on an earlier frame: the stream is closing, the rest go unanswered.
    if (this.#closed) return settled(undefined);
    const parsed = parseStreamFrame(text);
    if ('error' in parsed) return settled(this.#refused(parsed.ref, parsed.error));
    const { frame } = parsed;
    const { request, opts, channel } = this;
    try {
      if (opts.now() - this.#authenticatedAt >= REAUTH_MS) {
        try {
          await request.reauthenticate();
        } catch (e) {
          // Answered after the frames before it, then the stream closes (take, above).
          this.#closed = true;
          this.#fatal = this.#refused(frame.ref, e);
          return settled(this.#fatal);
        }
        this.#authenticatedAt = opts.now();
      }
      await request.authoriseAgain(frame.message);
      const ctx: DraftContext = { from: signingOfficer(request, frame.from), formats: opts.formats, charter: () => opts.directory.channel(channel).state(opts.now()).charter };
      const body = messageBody(frame.message, ctx);
      const audit = request.auditWithEntry(201, (s: SealedEntry) => ({ id: s.hash }));
      if (frame.key === undefined) {
        const answer = opts.actions.send(channel, body, { audit }).then(
          (s): StreamAnswer => ({ ref: frame.ref, status: 201, message: presentSent(s) }),
          (e: unknown) => this.#refused(frame.ref, e),
        );
        return { answer };
      }
      return await this.#keyed(frame as StreamFrame & { key: string }, body, audit);
    } catch (e) {
      return settled(this.#refused(frame.ref, e));
    }
  }

  /**
   * A message with an idempotency key: the lookup of an earlier answer comes first, and the next
   * frame waits until this message is signed (or answered), so that messages keep their frames' order.
   */
  async #keyed(frame: StreamFrame & { key: string }, body: BodyOf<'message'>, audit: (made: SealedEntry) => AuditInput | undefined): Promise<Pending> {
    const { request, opts, channel } = this;
    let signing!: () => void;
    const signed = new Promise<void>((resolve) => (signing = resolve));
    const written = keyedWrite({
      scope: scopeOf(actorOf(request.principal), `STREAM ${STREAM_ROUTE}`, frame.key),
      fingerprint: createHash('sha256').update(`${channel}\n${JSON.stringify(frame.message)}\n${JSON.stringify(frame.from ?? null)}`).digest('hex'),
      key: frame.key,
      reads: opts.reads,
      present: presentSent,
      now: opts.now,
      write: (idempotent) => {
        const sending = opts.actions.send(channel, body, { audit, idempotent });
        signing();
        return sending;
      },
    }).then(
      (r): StreamAnswer => ({ ref: frame.ref, status: 201, message: r.body as SendResult, ...(r.replayed ? { replayed: true as const } : {}) }),
      (e: unknown) => this.#refused(frame.ref, e),
    );
    await Promise.race([signed, written]);
    return { answer: written };
  }
}
