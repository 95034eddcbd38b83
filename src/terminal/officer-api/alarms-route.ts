/**
 * GET /api/v1/alarms: the alarms raised lately, newest first, for the channels the caller may read
 * (and every alarm of no channel: links, the database, the clock, the terminal's own thread).
 *
 * Alarms reach a console live over the events socket, and a console that was not connected when
 * one was raised never heard it: above all the alarms raised when the terminal comes back from
 * something that cut every console off (TERMINAL_RUNS_AGAIN after a stalled disk, CLOCK_SET_BACK
 * at a start). The console reads this list when it loads and every time it reloads, so what was
 * raised while it was away is shown all the same. Kept in memory: the last {@link RECENT_ALARMS}
 * since this terminal started (the log and the alarm contacts' notifications keep them all).
 */
import type { FastifyInstance } from 'fastify';
import type { EventSource } from '../events/event-bus.js';
import { RecentAlarm, RecentAlarms as RecentAlarmsList } from './api-schemas.js';
import { mayRead } from './auth.js';

/** How many alarms are kept. */
export const RECENT_ALARMS = 50;

/** The last alarms raised, oldest first. */
export class RecentAlarms {
  readonly #list: RecentAlarm[] = [];
  readonly #stop: () => void;

  constructor(events: EventSource, now: () => number, max = RECENT_ALARMS) {
    this.#stop = events.on('alarm', (e) => {
      this.#list.push({ at: now(), code: e.code, message: e.message, ...(e.channel !== undefined ? { channel: e.channel } : {}), ...(e.peer !== undefined ? { peer: e.peer } : {}) });
      if (this.#list.length > max) this.#list.shift();
    });
  }

  /** Newest first. */
  list(): RecentAlarm[] {
    return [...this.#list].reverse();
  }

  stop(): void {
    this.#stop();
  }
}

/** Registers GET /api/v1/alarms; the alarms are kept from now on, until the server closes. */
export async function alarmsRoute(app: FastifyInstance, opts: { readonly events: EventSource; readonly now: () => number }): Promise<void> {
  const recent = new RecentAlarms(opts.events, opts.now);
  app.addHook('onClose', async () => recent.stop());
  app.get(
    '/api/v1/alarms',
    {
      config: { permission: 'authenticated' },
      schema: {
        summary: `The last ${RECENT_ALARMS} alarms raised since this terminal started, newest first, for the channels the caller may read (and those of no channel): what a console that was not connected missed`,
        response: { 200: RecentAlarmsList },
      },
    },
    async (request) => ({ alarms: recent.list().filter((a) => a.channel === undefined || mayRead(request.principal, a.channel)) }),
  );
}
