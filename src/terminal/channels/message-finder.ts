/**
 * Finds messages by hash or typed prefix in the channel logs held in memory (the store has no index
 * on hashes: see migration 0007), and reads a message's row by its log position.
 */
import type { BodyOf, OfficerRef } from '../../protocol/index.js';
import type { MessageRow, Store } from '../../store/index.js';
import { TerminalError } from '../errors.js';
import type { ChannelRegistry } from './channel-registry.js';
import type { MessageFinder, MessageLocation } from './ports.js';

/** Messages across the channels of a registry. */
export class ChannelMessages implements MessageFinder {
  readonly #registry: ChannelRegistry;
  readonly #store: Pick<Store, 'getMessage' | 'listEntries'>;

  constructor(options: { registry: ChannelRegistry; store: Pick<Store, 'getMessage' | 'listEntries'> }) {
    this.#registry = options.registry;
    this.#store = options.store;
  }

  /** Where the message with this (full) hash sits, if this terminal holds it. */
  #locate(hash: string): MessageLocation | undefined {
    for (const log of this.#registry.logs()) {
      const ref = log.referent(hash);
      if (ref?.kind === 'message') return { hash, channel: log.id, author: ref.author, seq: ref.seq };
    }
    return undefined;
  }

  /** #locate, and beyond the logs' memory the store's index of older messages (#18). */
  async #find(hash: string): Promise<MessageLocation | undefined> {
    const at = this.#locate(hash);
    if (at) return at;
    for (const log of this.#registry.logs()) {
      if (!log.bounded) continue;
      const ref = await this.#registry.memory.referent(log, hash);
      if (ref?.kind === 'message') return { hash, channel: log.id, author: ref.author, seq: ref.seq };
    }
    return undefined;
  }

  async getMessage(hash: string): Promise<MessageRow | undefined> {
    const at = await this.#find(hash);
    return at && this.#store.getMessage(at);
  }

  /** The officers of `author` who acknowledged the message `hash` of `channel`, in log order. */
  async acknowledgers(channel: string, hash: string, author: string): Promise<OfficerRef[]> {
    const acks = await this.#store.listEntries(channel, { author, kinds: ['ack'] });
    const out: OfficerRef[] = [];
    for (const e of acks) {
      const body = (JSON.parse(e.raw) as { body: BodyOf<'ack'> }).body;
      if (body.message === hash) out.push(body.officer);
    }
    return out;
  }

  async findMessage(hashOrPrefix: string): Promise<MessageLocation> {
    const h = hashOrPrefix.toLowerCase();
    if (/^[0-9a-f]{64}$/.test(h)) {
      const at = await this.#find(h);
      if (at) return at;
    } else if (/^[0-9a-f]{6,63}$/.test(h)) {
      const found: MessageLocation[] = [];
      for (const log of this.#registry.logs()) {
        for (const ref of log.referentsByPrefix(h, 'message', 2 - found.length)) found.push({ hash: ref.hash, channel: log.id, author: ref.author, seq: ref.seq });
        for (const ref of await this.#registry.memory.messagesByPrefix(log, h, 2 - found.length)) if (!found.some((f) => f.hash === ref.hash)) found.push({ hash: ref.hash, channel: log.id, author: ref.author, seq: ref.seq });
        if (found.length > 1) break;
      }
      if (found.length === 1) return found[0]!;
    }
    throw new TerminalError('MESSAGE_NOT_FOUND', { message: hashOrPrefix });
  }
}
