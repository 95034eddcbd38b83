/**
 * The escalation record: every notification step a terminal took (who was notified, how, when,
 * and whether delivery worked), for messages not acknowledged in time and for alarms.
 * Exposed as `store.escalations`; the table comes from migration '0003_escalations'.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, EscalationsTable } from './schema.js';

/** Why a notification was sent. */
export type EscalationKind =
  /** A message of the other side awaits our acknowledgement: a level of our policy. */
  | 'escalation'
  /** Our own message was not acknowledged by the other side by its deadline. */
  | 'overdue'
  /** An alarm (link down/up, equivocation). */
  | 'alarm'
  /** A dialogue reminder: a meeting soon, a commitment due or overdue (docs/protocol.md §6.1). */
  | 'dialogue';

/** How a contact was reached; `none` when a target reached nobody (e.g. nobody on watch in a role). */
export type EscalationVia = 'console' | 'webhook' | 'email' | 'none';

/**
 * What became of one delivery attempt: `delivered`; `retrying` (failed, another attempt is
 * scheduled); `failed` (failed for good, or nobody could be reached); `cancelled` (retries
 * stopped because the message was acknowledged meanwhile).
 */
export type EscalationOutcome = 'delivered' | 'retrying' | 'failed' | 'cancelled';

/** One recorded step. */
export interface EscalationStepInput {
  readonly kind: EscalationKind;
  /** Hash of the message, for kinds `escalation` and `overdue`. */
  readonly message: string | null;
  /** The Hotline channel id, when known. */
  readonly channel: string | null;
  /** 1-based policy level (0 for `overdue` and `alarm`). */
  readonly level: number;
  /** The level's name, e.g. "watch supervisor". */
  readonly levelName: string;
  /** 0 for the first notification of a level, 1.. for its repeats. */
  readonly repeat: number;
  /** The contact (or rostered officer) as named in the configuration. */
  readonly contact: string;
  readonly via: EscalationVia;
  /** The URL, e-mail address or "console" (never the webhook secret). */
  readonly address: string;
  /** 1 for the first attempt of a delivery. */
  readonly attempt: number;
  readonly at: number;
  readonly outcome: EscalationOutcome;
  readonly error: string | null;
}

/** A stored step, with its id. */
export interface EscalationStepRow extends EscalationStepInput {
  readonly id: number;
}

/** Filters for {@link EscalationStore.list}. */
export interface ListEscalationsOptions {
  readonly message?: string;
  readonly channel?: string;
  /** Only steps about one of these channels (an officer's channels). */
  readonly channels?: readonly string[];
  /** Only steps at or after this time. */
  readonly since?: number;
  readonly limit?: number;
}

/** Persistence of escalation steps. */
export interface EscalationStore {
  /** Records one step; returns its id. */
  record(step: EscalationStepInput): Promise<number>;
  /** Steps, oldest first. */
  list(options?: ListEscalationsOptions): Promise<EscalationStepRow[]>;
}

/** {@link EscalationStore} over Kysely (any backend of the store). */
export class KyselyEscalationStore implements EscalationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(step: EscalationStepInput): Promise<number> {
    const row = await this.db
      .insertInto('escalations')
      .values({
        kind: step.kind,
        message: step.message,
        channel: step.channel,
        level: step.level,
        level_name: step.levelName,
        repeat: step.repeat,
        contact: step.contact,
        via: step.via,
        address: step.address,
        attempt: step.attempt,
        at: step.at,
        outcome: step.outcome,
        error: step.error,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async list(options: ListEscalationsOptions = {}): Promise<EscalationStepRow[]> {
    let query = this.db.selectFrom('escalations').selectAll();
    if (options.message !== undefined) query = query.where('message', '=', options.message);
    if (options.channel !== undefined) query = query.where('channel', '=', options.channel);
    if (options.channels !== undefined) {
      if (options.channels.length === 0) return [];
      query = query.where('channel', 'in', options.channels);
    }
    if (options.since !== undefined) query = query.where('at', '>=', options.since);
    query = query.orderBy('id');
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(toStep);
  }
}

function toStep(r: Selectable<EscalationsTable>): EscalationStepRow {
  return {
    id: Number(r.id),
    kind: r.kind as EscalationKind,
    message: r.message,
    channel: r.channel,
    level: r.level,
    levelName: r.level_name,
    repeat: r.repeat,
    contact: r.contact,
    via: r.via as EscalationVia,
    address: r.address,
    attempt: r.attempt,
    at: Number(r.at),
    outcome: r.outcome as EscalationOutcome,
    error: r.error,
  };
}
