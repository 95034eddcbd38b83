/**
 * What this terminal remembers having signed, outside its database: `DIR/own-heads.json`, the
 * highest own `seq` durably committed per channel, written a second after own entries commit and
 * when the terminal stops.
 *
 * A database restored from a backup (or a SQLite WAL lost in a crash) has forgotten the newest own
 * entries; this file, beside it, has not (docs/operations.md "Backup and restore" restores
 * `hotline.db` only). A channel whose database head is below the remembered one is known to lack
 * own entries that peers may hold: the reconciler then signs nothing there until EVERY peer of the
 * channel has said what it holds, however long that takes, instead of the bounded start-up wait
 * that serves an ordinary restart. Signing before would sign sequence numbers a peer already holds
 * with other content: a fork of the own log, which wedges the channel for good.
 *
 * The file is a hint that errs on the safe side: missing or unreadable, nothing is remembered (the
 * ordinary wait applies); it never names a seq that was not committed.
 *
 * It also remembers the channels whose own log forked (`forked`: channel -> {seq, peer}, the
 * reconciler's CHANNEL_OWN_LOG_FORKED), so that the hard stop there survives a restart until
 * `hotline repair --forked` removes the forked part (and the channel from this list).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../identity/files.js';

export const OWN_HEADS_FILE = 'own-heads.json';

/** Reads the remembered heads; empty when the file is missing or not what it should be. */
export async function readOwnHeads(dir: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(join(dir, OWN_HEADS_FILE), 'utf8');
  } catch {
    return new Map();
  }
  try {
    const value = JSON.parse(text) as { v?: unknown; heads?: unknown };
    if (value.v !== 1 || typeof value.heads !== 'object' || value.heads === null) return new Map();
    return new Map(Object.entries(value.heads as Record<string, unknown>).filter((e): e is [string, number] => /^[0-9a-f]{64}$/.test(e[0]) && Number.isSafeInteger(e[1]) && (e[1] as number) > 0));
  } catch {
    return new Map();
  }
}

/** A channel whose own log forked: where, and the peer whose copy proved it. */
export interface RememberedFork {
  readonly seq: number;
  readonly peer: string;
}

/** Reads the remembered forks; empty when the file is missing or not what it should be. */
export async function readOwnForks(dir: string): Promise<Map<string, RememberedFork>> {
  try {
    const value = JSON.parse(await readFile(join(dir, OWN_HEADS_FILE), 'utf8')) as { v?: unknown; forked?: unknown };
    if (value.v !== 1 || typeof value.forked !== 'object' || value.forked === null) return new Map();
    return new Map(
      Object.entries(value.forked as Record<string, { seq?: unknown; peer?: unknown }>).filter(
        (e): e is [string, RememberedFork] => /^[0-9a-f]{64}$/.test(e[0]) && typeof e[1] === 'object' && e[1] !== null && Number.isSafeInteger(e[1].seq) && (e[1].seq as number) > 0 && typeof e[1].peer === 'string',
      ).map(([c, f]) => [c, { seq: f.seq, peer: f.peer }]),
    );
  } catch {
    return new Map();
  }
}

/** Forgets the fork of `channel` (hotline repair --forked removed the forked part); the heads stay. */
export async function forgetOwnFork(dir: string, channel: string): Promise<void> {
  let value: { v?: unknown; heads?: unknown; forked?: Record<string, unknown> };
  try {
    value = JSON.parse(await readFile(join(dir, OWN_HEADS_FILE), 'utf8')) as typeof value;
  } catch {
    return;
  }
  if (!value.forked || !(channel in value.forked)) return;
  delete value.forked[channel];
  if (Object.keys(value.forked).length === 0) delete value.forked;
  await writeFileAtomic(join(dir, OWN_HEADS_FILE), `${JSON.stringify(value)}\n`, 0o600);
}

/**
 * Makes `own-heads.json` remember at least `seq` as the own head of `channel` (the rest of the file
 * kept): `hotline repair --forked` calls it before it removes own entries, so that the next start
 * recognises the removal as a database that forgot own entries and waits for every peer, however
 * long, fetching back any of them a peer holds, instead of signing their numbers anew. It holds
 * whatever the file said before (missing, unreadable, or older than the database).
 */
export async function rememberOwnHead(dir: string, channel: string, seq: number): Promise<void> {
  let value: { v: 1; heads: Record<string, number>; forked?: unknown } = { v: 1, heads: {} };
  try {
    const read = JSON.parse(await readFile(join(dir, OWN_HEADS_FILE), 'utf8')) as { v?: unknown; heads?: unknown; forked?: unknown };
    if (read.v === 1 && typeof read.heads === 'object' && read.heads !== null) value = { v: 1, heads: read.heads as Record<string, number>, ...(read.forked !== undefined ? { forked: read.forked } : {}) };
  } catch {
    // missing or unreadable: written anew below
  }
  const held = value.heads[channel];
  if (Number.isSafeInteger(held) && (held as number) >= seq) return;
  value.heads[channel] = seq;
  await writeFileAtomic(join(dir, OWN_HEADS_FILE), `${JSON.stringify(value)}\n`, 0o600);
}

export interface OwnHeadsOptions {
  readonly dir: string;
  /** The heads to remember now, per channel (the committed ones, or a remembered one still awaited). */
  readonly heads: () => ReadonlyMap<string, number>;
  /** The channels whose own log forked, to remember across restarts (none by default). */
  readonly forked?: () => ReadonlyMap<string, RememberedFork>;
  /** Delay between an own entry and the write, ms. */
  readonly delayMs?: number;
  readonly log?: { warn(o: object, m?: string): void };
}

/** Writes `own-heads.json` a moment after own entries commit (one write for many), and on stop. */
export class OwnHeadsWriter {
  readonly #o: OwnHeadsOptions;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #stopped = false;
  #warned = false;

  constructor(options: OwnHeadsOptions) {
    this.#o = options;
  }

  /** An own entry committed (or a channel was reconciled): write soon. */
  touch(): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.write();
    }, this.#o.delayMs ?? 1000);
    this.#timer.unref?.();
  }

  /** Writes now (after any write under way). */
  write(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#writeNow());
    return this.#writing;
  }

  /** Writes a last time and stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.write();
  }

  async #writeNow(): Promise<void> {
    const byId = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
    const heads = Object.fromEntries([...this.#o.heads()].filter(([, seq]) => seq > 0).sort(byId));
    const forks = [...(this.#o.forked?.() ?? [])].sort(byId);
    try {
      await writeFileAtomic(join(this.#o.dir, OWN_HEADS_FILE), `${JSON.stringify({ v: 1, heads, ...(forks.length ? { forked: Object.fromEntries(forks) } : {}) })}\n`, 0o600);
    } catch (e) {
      // A full or read-only disk: the database says so louder; warn once here.
      if (!this.#warned) this.#o.log?.warn({ err: (e as Error).message }, `cannot write ${OWN_HEADS_FILE}: a restore of this terminal's database would not be recognised`);
      this.#warned = true;
    }
  }
}
