/** Time left to an acknowledgement deadline; red and counting up once overdue. */
import { duration, utc } from './format.js';
import { useTranslation } from 'react-i18next';
import { useSecondTick } from './hooks.js';

/** `now` given: that time; otherwise the page's shared one-second tick (hooks.ts). */
export function Countdown({ deadlineAt, now: given }: { deadlineAt: number | null; now?: number }) {
  const { t } = useTranslation();
  const ticked = useSecondTick();
  const now = given ?? ticked;
  if (deadlineAt === null) return null;
  const left = deadlineAt - now;
  const overdue = left < 0;
  return (
    <span className={`countdown${overdue ? ' overdue' : left < 60_000 ? ' soon' : ''}`} role="timer" title={`deadline ${utc(deadlineAt)}`} data-testid="countdown">
      {overdue ? `${t('overdue')} +${duration(left)}` : t('left', { time: duration(left) })}
    </span>
  );
}
