/**
 * What notifiers deliver: one notice (an escalation step, an overdue acknowledgement, an alarm)
 * to one target (a console, a webhook, an e-mail address). Notifiers are small and alike: each
 * sends one notice to one target and throws when it could not; the dispatcher records the
 * outcome and retries.
 */
import type { EscalationKind, EscalationVia } from '../../store/index.js';
import type { Target } from '../escalation/settings.js';

/** The message a notice is about. */
export interface NoticeMessage {
  readonly hash: string;
  /** Code of the party that sent it. */
  readonly from: string;
  readonly precedence: string;
  readonly text: string;
  readonly time: number;
  readonly deadlineAt: number | null;
  readonly drill: boolean;
}

/** One thing to tell people. */
export interface Notice {
  readonly kind: EscalationKind;
  /** This terminal's party code. */
  readonly party: string;
  readonly channel: string | null;
  readonly message: NoticeMessage | null;
  /** 1-based level (0 for overdue and alarms). */
  readonly level: number;
  readonly levelName: string;
  readonly repeat: number;
  readonly alarm: { readonly code: string; readonly message: string } | null;
  /**
   * For an overdue message of ours: the codes of the parties it is addressed to that have not
   * acknowledged it (in a channel of three, CN may have and RU not). Absent otherwise.
   */
  readonly owedBy?: readonly string[];
  /** When the step was taken. */
  readonly at: number;
  /** One line. */
  readonly subject: string;
  /** A few lines of plain text. */
  readonly text: string;
}

/** Sends a notice to a target; throws with a short reason when it could not. */
export interface Notifier {
  readonly via: EscalationVia;
  send(target: Target, notice: Notice): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Subject and text of a notice, the same words on every medium. */
export function describeNotice(n: Omit<Notice, 'subject' | 'text'>): { subject: string; text: string } {
  const m = n.message;
  const drill = m?.drill ? 'DRILL ' : '';
  const ch = n.channel ? ` on channel ${n.channel.slice(0, 12)}` : '';
  if (n.kind === 'dialogue') {
    const a = n.alarm!;
    return { subject: `[Hotline ${n.party}] ${a.code.replace(/_/g, ' ')}${ch}`, text: `${a.message}\n\nAt ${iso(n.at)}. See it with: hotline ${a.code.startsWith('MEETING') ? 'meeting' : 'commitment'} list ${n.channel?.slice(0, 12) ?? ''}` };
  }
  if (n.kind === 'alarm') {
    const a = n.alarm!;
    return { subject: `[Hotline ${n.party}] ALARM ${a.code}${ch}`, text: `${a.message}\n\nAt ${iso(n.at)}.` };
  }
  const about = m ? `${drill}${m.precedence} message ${m.hash.slice(0, 12)} from ${m.from}` : 'message';
  const body = m ? `\n\n"${m.text.length > 500 ? `${m.text.slice(0, 497)}...` : m.text}"\n\nSent ${iso(m.time)}; acknowledgement due ${m.deadlineAt ? iso(m.deadlineAt) : '-'}.` : '';
  if (n.kind === 'overdue')
    return {
      subject: `[Hotline ${n.party}] NOT ACKNOWLEDGED by deadline${n.owedBy?.length ? ` by ${n.owedBy.join(', ')}` : ''}: ${about}${ch}`,
      text: `${n.owedBy?.length ? n.owedBy.join(', ') : 'The other side'} ${n.owedBy && n.owedBy.length > 1 ? 'have' : 'has'} not acknowledged our ${about.replace(/ from \S+$/, '')}${ch} by its deadline.${body}`,
    };
  return {
    subject: `[Hotline ${n.party}] ${drill}${m?.precedence ?? ''} awaiting acknowledgement: level ${n.level} (${n.levelName})${n.repeat ? `, reminder ${n.repeat}` : ''}${ch}`,
    text: `${about}${ch} has not been acknowledged. Escalation level ${n.level} (${n.levelName})${n.repeat ? `, reminder ${n.repeat}` : ''}.${body}\n\nAcknowledge it with: hotline ack ${m?.hash.slice(0, 16) ?? ''}`,
  };
}
