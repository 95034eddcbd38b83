/**
 * When escalation first looks at a new message, under the current policies: computed by the
 * projector before a message is stored (messages.escalation_due_at), so that the escalation
 * scheduler's tick reads only what is due. Also the steps of a policy and when it starts, which the
 * scheduler walks and the officer API shows.
 */
import type { MessageInput, MessageRow } from '../../store/index.js';
import type { EscalationPlanner as PlannerPort } from '../channels/projector.js';
import type { EscalationSettings, PolicySpec } from './settings.js';

/** One notification step of a policy, `offsetMs` after the policy starts. */
export interface EscalationStep {
  readonly level: number;
  readonly levelName: string;
  readonly repeat: number;
  readonly offsetMs: number;
  readonly contacts: readonly string[];
}

/** The steps of a policy, in order. */
export function escalationSteps(policy: PolicySpec): EscalationStep[] {
  const steps: EscalationStep[] = [];
  let offsetMs = 0;
  policy.levels.forEach((l, i) => {
    for (let repeat = 0; repeat <= (l.repeats ?? 0); repeat++) {
      steps.push({ level: i + 1, levelName: l.name, repeat, offsetMs, contacts: l.contacts });
      offsetMs += l.waitSec * 1000;
    }
  });
  return steps;
}

/** When escalation of a message starts under `policy`. */
export function escalationStart(m: Pick<MessageRow, 'time' | 'deadlineAt' | 'precedence'>, policy: PolicySpec): number {
  const atReceipt = policy.startAtReceipt?.some((p) => p === m.precedence) ?? false;
  return atReceipt ? Math.min(m.time, m.deadlineAt ?? m.time) : (m.deadlineAt ?? m.time);
}

export interface EscalationPlannerOptions {
  /** The current settings (they change through the API). */
  readonly settings: () => EscalationSettings;
  /** This terminal's party: its own messages are looked at when their deadline passes. */
  readonly self: string;
  /** A party's code, which policies name. */
  readonly label: (party: string) => string;
}

/** Plans each new message's first escalation look under the current policies. */
export class EscalationPlanner implements PlannerPort {
  readonly #o: EscalationPlannerOptions;
  /** The policy and first step per channel and author, for the settings `#for`. */
  readonly #first = new Map<string, { readonly policy: PolicySpec; readonly offsetMs: number } | null>();
  #for: EscalationSettings | undefined;

  constructor(options: EscalationPlannerOptions) {
    this.#o = options;
  }

  firstDueAt(m: Pick<MessageInput, 'channel' | 'author' | 'time' | 'deadlineAt' | 'precedence'>): number | null {
    if (m.deadlineAt === null) return null;
    if (m.author === this.#o.self) return m.deadlineAt;
    // Asked for every message stored: the policy's lookup is kept per channel and author.
    const settings = this.#o.settings();
    if (settings !== this.#for) {
      this.#first.clear();
      this.#for = settings;
    }
    const key = `${m.channel} ${m.author}`;
    let first = this.#first.get(key);
    if (first === undefined) {
      const policy = settings.policyFor(m.channel, this.#o.label(m.author));
      const step = escalationSteps(policy)[0];
      first = step ? { policy, offsetMs: step.offsetMs } : null;
      this.#first.set(key, first);
    }
    return first ? escalationStart(m, first.policy) + first.offsetMs : null;
  }
}
