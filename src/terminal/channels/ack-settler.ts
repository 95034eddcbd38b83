/**
 * A message of ours to CN and RU that CN acknowledged awaits RU's acknowledgement (the projector
 * marks it acknowledged only once every party it went to has). If an amendment then removes RU,
 * nobody is left to give it, and the message would stay unacknowledged and overdue for good. When
 * an amendment is adopted (at its last `charter.accept`, own or received), the settler looks at
 * this party's unacknowledged messages of that channel and marks acknowledged each one that every
 * party it still awaits (addressees.ts) has acknowledged: at the time, and with the officer, of the
 * last of those acknowledgements. Also once at start, for an adoption a restart interrupted.
 * docs/operations.md "Acknowledgements".
 */
import { sealedFromStored, type BodyOf } from '../../protocol/index.js';
import type { MessageRow, Store } from '../../store/index.js';
import type { EventSource, Unsubscribe } from '../events/event-bus.js';
import { owedBy } from './addressees.js';
import type { ChannelDirectory, SelfInfo } from './ports.js';

/** Messages looked at per channel and pass at most (the earliest deadlines first). */
const LIMIT = 10_000;

export interface AckSettlerOptions {
  readonly events: EventSource;
  readonly store: Pick<Store, 'listUnacked' | 'ackersOf' | 'listPageEntries' | 'markAcked'>;
  readonly directory: Pick<ChannelDirectory, 'channel' | 'channelIds' | 'label'>;
  readonly self: Pick<SelfInfo, 'party'>;
  readonly now: () => number;
  readonly log?: { warn(o: object, m?: string): void };
}

export class AckSettler {
  readonly #o: AckSettlerOptions;
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: Unsubscribe | undefined;

  constructor(options: AckSettlerOptions) {
    this.#o = options;
  }

  /** Listens for acceptances, and settles every channel once. */
  start(): void {
    this.#unsubscribe ??= this.#o.events.on('entry', (e) => {
      if (e.kind === 'charter.accept') this.#enqueue(e.channel);
    });
    for (const id of this.#o.directory.channelIds()) this.#enqueue(id);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Resolves when the passes under way are done (tests, shutdown). */
  idle(): Promise<void> {
    return this.#queue;
  }

  #enqueue(channel: string): void {
    this.#queue = this.#queue.then(async () => void (await this.settle(channel))).catch((e: unknown) => this.#o.log?.warn({ channel, err: (e as Error).message }, 'settling acknowledgements failed'));
  }

  /** Marks acknowledged our messages of `channel` that every party they still await has acknowledged; returns how many. */
  async settle(channel: string): Promise<number> {
    const { store, directory, self } = this.#o;
    if (!directory.channelIds().includes(channel)) return 0;
    const log = directory.channel(channel);
    // Only a channel an adopted amendment removed a party from can hold such a message.
    const removed = log.state(this.#o.now()).amendments.some((a) => a.status === 'adopted' && a.previous.parties.some((p) => !a.charter.parties.some((q) => q.party === p.party)));
    if (!removed) return 0;
    const rows = await store.listUnacked({ from: self.party, channels: [channel], limit: LIMIT });
    let marked = 0;
    for (const m of rows) if (await this.#settleOne(log, m)) marked++;
    return marked;
  }

  async #settleOne(log: Parameters<typeof owedBy>[0], m: MessageRow): Promise<boolean> {
    const { store, directory } = this.#o;
    const owing = owedBy(log, m, this.#o.now());
    if (owing.length === 0) return false;
    const ackers = new Set(await store.ackersOf(m));
    if (!owing.every((p) => ackers.has(p))) return false;
    const acks = (await store.listPageEntries(m.channel, [m])).filter((e) => e.kind === 'ack' && owing.includes(e.author));
    const last = acks[acks.length - 1];
    if (!last) return false;
    const body = sealedFromStored(last.raw).entry.body as BodyOf<'ack'>;
    return store.markAcked(m, last.time, JSON.stringify({ party: last.author, code: directory.label(last.author), officer: body.officer, entry: last.hash }));
  }
}
