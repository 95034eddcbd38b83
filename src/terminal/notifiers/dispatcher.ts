/**
 * Delivers notices to targets through the notifiers and records every attempt in
 * store.escalations: delivered, retrying (with the error), failed (for good, with the error) or
 * cancelled. Nothing is dropped silently: a target that reaches nobody is recorded as failed too.
 *
 * Webhook and e-mail failures are retried with capped exponential backoff, on the injected clock:
 * the scheduler's tick() calls {@link Dispatcher.tick}, which sends the retries that are due.
 * A retry's wait counts on the monotonic clock (`elapsed`) where one is given: a clock stepped back
 * an hour must not put off a failed webhook's next attempt by an hour (docs/operations.md "Clocks").
 */
import type { EscalationStore, EscalationVia } from '../../store/index.js';
import type { Resolution, RetrySettings, Target } from '../escalation/settings.js';
import type { Notice, Notifier } from './notification.js';

interface Retry {
  readonly notice: Notice;
  readonly target: Target;
  readonly attempt: number;
  /** When it is due, on the monotonic clock (`elapsed`, else `now`). */
  readonly due: number;
}

export interface DispatcherOptions {
  readonly store: EscalationStore;
  readonly notifiers: readonly Notifier[];
  readonly now: () => number;
  /** Monotonic milliseconds (any origin; never steps): retries wait on it. Default: `now`. */
  readonly elapsed?: () => number;
  readonly retry: () => RetrySettings;
  /** Whether a retry is still wanted (false: the message was acknowledged meanwhile). */
  readonly stillWanted?: (notice: Notice) => Promise<boolean>;
  readonly log?: { warn(o: object, m?: string): void };
  /** Told of every notice dispatched and every recorded outcome (metrics). */
  readonly observe?: {
    notice?(notice: Notice): void;
    outcome?(via: EscalationVia, outcome: 'delivered' | 'retrying' | 'failed' | 'cancelled'): void;
  };
}

/** Delay before attempt `attempt + 1` after attempt `attempt` failed. */
export function backoffMs(attempt: number, retry: RetrySettings): number {
  return Math.min(retry.backoffMs * 2 ** (attempt - 1), retry.maxBackoffMs);
}

export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #notifiers: Map<EscalationVia, Notifier>;
  #retries: Retry[] = [];

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#notifiers = new Map(options.notifiers.map((n) => [n.via, n]));
  }

  /** Sends `notice` to every resolved target (concurrently) and records each outcome. */
  async deliver(notice: Notice, resolution: Resolution): Promise<void> {
    this.#o.observe?.notice?.(notice);
    for (const u of resolution.unreachable)
      await this.#record(notice, { contact: u.contact, via: 'none', address: '-' }, 1, 'failed', u.reason);
    if (resolution.targets.length === 0 && resolution.unreachable.length === 0)
      await this.#record(notice, { contact: '-', via: 'none', address: '-' }, 1, 'failed', 'the policy names no contact for this step');
    await Promise.all(resolution.targets.map((t) => this.#attempt(notice, t, 1)));
  }

  /** Sends the retries that are due. */
  async tick(): Promise<void> {
    const now = this.#mono();
    const due = this.#retries.filter((r) => r.due <= now);
    if (due.length === 0) return;
    this.#retries = this.#retries.filter((r) => r.due > now);
    await Promise.all(
      due.map(async (r) => {
        if (this.#o.stillWanted && !(await this.#o.stillWanted(r.notice))) {
          await this.#record(r.notice, r.target, r.attempt, 'cancelled', 'acknowledged meanwhile; no more attempts');
          return;
        }
        await this.#attempt(r.notice, r.target, r.attempt);
      }),
    );
  }

  /** Retries waiting for their time. */
  pending(): Array<{ contact: string; via: EscalationVia; attempt: number; dueAt: number }> {
    const now = this.#o.now();
    const mono = this.#mono();
    return this.#retries.map((r) => ({ contact: r.target.contact, via: r.target.via, attempt: r.attempt, dueAt: now + (r.due - mono) }));
  }

  #mono(): number {
    return (this.#o.elapsed ?? this.#o.now)();
  }

  async #attempt(notice: Notice, target: Target, attempt: number): Promise<void> {
    const notifier = this.#notifiers.get(target.via);
    if (!notifier) {
      await this.#record(notice, target, attempt, 'failed', target.via === 'email' ? 'no SMTP server configured (config.json "smtp")' : `no ${target.via} notifier`);
      return;
    }
    try {
      await notifier.send(target, notice);
    } catch (e) {
      const error = (e as Error).message || String(e);
      const retry = this.#o.retry();
      const again = target.via !== 'console' && attempt < retry.maxAttempts;
      this.#o.log?.warn({ contact: target.contact, via: target.via, attempt, err: error }, again ? 'notification failed; will retry' : 'notification failed for good');
      await this.#record(notice, target, attempt, again ? 'retrying' : 'failed', error);
      if (again) this.#retries.push({ notice, target, attempt: attempt + 1, due: this.#mono() + backoffMs(attempt, retry) });
      return;
    }
    await this.#record(notice, target, attempt, 'delivered', null);
  }

  async #record(n: Notice, t: { contact: string; via: EscalationVia; address: string }, attempt: number, outcome: 'delivered' | 'retrying' | 'failed' | 'cancelled', error: string | null): Promise<void> {
    this.#o.observe?.outcome?.(t.via, outcome);
    try {
      await this.#o.store.record({
        kind: n.kind,
        message: n.message?.hash ?? null,
        channel: n.channel,
        level: n.level,
        levelName: n.levelName,
        repeat: n.repeat,
        contact: t.contact,
        via: t.via,
        address: t.address,
        attempt,
        at: this.#o.now(),
        outcome,
        error: error === null ? null : error.slice(0, 1000),
      });
    } catch (e) {
      this.#o.log?.warn({ err: (e as Error).message, contact: t.contact, outcome }, 'could not record an escalation step');
    }
  }
}
