/** Time left to an acknowledgement deadline; red and counting up once overdue. */
import { duration, utc } from './format.js';
import { L } from './i18n.js';

export function Countdown({ deadlineAt, now }: { deadlineAt: number | null; now: number }) {
  if (deadlineAt === null) return null;
  const left = deadlineAt - now;
  const overdue = left < 0;
  return (
    <span className={`countdown${overdue ? ' overdue' : left < 60_000 ? ' soon' : ''}`} role="timer" title={`deadline ${utc(deadlineAt)}`} data-testid="countdown">
      {overdue ? `${L.overdue[0]} ${L.overdue[1]} +${duration(left)}` : `${duration(left)} left · 剩余`}
    </span>
  );
}
