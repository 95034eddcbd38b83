/**
 * The terminal's typed event bus: one instance, owned by the composition root (terminal.ts).
 * Producers get the narrow {@link EventSink}; consumers the narrow {@link EventSource}, and
 * subscribe to the event types they handle (or to all of them: the officers' events socket).
 *
 * Delivery is synchronous and in subscription order, as Node's EventEmitter was: a listener that
 * throws is logged through `onListenerError` and does not stop the others.
 */
import type { EntryKind } from '../../protocol/index.js';

/** Everything that happens on a terminal that another part of it (or an officer) may care about. */
export type TerminalEvent =
  /** An entry was durably committed to a channel (own, or received from a peer). */
  | { type: 'entry'; channel: string; hash: string; author: string; authorCode: string; seq: number; kind: EntryKind; time: number; own: boolean; body: unknown }
  /** A channel's charter state changed (proposed, active, suspended, ...). */
  | { type: 'state'; channel: string; state: string; previous: string | null }
  /** Something an officer must see: a rejected entry, equivocation, a link going down, an overdue acknowledgement. */
  | { type: 'alarm'; code: string; message: string; channel?: string; peer?: string }
  /** A notification for the officers at this terminal's consoles (src/terminal/notifiers/console-notifier.ts). */
  | { type: 'escalation'; kind: 'escalation' | 'overdue' | 'alarm' | 'dialogue'; subject: string; text: string; channel?: string; message?: string; precedence?: string; drill?: boolean; level: number; levelName: string; repeat: number; contact: string; at: number }
  /** The set of peers (or a peer's card) changed. */
  | { type: 'peers' }
  /** A peer connected to us: our own link to it is worth retrying at once. */
  | { type: 'peer-seen'; peer: string };

/** The type names of {@link TerminalEvent}. */
export type TerminalEventType = TerminalEvent['type'];
/** The event of one type. */
export type EventOf<T extends TerminalEventType> = Extract<TerminalEvent, { type: T }>;

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** Where producers publish events. */
export interface EventSink {
  emit(event: TerminalEvent): void;
}

/** Where consumers subscribe to events. */
export interface EventSource {
  /** Calls `listener` for every event of `type`. */
  on<T extends TerminalEventType>(type: T, listener: (event: EventOf<T>) => void): Unsubscribe;
  /** Calls `listener` for every event (the officers' events socket, metrics). */
  onAny(listener: (event: TerminalEvent) => void): Unsubscribe;
}

type Listener = (event: TerminalEvent) => void;

/** The bus itself: constructed once, by the composition root. */
export class EventBus implements EventSink, EventSource {
  readonly #byType = new Map<TerminalEventType, Set<Listener>>();
  readonly #any = new Set<Listener>();
  readonly #onListenerError: (error: unknown, event: TerminalEvent) => void;

  constructor(options: { onListenerError?: (error: unknown, event: TerminalEvent) => void } = {}) {
    this.#onListenerError = options.onListenerError ?? (() => {});
  }

  on<T extends TerminalEventType>(type: T, listener: (event: EventOf<T>) => void): Unsubscribe {
    let set = this.#byType.get(type);
    if (!set) {
      set = new Set();
      this.#byType.set(type, set);
    }
    // A listener may be added twice (two subscriptions): wrap so each unsubscribe removes its own.
    const own: Listener = (e) => listener(e as EventOf<T>);
    set.add(own);
    return () => void set.delete(own);
  }

  onAny(listener: (event: TerminalEvent) => void): Unsubscribe {
    const own: Listener = (e) => listener(e);
    this.#any.add(own);
    return () => void this.#any.delete(own);
  }

  emit(event: TerminalEvent): void {
    const typed = this.#byType.get(event.type);
    if (typed) for (const l of typed) this.#call(l, event);
    for (const l of this.#any) this.#call(l, event);
  }

  /** Listeners subscribed now (tests: nothing leaks after close). */
  get listenerCount(): number {
    let n = this.#any.size;
    for (const s of this.#byType.values()) n += s.size;
    return n;
  }

  #call(listener: Listener, event: TerminalEvent): void {
    try {
      listener(event);
    } catch (e) {
      this.#onListenerError(e, event);
    }
  }
}
