/**
 * The officer console: sign-in, then the watch screen — FLASH banner (and ring), what awaits
 * acknowledgement with countdowns, channels with state badges, and the chosen channel.
 * It talks only to the officer API (api.ts).
 */
import { SignedText } from './SignedText.js';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { alarmsOf, newAlarms, type Alarm } from './alarms.js';
import { notifyAlarm, setTabIcon } from './notify.js';
import { api, bodyOf, connectEvents, onSessionEnded, PENDING_SHOWN, type ApiEvent, type ChannelSummary, type EntryEvent, type Pending, type PendingSummary, type Precedence, type Session, type Status } from './api.js';
import { ChannelView, type EventFeed } from './ChannelView.js';
import { DialogueView } from './DialogueView.js';
import { applyToPending } from './live.js';
import { Countdown } from './Countdown.js';
import { titleOf, when } from './format.js';
import { useNow } from './hooks.js';
import { LanguageSwitch, T, tr, useLanguage } from './i18n.js';
import { SignIn } from './SignIn.js';
import { ThemeSwitch } from './theme.js';
import { Wallboard } from './Wallboard.js';
import { ProposeForm } from './ProposeForm.js';
import { audioReady, ring, unlockAudio, unlockOnFirstGesture } from './sound.js';

/** The languages of a channel's charter: its title is given in each (the charter's `languages`). */
const charterLanguages = (c: ChannelSummary | undefined): string[] | undefined => (c ? Object.keys(c.title) : undefined);

/** #verify: a bundle or proof verified in this browser (VerifyView.tsx), loaded only when opened. */
const VerifyView = lazy(() => import('./VerifyView.js'));
/** #ops, with its uPlot charts: loaded when opened, so uPlot is not in the first view. */
const OpsView = lazy(() => import('./OpsView.js').then((m) => ({ default: m.OpsView })));

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>();
  // The screens by the address's fragment: #ops and #wall, else the watch.
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);

  const refresh = useCallback(async () => {
    try {
      setSession(await api.session());
    } catch (e) {
      setNotice(`Cannot reach the terminal: ${(e as Error).message}`);
      setSession(null);
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onSessionEnded((why) => {
      setNotice(`Signed out: ${why}`);
      setSession(null);
    });
  }, [refresh]);

  // No sign-in needed to verify a file: the verdict is the browser's own, not the terminal's.
  if (hash.startsWith('#verify'))
    return (
      <Suspense fallback={<p className="muted center">{tr('loading')}</p>}>
        <VerifyView onClose={() => (location.hash = '')} />
      </Suspense>
    );
  if (session === undefined)
    return (
      <p className="muted center">
        <T k="loading" />
      </p>
    );
  if (session === null)
    return (
      <SignIn
        notice={notice}
        onSignedIn={() => {
          setNotice(undefined);
          void refresh();
        }}
      />
    );
  // #wall: the read-only wallboard for a wall screen (an officer signs in once on that screen).
  if (hash.startsWith('#wall')) return <Wallboard />;
  // #ops: readiness, what is overdue, the roster and the audit log (OpsView.tsx).
  if (hash.startsWith('#ops'))
    return (
      <Suspense fallback={<p className="muted center">{tr('loading')}</p>}>
        <OpsView session={session} />
      </Suspense>
    );
  return (
    <Watch
      session={session}
      onSignOut={async () => {
        await api.logout().catch(() => {});
        setSession(null);
      }}
    />
  );
}

interface Flash {
  id: string;
  channel: string;
  from: string;
  text: string;
  drill: boolean;
}

