/**
 * Daily checkpoints (docs/protocol.md §15.1): for every version-2 channel in a state that allows
 * them, this terminal writes a checkpoint when it has none yet or its last is a day old. Each one
 * the other parties accept (after checking its commitment against their own logs) is a state of
 * the channel every party signed: what `hotline export --since` anchors a period at.
 *
 * Driven by an injected clock: the runtime calls tick() every minute; tests call it by hand.
 */
import { checkpointsAmong, isWriter, KINDS_BY_STATE } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { ChannelActions, ChannelDirectory } from '../channels/ports.js';
import type { Clock } from '../clock.js';

/** One checkpoint a day per channel and party: about 365 entries a year. */
export const CHECKPOINT_INTERVAL_MS = 86_400_000;

export interface CheckpointSchedulerPorts {
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'channel'>;
  readonly actions: Pick<ChannelActions, 'checkpoint'>;
  readonly store: Pick<Store, 'listLastingRawEntries'>;
  readonly self: { readonly party: string };
  readonly clock: Clock;
  /** Least time between two checkpoints of a channel, ms (default a day). */
  readonly intervalMs?: number;
}

export class CheckpointScheduler {
  readonly #p: CheckpointSchedulerPorts;
  /** The time of this party's last checkpoint per channel (0: none), read from the store once. */
  readonly #last = new Map<string, number>();
  /** Checkpoints written since start (metrics, tests). */
  written = 0;

  constructor(ports: CheckpointSchedulerPorts) {
    this.#p = ports;
  }

  /** Writes the checkpoints due now. */
  async tick(): Promise<void> {
    const now = this.#p.clock.now();
    const interval = this.#p.intervalMs ?? CHECKPOINT_INTERVAL_MS;
    for (const id of this.#p.directory.channelIds()) {
      const log = this.#p.directory.channel(id);
      const d = log.state(now);
      // Not on a channel an amendment removed this party from (it writes nothing there any more).
      if ((d.charter.protocol ?? 1) < 2 || !KINDS_BY_STATE[d.state].has('checkpoint') || !isWriter(d, this.#p.self.party)) continue;
      const last = this.#last.get(id) ?? (await this.#lastOwn(id));
      this.#last.set(id, last);
      if (last > 0 && now - last < interval) continue;
      try {
        const k = await this.#p.actions.checkpoint(id);
        this.#last.set(id, k.entry.time);
        this.written++;
      } catch {
        // the channel changed state or is reconciling; the next tick decides again
      }
    }
  }

  async #lastOwn(channel: string): Promise<number> {
    const own = checkpointsAmong(await this.#p.store.listLastingRawEntries(channel)).find((k) => k.entry.author === this.#p.self.party);
    return own?.entry.time ?? 0;
  }
}
