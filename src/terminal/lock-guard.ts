/**
 * The terminal lock kept (store/terminal-lock.ts): while it is lost, nothing is signed. A
 * PostgreSQL terminal holds its lock through one connection, which a server restart, a failover or
 * `pg_terminate_backend` ends; until the lock is taken again a second `hotline serve` could start
 * on the same database and both would sign at the same sequence numbers (equivocation, recorded
 * against the party by every peer). So the store refuses appends of entries (STORE_LOCK_LOST) from
 * the moment the loss is heard until the lock is held again; the alarm says so, readiness answers
 * 503, and a process that finds another holding the lock meanwhile stays refused while it does.
 */
import type { LockChange, Store, TerminalLock } from '../store/index.js';
import type { Clock } from './clock.js';
import type { EventSink } from './events/event-bus.js';
import { TERMINAL_ERRORS } from './errors.js';

export interface LockGuardOptions {
  readonly lock: TerminalLock;
  readonly store: Pick<Store, 'holdWrites'>;
  readonly events: EventSink;
  readonly clock: Clock;
  readonly log: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
}

/** Holds the store's writes while the terminal lock is lost. */
export class LockGuard {
  #lostSince: number | undefined;
  #taken: string | undefined;

  constructor(private readonly o: LockGuardOptions) {
    o.lock.watch((change) => this.#on(change));
  }

  /** Since when the lock is not held (undefined: held). */
  get lostSince(): number | undefined {
    return this.#lostSince;
  }

  /** Who took the lock while it was lost, if anyone did (this process signs nothing while they hold it). */
  get takenBy(): string | undefined {
    return this.#taken;
  }

  #on(change: LockChange): void {
    const { store, events, clock, log } = this.o;
    if (change.type === 'lost') {
      if (this.#lostSince !== undefined) return;
      this.#lostSince = clock.now();
      store.holdWrites(change.reason);
      const message = TERMINAL_ERRORS.format('TERMINAL_LOCK_LOST', { reason: change.reason });
      log.error({ code: 'TERMINAL_LOCK_LOST', reason: change.reason }, message);
      events.emit({ type: 'alarm', code: 'TERMINAL_LOCK_LOST', message });
    } else if (change.type === 'taken') {
      this.#taken = change.holder;
      const message = TERMINAL_ERRORS.format('TERMINAL_LOCK_TAKEN', { holder: change.holder });
      log.error({ code: 'TERMINAL_LOCK_TAKEN', holder: change.holder }, message);
      events.emit({ type: 'alarm', code: 'TERMINAL_LOCK_TAKEN', message });
    } else {
      this.#lostSince = undefined;
      this.#taken = undefined;
      store.holdWrites(undefined);
      const message = TERMINAL_ERRORS.format('TERMINAL_LOCK_REGAINED', {});
      log.warn({ code: 'TERMINAL_LOCK_REGAINED' }, message);
      events.emit({ type: 'alarm', code: 'TERMINAL_LOCK_REGAINED', message });
    }
  }
}
