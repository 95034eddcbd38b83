/**
 * Frames of the federation stream (docs/protocol.md §12): JSON text frames over a WebSocket on
 * mutually authenticated, pinned TLS. Each terminal connects to each peer and pushes ITS OWN
 * entries over its own connection; the receiving side answers with flow-control frames and asks
 * for what it misses. Entries travel as their exact canonical text.
 */
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

const HashHex = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Party = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

/** Client -> server, first frame: which channels the client shares with the server. */
export const Hello = Type.Object({ t: Type.Literal('hello'), v: Type.Literal(1), channels: Type.Array(HashHex, { maxItems: 10_000 }) }, { additionalProperties: false });
/** Server -> client: how much of the client's own log the server holds per channel. */
export const Holds = Type.Object({ t: Type.Literal('holds'), holds: Type.Record(HashHex, Type.Integer({ minimum: 0 })) }, { additionalProperties: false });
/**
 * Server -> client, just before `holds`: the hash of the last entry of the client's own log the
 * server holds per channel, so that a client whose own log forked (a restore from an old backup)
 * sees that the server holds OTHER entries at those numbers (docs/protocol.md §12). A frame of its
 * own, not a member of `holds`: a client of an earlier release drops a frame it does not know and
 * reads `holds` as before, where an unknown member would have made it refuse `holds` itself.
 */
export const Heads = Type.Object({ t: Type.Literal('heads'), heads: Type.Record(HashHex, HashHex) }, { additionalProperties: false });
/** Either direction: a batch of entries (client's own, or relayed on request). */
export const Entries = Type.Object({ t: Type.Literal('entries'), id: Type.Integer({ minimum: 0 }), entries: Type.Array(Type.String({ maxLength: 70_000 }), { minItems: 1, maxItems: 1024 }) }, { additionalProperties: false });
/** Server -> client: batch `id` is durably stored (flow control, not a signed receipt). */
export const Stored = Type.Object(
  {
    t: Type.Literal('stored'),
    id: Type.Integer({ minimum: 0 }),
    accepted: Type.Integer({ minimum: 0 }),
    duplicate: Type.Integer({ minimum: 0 }),
    pending: Type.Integer({ minimum: 0 }),
    rejected: Type.Array(Type.Object({ hash: Type.Optional(HashHex), code: Type.String(), message: Type.String() }), { maxItems: 1024 }),
  },
  { additionalProperties: false },
);
/** Server -> client: please send these entries (the client relays what it holds). `author` '' means "the channel's proposal". */
export const Want = Type.Object({ t: Type.Literal('want'), channel: HashHex, author: Type.Union([Party, Type.Literal('')]), fromSeq: Type.Integer({ minimum: 1 }), toSeq: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
/** Server -> client: a frame was refused. */
export const Refused = Type.Object({ t: Type.Literal('refused'), code: Type.String(), message: Type.String() }, { additionalProperties: false });

const Nonce = Type.String({ pattern: '^[0-9a-f]{16,64}$' });
const Ms = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Sig = Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' });
/** Client -> server: a signed link test on a version-2 channel (docs/protocol.md §12.3). */
export const Probe = Type.Object(
  { t: Type.Literal('probe'), channel: HashHex, from: Party, to: Party, key: Party, nonce: Nonce, t1: Ms, sig: Sig },
  { additionalProperties: false },
);
/** Server -> client: the signed answer to a probe (§12.3). */
export const Echo = Type.Object(
  { t: Type.Literal('echo'), channel: HashHex, from: Party, to: Party, key: Party, nonce: Nonce, t1: Ms, t2: Ms, t3: Ms, sig: Sig },
  { additionalProperties: false },
);
export type ProbeFrame = Static<typeof Probe>;
export type EchoFrame = Static<typeof Echo>;

export const ClientFrame = Type.Union([Hello, Entries, Probe]);
export const ServerFrame = Type.Union([Heads, Holds, Stored, Want, Refused, Echo]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ServerFrame = Static<typeof ServerFrame>;

const checkClient = Compile(ClientFrame);
const checkServer = Compile(ServerFrame);

/** Parses and validates a frame from a client; undefined if it is not one. */
export function parseClientFrame(text: string): ClientFrame | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return checkClient.Check(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Parses and validates a frame from a server; undefined if it is not one. */
export function parseServerFrame(text: string): ServerFrame | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return checkServer.Check(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Largest number of entries per batch (the most a frame may carry) and of batches in flight per
 * link (back-pressure). A backlog goes in batches as large as the frame allows: each batch is one
 * commit and one receipt at the receiver, and 1,024 instead of 256 made catch-up about 10% faster
 * (73 commits for 50,000 entries instead of 198, less CPU per entry at both ends).
 */
export const BATCH_MAX = 1024;
export const WINDOW = 8;
/**
 * Characters of entry text per batch at most: entries may be up to 70,000 characters, so 1,024 of
 * them could exceed the receiver's 16 MiB frame limit (which closes the link, and the same batch
 * would be sent again). 4 Mi characters stay below it even at 3 bytes a character.
 */
export const BATCH_CHARS = 4 * 1024 * 1024;

/** The longest prefix of `raws` that fits one batch (at least one entry, which always fits a frame). */
export function fitBatch(raws: string[]): string[] {
  let chars = 0;
  for (let i = 0; i < raws.length; i++) {
    chars += raws[i]!.length;
    if (chars > BATCH_CHARS && i > 0) return raws.slice(0, i);
  }
  return raws;
}
