/**
 * Per message, the escalation (#15 item 11): the steps taken (who was notified, how, when, the
 * outcome: GET /api/v1/escalations?message=) and the next one planned while it awaits
 * acknowledgement here (GET /api/v1/pending: escalation.next). Fetched when the officer opens it,
 * so a long timeline makes no request per message.
 */
import { useState, type ReactNode } from 'react';
import { api, type EscalationStep } from './api.js';
import { errorText } from './errors.js';
import { dtg, utc } from './format.js';
import { T } from './i18n.js';

interface Loaded {
  readonly steps: readonly EscalationStep[];
  readonly next: { level: number; levelName: string; at: number } | null;
}

export function EscalationSteps({
  messageId,
  awaiting,
}: {
  messageId: string;
  awaiting: boolean;
}): ReactNode {
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async () => {
    try {
      const [steps, pending] = await Promise.all([
        api.escalations(messageId),
        awaiting ? api.pending() : Promise.resolve([]),
      ]);
      setLoaded({
        steps: [...steps].sort((a, b) => a.at - b.at),
        next: pending.find((p) => p.id === messageId)?.escalation.next ?? null,
      });
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <details
      className="escalation-steps"
      data-testid="escalation-steps"
      onToggle={(e) => (e.currentTarget.open && !loaded ? void load() : undefined)}
    >
      <summary>
        <T k="escalationSteps" />
      </summary>
      {error && <p className="error">{error}</p>}
      {loaded && (
        <ol>
          {loaded.steps.length === 0 && !loaded.next && (
            <li className="muted">
              <T k="noEscalation" />
            </li>
          )}
          {loaded.steps.map((s, i) => (
            <li key={i} data-testid="escalation-step">
              <time dateTime={utc(s.at)}>{dtg(s.at)}</time> ·{' '}
              <T
                k="escalationStep"
                level={s.level}
                name={s.levelName}
                contact={s.contact}
                via={s.via}
                outcome={s.outcome}
              />
              {s.error ? <span className="muted"> ({s.error})</span> : null}
            </li>
          ))}
          {loaded.next && (
            <li data-testid="escalation-next">
              <time dateTime={utc(loaded.next.at)}>{dtg(loaded.next.at)}</time> ·{' '}
              <T k="escalationNext" level={loaded.next.level} name={loaded.next.levelName} />
            </li>
          )}
        </ol>
      )}
    </details>
  );
}
