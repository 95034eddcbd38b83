/**
 * The wallboard (#15 item 3): a read-only watch view for a wall screen in an operations room, in
 * large type. Link state per peer, the alarms and what awaits acknowledgement with countdowns, the
 * last messages of every channel. It has no action at all; it reloads every 5 s and on every event,
 * reconnects by itself, and says loudly when what it shows is stale.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, connectEvents, type ChannelSummary, type Message, type Pending, type PendingSummary, type Status } from './api.js';
import { alarmsOf } from './alarms.js';
import { Countdown } from './Countdown.js';
import { titleOf, when } from './format.js';
import { useNow } from './hooks.js';
import { T, tr, useLanguage } from './i18n.js';
import { SignedText } from './SignedText.js';

/** Older than this, what the wallboard shows is marked stale. */
const STALE_MS = 15_000;

interface Board {
  status: Status;
  channels: ChannelSummary[];
  pending: Pending[];
  summary: PendingSummary;
  latest: Array<Message & { channel: string }>;
  at: number;
}

export function Wallboard() {
  const [board, setBoard] = useState<Board | undefined>();
  const [live, setLive] = useState(false);
  const now = useNow(1000);
  const lang = useLanguage();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    const [status, channels, pending, summary] = await Promise.all([api.status(), api.channels(), api.pending(), api.pendingSummary()]);
    const lists = await Promise.all(channels.filter((c) => c.state === 'active').map(async (c) => (await api.messages(c.id)).map((m) => ({ ...m, channel: c.id }))));
    const latest = lists.flat().sort((a, b) => b.time - a.time).slice(0, 8);
    setBoard({ status, channels, pending: [...pending], summary, latest, at: Date.now() });
  }, []);

  useEffect(() => {
    void load().catch(() => {});
    const t = setInterval(() => void load().catch(() => {}), 5000);
    const stop = connectEvents(
      () => {
        clearTimeout(timer.current);
        timer.current = setTimeout(() => void load().catch(() => {}), 300);
      },
      (open) => setLive(open),
    );
    return () => {
      clearInterval(t);
      stop();
    };
  }, [load]);

  const stale = !board || !live || now - board.at > STALE_MS;
  const title = (id: string) => {
    const c = board?.channels.find((x) => x.id === id);
    return c ? titleOf(c.title, lang) : id.slice(0, 12);
  };
  const alarms = board ? alarmsOf(board.pending, now) : [];
  return (
    <div className="wallboard" data-testid="wallboard">
      <header className="wall-top">
        <h1>
          Hotline <span className="party">{board?.status.code ?? ''}</span>
        </h1>
        <ul className="wall-links" aria-label={tr('linkStates')}>
          {(board?.status.links ?? []).map((l) => (
            <li key={l.peer} className={`link link-${l.state}`}>
              {l.code}: {l.state}
            </li>
          ))}
        </ul>
        <span className="wall-clock">{when(now, now)}</span>
      </header>
      {stale && (
        <p className="wall-stale" role="alert" data-testid="wall-stale">
          <T k="wallStale" time={board ? when(board.at, now) : '—'} />
        </p>
      )}
      {alarms.length > 0 && (
        <section className="flash-banner wall-alarms" role="alert" aria-live="assertive">
          {alarms.map((a) => (
            <div key={a.id} className="flash-item">
              <strong>{a.why === 'flash' ? tr('alarmFlash') : tr(a.why === 'overdue' ? 'alarmOverdue' : 'alarmEscalated', { precedence: a.precedence })}</strong> <T k="from" party={a.from} /> — {title(a.channel)}: <SignedText text={a.text.slice(0, 160)} />
            </div>
          ))}
        </section>
      )}
      <div className="wall-grid">
        <section>
          <h2>
            <T k="awaiting" /> ({board?.summary.total ?? 0})
          </h2>
          <ol className="wall-pending">
            {(board?.pending ?? []).slice(0, 12).map((p) => (
              <li key={p.id} className={`prec-${p.precedence}`}>
                <span className={`badge prec prec-${p.precedence}`}>{p.precedence}</span> {p.from} — {title(p.channel)}: <SignedText text={p.text.slice(0, 80)} /> <Countdown deadlineAt={p.deadlineAt} now={now} />
              </li>
            ))}
          </ol>
        </section>
        <section>
          <h2>
            <T k="latest" />
          </h2>
          <ol className="wall-latest">
            {(board?.latest ?? []).map((m) => (
              <li key={m.id} className={`prec-${m.precedence}`}>
                <span className="muted">{when(m.time, now)}</span> <span className={`badge prec prec-${m.precedence}`}>{m.precedence}</span> {m.from} — {title(m.channel)}: <SignedText text={m.text.slice(0, 100)} />
              </li>
            ))}
          </ol>
        </section>
      </div>
    </div>
  );
}