function Watch({ session, onSignOut }: { session: Session; onSignOut: () => Promise<void> }) {
  const [status, setStatus] = useState<Status | undefined>();
  const [channels, setChannels] = useState<ChannelSummary[]>([]);
  const [{ pending, summary }, setPendingState] = useState<{ pending: readonly Pending[]; summary: PendingSummary }>({ pending: [], summary: { total: 0, channels: {} } });
  const [selected, setSelected] = useState<string | undefined>(() => new URLSearchParams(location.hash.slice(1)).get('channel') ?? undefined);
  const [proposing, setProposing] = useState(false);
  // The channel view subscribes to the events it applies itself; `connections` counts the times
  // the events socket (re)opened, after which the view loads again (events may have been missed).
  const feed = useRef(new Set<(e: ApiEvent) => void>());
  const subscribe = useCallback<EventFeed>((fn) => {
    feed.current.add(fn);
    return () => void feed.current.delete(fn);
  }, []);
  const [connections, setConnections] = useState(0);
  const [flashes, setFlashes] = useState<Flash[]>([]);
  const [silenced, setSilenced] = useState(false);
  const [live, setLive] = useState(false);
  const [alarms, setAlarms] = useState<Array<{ at: number; text: string }>>([]);
  const [sound, setSound] = useState(audioReady());
  const now = useNow(1000);
  const lang = useLanguage();
  const may = useMemo(() => ({ send: session.permissions.includes('message.send'), ack: session.permissions.includes('message.ack'), maxPrecedence: (session.maxPrecedence ?? null) as Precedence | null, permissions: session.permissions }), [session]);
  const mayDialogue = useMemo(() => ({ write: session.permissions.includes('dialogue.write'), position: session.permissions.includes('dialogue.position'), endorse: session.permissions.includes('dialogue.endorse'), commitment: session.permissions.includes('dialogue.commitment') }), [session]);
  const [tab, setTab] = useState<'messages' | 'dialogue'>('messages');
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // Messages and acknowledgements seen while a load is under way: applied again to its answer.
  const seenWhileLoading = useRef(new Set<EntryEvent[]>());
  const loadAll = useCallback(async () => {
    const seen: EntryEvent[] = [];
    seenWhileLoading.current.add(seen);
    let answers;
    try {
      // The alarms raised lately, those raised while this console was away too (a terminal older
      // than the list answers 404: the live ones only, as before).
      answers = await Promise.all([api.status(), api.channels(), api.pending(), api.pendingSummary(), api.alarms().catch(() => undefined)]);
    } finally {
      seenWhileLoading.current.delete(seen);
    }
    const [s, c, p, n, recent] = answers;
    if (recent) setAlarms(recent.alarms.slice(0, 5).map((a) => ({ at: a.at, text: a.message })));
    const loaded = seen.reduce((state, e) => applyToPending(state, e, PENDING_SHOWN, true), { pending: p as readonly Pending[], summary: n });
    setStatus(s);
    setChannels(c);
    setPendingState(loaded);
    // A FLASH banner goes once its message no longer awaits acknowledgement (when the list is
    // whole; else when its acknowledgement is seen, below).
    if (loaded.summary.total <= loaded.pending.length) setFlashes((f) => f.filter((x) => loaded.pending.some((q) => q.id === x.id)));
    setSelected((cur) => cur ?? c.find((x) => x.state === 'active')?.id ?? c[0]?.id);
  }, []);

  useEffect(() => {
    void loadAll().catch(() => {});
    const t = setInterval(() => void loadAll().catch(() => {}), 10_000);
    return () => clearInterval(t);
  }, [loadAll]);

  useEffect(() => {
    if (selected) history.replaceState(null, '', `#channel=${selected}`);
  }, [selected]);

  // Live events: what an event carries is applied at once (a message of the other side joins what
  // awaits acknowledgement, an acknowledgement here takes it off); other changes (charters,
  // links, peers, escalations) load the overview again. A FLASH of the other side rings and
  // shows a banner.
  useEffect(() => {
    const reload = () => {
      clearTimeout(reloadTimer.current);
      reloadTimer.current = setTimeout(() => void loadAll().catch(() => {}), 300);
    };
    const onEvent = (e: ApiEvent) => {
      for (const fn of feed.current) fn(e);
      if (e.type === 'entry') {
        if (e.kind === 'link.test' || e.kind === 'link.echo' || e.kind === 'link.summary' || e.kind === 'receipt') return;
        if (e.kind !== 'message' && e.kind !== 'ack') return reload();
        for (const seen of seenWhileLoading.current) seen.push(e);
        setPendingState((s) => applyToPending(s, e, PENDING_SHOWN));
        // Acknowledged (here or at another console): its banner goes, however long the list is.
        const acked = bodyOf(e, 'ack')?.message;
        if (acked) setFlashes((f) => f.filter((x) => x.id !== acked));
        const message = bodyOf(e, 'message');
        if (message && !e.own && message.precedence === 'FLASH') {
          const flash: Flash = { id: e.hash, channel: e.channel, from: e.authorCode, text: message.text, drill: message.drill === true };
          setFlashes((f) => (f.some((x) => x.id === flash.id) ? f : [flash, ...f]));
        }
        return;
      }
      if (e.type === 'alarm' || e.type === 'escalation') setAlarms((a) => [{ at: Date.now(), text: e.type === 'alarm' ? e.message || e.code : e.subject || 'Escalation' }, ...a].slice(0, 5));
      reload();
    };
    const onState = (open: boolean) => {
      setLive(open);
      // (Re)connected: what happened meanwhile was not seen; load it.
      if (open) {
        setConnections((n) => n + 1);
        reload();
      }
    };
    return connectEvents(onEvent, onState);
  }, [loadAll]);

  // What must not be missed: derived from what awaits acknowledgement (so it holds at sign-in,
  // after a reload and after reconnecting), with the FLASH messages just heard of live.
  const alarmList: Alarm[] = useMemo(() => {
    const list = alarmsOf(pending, now);
    const live = flashes.filter((f) => !list.some((a) => a.id === f.id)).map((f): Alarm => ({ ...f, precedence: 'FLASH', why: 'flash' }));
    return [...live, ...list];
  }, [pending, now, flashes]);
  // A new alarm rings, notifies the desktop and lifts a silence.
  const known = useRef(new Set<string>());
  useEffect(() => {
    const fresh = newAlarms(known.current, alarmList);
    if (fresh.length === 0) return;
    for (const a of fresh) {
      known.current.add(a.id);
      const what = a.why === 'flash' ? tr('alarmFlash') : tr(a.why === 'overdue' ? 'alarmOverdue' : 'alarmEscalated', { precedence: a.precedence });
      notifyAlarm(a, `${what} ${tr('from', { party: a.from })}${a.drill ? ` (${tr('drill')})` : ''}`, setSelected);
    }
    setSilenced(false);
    ring();
  }, [alarmList]);
  // Ring again every 15 s while an alarm is up, unless silenced.
  useEffect(() => {
    if (alarmList.length === 0 || silenced) return;
    const t = setInterval(() => ring(), 15_000);
    return () => clearInterval(t);
  }, [alarmList.length, silenced]);
  // After a reload the browser blocks sound until a click or a key: the first one anywhere unlocks it.
  useEffect(() => {
    if (sound) return;
    return unlockOnFirstGesture(() => {
      setSound(audioReady());
      if (audioReady() && alarmList.length > 0) ring();
    });
  }, [sound, alarmList.length]);

  // Keyboard: A acknowledges the oldest alarm (the first of the banner), N goes to the composer.
  const firstAlarm = alarmList[0];
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (t && ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if ((e.key === 'a' || e.key === 'A') && firstAlarm && may.ack) {
        e.preventDefault();
        void api
          .ack(firstAlarm.id)
          .then(() => loadAll())
          .catch(() => setSelected(firstAlarm.channel));
      } else if (e.key === 'n' || e.key === 'N') {
        const composer = document.getElementById('composer');
        if (composer) {
          e.preventDefault();
          composer.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [firstAlarm, may.ack, loadAll]);

  useEffect(() => {
    document.title = `${alarmList.length ? `⚠ ${alarmList.length} ALARM · ` : ''}${summary.total ? `(${summary.total}) ` : ''}Hotline ${status?.code ?? ''}`;
    setTabIcon(alarmList.length, summary.total);
  }, [alarmList.length, summary.total, status?.code]);

  const forked = (status?.reconciling ?? []).filter((r) => r.why === 'own-log-forked');
  const clockBehind = (status?.reconciling ?? []).filter((r) => r.why === 'clock-behind-log');
  const channelTitle = (id: string) => {
    const c = channels.find((x) => x.id === id);
    return c ? titleOf(c.title, lang) : id.slice(0, 12);
  };

  return (
    <div className="app">
      <header className="top">
        <h1>
          Hotline <span className="party">{status?.code ?? ''}</span>
        </h1>
        <ul className="links" aria-label={tr('linkStates')}>
          {(status?.links ?? []).map((l) => (
            <li key={l.peer} className={`link link-${l.state}`} title={l.reason ?? l.endpoint ?? ''}>
              {l.code}: {l.state}
            </li>
          ))}
        </ul>
        <span className={`live ${live ? 'ok' : 'warn'}`}>{live ? <T k="live" /> : <T k="offline" />}</span>

        <span className="who">
          {session.name} <span className="muted">({session.title})</span>
        </span>
        <a className="wall-link" href="#verify" data-testid="verify-link">
          <T k="verifyOpen" />
        </a>
        <a className="wall-link" href="#ops">
          <T k="opsTitle" />
        </a>
        <a className="wall-link" href="#wall" target="_blank" rel="noopener">
          <T k="wallboard" />
        </a>
        <ThemeSwitch />
        <LanguageSwitch officer={session.name} offered={charterLanguages(channels.find((c) => c.id === selected))} />
        <button type="button" className="secondary" onClick={() => void onSignOut()}>
          <T k="signOut" />
        </button>
      </header>

      {session.expiresAt !== undefined && session.expiresAt - now < 10 * 60_000 && (
        <div className="session-warning" role="alert" data-testid="session-warning">
          <T k="sessionEnds" time={when(session.expiresAt, now)} />
        </div>
      )}
      {!sound && (
        <div className="sound-off" role="alert" data-testid="sound-off">
          <strong>
            <T k="soundOff" />
          </strong>{' '}
          <button
            type="button"
            onClick={() => {
              unlockAudio();
              setTimeout(() => setSound(audioReady()), 100);
            }}
          >
            <T k="enableSound" />
          </button>
        </div>
      )}

      {alarmList.length > 0 && (
        <div className="flash-banner" role="alert" aria-live="assertive" data-testid="flash-banner">
          {alarmList.map((f) => (
            <div key={f.id} className="flash-item" data-why={f.why}>
              <strong>{f.why === 'flash' ? tr('alarmFlash') : tr(f.why === 'overdue' ? 'alarmOverdue' : 'alarmEscalated', { precedence: f.precedence })}</strong>{' '}
              {f.drill && (
                <span className="badge drill">
                  <T k="drill" />
                </span>
              )}{' '}
              <T k="from" party={f.from} /> — {channelTitle(f.channel)}: <q><SignedText text={f.text.slice(0, 200)} /></q>
              {may.ack && (
                <button type="button" className="banner-ack" data-testid="banner-ack" onClick={() => void api.ack(f.id).then(() => loadAll()).catch(() => setSelected(f.channel))}>
                  <T k="acknowledge" />
                </button>
              )}
              <button type="button" onClick={() => setSelected(f.channel)}>
                <T k="open" />
              </button>
            </div>
          ))}
          {!silenced && (
            <button type="button" className="secondary" onClick={() => setSilenced(true)}>
              <T k="silence" />
            </button>
          )}
        </div>
      )}

      {/* A channel this terminal may not sign on because its own log forked (a restore from an old
          backup): a hard stop until an operator repairs it, shown on every page while it lasts. */}
      {forked.length > 0 && (
        <div className="error stop-banner" role="alert" data-testid="forked-banner">
          {forked.map((r) => (
            <p key={r.channel}>
              <strong>{channelTitle(r.channel)}</strong>: <T k="ownLogForked" at={r.forkedAt ?? '?'} peer={r.peer ?? '?'} />{' '}
              <button type="button" onClick={() => setSelected(r.channel)}>
                <T k="open" />
              </button>
            </p>
          ))}
        </div>
      )}

      {/* A channel this terminal may not sign on because its clock ran ahead and was corrected:
          its last own entries are dated in the future (status: peerHolds is the last one dated now). */}
      {clockBehind.length > 0 && (
        <div className="error stop-banner" role="alert" data-testid="clock-behind-banner">
          {clockBehind.map((r) => (
            <p key={r.channel}>
              <strong>{channelTitle(r.channel)}</strong>: <T k="clockBehindLog" from={r.peerHolds + 1} channel={r.channel.slice(0, 12)} />{' '}
              <button type="button" onClick={() => setSelected(r.channel)}>
                <T k="open" />
              </button>
            </p>
          ))}
        </div>
      )}

      {/* This terminal signs with a key its own party revoked in some channels (keys/ restored from
          before a rotation whose old key was revoked since): nothing it signs there is accepted
          until it rotates (status.ownKeyRevoked, OWN_KEY_REVOKED). */}
      {status?.ownKeyRevoked && status.ownKeyRevoked.channels.length > 0 && (
        <div className="error stop-banner" role="alert" data-testid="own-key-revoked-banner">
          {status.ownKeyRevoked.channels.map((c) => (
            <p key={c.channel}>
              <strong>{channelTitle(c.channel)}</strong>: <T k="ownKeyRevoked" from={when(c.from)} />{' '}
              <button type="button" onClick={() => setSelected(c.channel)}>
                <T k="open" />
              </button>
            </p>
          ))}
        </div>
      )}

      {alarms.length > 0 && (
        <ul className="alarms" aria-label="Recent alarms">
          {alarms.map((a) => (
            <li key={`${a.at}-${a.text}`}>
              {when(a.at)} {a.text}
            </li>
          ))}
        </ul>
      )}

      <div className="layout">
        <nav aria-label={tr('channels')}>
          <p className="muted small shortcuts">
            <T k="shortcuts" />
          </p>
          <h2>
            <T k="channels" />
          </h2>
          {session.permissions.includes('charter.propose') && (
            <button type="button" className="secondary" data-testid="propose-open" onClick={() => setProposing(true)}>
              <T k="proposeChannel" />
            </button>
          )}
          <ul className="channel-list">
            {channels.map((c) => {
              const waiting = summary.channels[c.id] ?? 0;
              return (
                <li key={c.id}>
                  <button type="button" className={`channel-item${c.id === selected ? ' selected' : ''}`} aria-current={c.id === selected ? 'page' : undefined} onClick={() => setSelected(c.id)}>
                    <span className="channel-name">{titleOf(c.title, lang)}</span>
                    <span className={`badge state-${c.state}`}>{c.state}</span>
                    {waiting > 0 && (
                      <span className="badge waiting" aria-label={tr('waitingCount', { count: waiting })}>
                        {waiting}
                      </span>
                    )}
                    {c.left && (
                      <span className="badge left" data-testid="left-badge">
                        {tr('leftBadge')}
                      </span>
                    )}
                    {c.amendment && (
                      <span className={`badge amendment${c.amendment.awaiting.includes(status?.code ?? '') ? ' yours' : ''}`} data-testid="amendment-badge">
                        {tr(c.amendment.awaiting.includes(status?.code ?? '') ? 'amendmentYourAnswer' : 'amendmentBadge')}
                      </span>
                    )}
                    <span className="muted small">{c.parties.join(' · ')}</span>
                  </button>
                </li>
              );
            })}
            {channels.length === 0 && (
              <li className="muted">
                <T k="noChannels" />
              </li>
            )}
          </ul>

          <h2>
            <T k="awaiting" />
          </h2>
          {pending.length === 0 ? (
            <p className="muted small">
              <T k="nothingAwaits" />
            </p>
          ) : (
            <ol className="pending" data-testid="pending">
              {pending.map((p) => (
                <li key={p.id} className={`prec-${p.precedence}`}>
                  <button type="button" className="pending-item" onClick={() => setSelected(p.channel)}>
                    <span className={`badge prec prec-${p.precedence}`}>{p.precedence}</span>
                    {p.drill && (
                      <span className="badge drill">
                        <T k="drill" />
                      </span>
                    )} {p.from}: <SignedText text={p.text.slice(0, 60)} />
                    <br />
                    <Countdown deadlineAt={p.deadlineAt} now={now} />
                    {p.escalation.level > 0 && (
                      <span className="warn small">
                        {' '}
                        <T k="escalated" level={p.escalation.levelName ?? String(p.escalation.level)} />
                      </span>
                    )}
                  </button>
                </li>
              ))}
            </ol>
          )}
          {summary.total > pending.length && (
            <p className="muted small" data-testid="pending-more">
              <T k="more" count={summary.total - pending.length} />
            </p>
          )}
        </nav>

        <main>
          {proposing ? (
            <ProposeForm
              onProposed={(id) => {
                setProposing(false);
                void loadAll();
                setSelected(id);
              }}
              onCancel={() => setProposing(false)}
            />
          ) : selected ? (
            <>
              <div role="tablist" className="tabs" aria-label={tr('channels')}>
                <button type="button" role="tab" aria-selected={tab === 'messages'} data-testid="tab-messages" onClick={() => setTab('messages')}>
                  <T k="messagesTab" />
                </button>
                <button type="button" role="tab" aria-selected={tab === 'dialogue'} data-testid="tab-dialogue" onClick={() => setTab('dialogue')}>
                  <T k="dialogue" />
                </button>
              </div>
              {tab === 'dialogue' ? (
                <DialogueView key={`d-${selected}`} id={selected} subscribe={subscribe} selfParty={status?.party ?? ''} may={mayDialogue} />
              ) : (
                <ChannelView key={selected} id={selected} subscribe={subscribe} connections={connections} self={status?.code ?? ''} selfParty={status?.party ?? ''} may={may} />
              )}
            </>
          ) : (
            <p className="muted">
              <T k="choose" />
            </p>
          )}
        </main>
      </div>
    </div>
  );
}
