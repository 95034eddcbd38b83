/**
 * The console notifier: an `escalation` event on the officer WebSocket (/api/v1/events), which
 * the console rings for.
 */
import type { EventSink } from '../events/event-bus.js';
import type { Target } from '../escalation/settings.js';
import type { Notice, Notifier } from './notification.js';

export class ConsoleNotifier implements Notifier {
  readonly via = 'console' as const;
  readonly #events: EventSink;

  /** @param events where the terminal's events go (its event bus) */
  constructor(events: EventSink) {
    this.#events = events;
  }

  async send(target: Target, n: Notice): Promise<void> {
    this.#events.emit({
      type: 'escalation',
      kind: n.kind,
      subject: n.subject,
      text: n.text,
      ...(n.channel ? { channel: n.channel } : {}),
      ...(n.message ? { message: n.message.hash, precedence: n.message.precedence, drill: n.message.drill } : {}),
      level: n.level,
      levelName: n.levelName,
      repeat: n.repeat,
      contact: target.contact,
      at: n.at,
    });
  }
}
