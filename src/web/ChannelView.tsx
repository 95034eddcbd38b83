/**
 * One channel: its parties and link state, the messages (precedence, DRILL, receipt,
 * acknowledgement or countdown), Acknowledge for the other side's messages, the send form with
 * bilingual templates, and the link's round-trip time chart.
 */
import { SignedText } from './SignedText.js';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, bodyOf, MESSAGES_SHOWN, PRECEDENCES, type ApiEvent, type ChannelDetail, type EntryEvent, type FormatSummary, type LinkView, type Message, type Precedence } from './api.js';
import { ComposeFormat } from './ComposeFormat.js';
import { FormatMap } from './FormatMap.js';
import { FormattedMessage } from './FormattedMessage.js';
import { PhraseReplies } from './PhraseReplies.js';
import { Countdown } from './Countdown.js';
import { dtg, titleOf, utc, when, whenTitle } from './format.js';
import { useNow } from './hooks.js';
import { T, tr, TEMPLATE_IDS, templateText, useLanguage } from './i18n.js';
import { applyToMessages } from './live.js';
import { RttChart } from './RttChart.js';

/** Subscribes to the console's live events; returns the unsubscribe. */
export type EventFeed = (listener: (e: ApiEvent) => void) => () => void;

/** Loads of a channel's view at most this often while its charter or state changes. */
const RELOAD_MS = 500;
/** The safety net: the whole view is loaded again this often, whatever the events said. */
const REFRESH_MS = 10_000;

/** Entry kinds whose events the view applies itself; others (charter, channel state) load it again. */
const APPLIED = new Set(['message', 'ack', 'receipt', 'link.test', 'link.echo']);

/** What the signed-in officer may do here: the console never offers an action that would be refused. */
export interface Abilities {
  readonly send: boolean;
  readonly ack: boolean;
  /** The most urgent precedence the officer may send. */
  readonly maxPrecedence: Precedence | null;
}

export function ChannelView({ id, subscribe, connections, self, selfParty, may }: { id: string; subscribe: EventFeed; connections: number; self: string; selfParty: string; may: Abilities }) {
  const uiLanguage = useLanguage();
  const [detail, setDetail] = useState<ChannelDetail | undefined>();
  const [messages, setMessages] = useState<readonly Message[]>([]);
  const [link, setLink] = useState<LinkView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [replyTo, setReplyTo] = useState<Message | undefined>();
  const [formats, setFormats] = useState<readonly FormatSummary[]>([]);
  const [opened, setOpened] = useState<string | undefined>();
  // A position field of the compose form waiting for a click on the map.
  const [picking, setPicking] = useState<{ pick: (p: { lat: number; lon: number }) => void } | undefined>();
  const now = useNow(1000);
  const party = useRef(selfParty);
  party.current = selfParty;

  // Entries seen while a load is under way: applied again to its answer (applying twice changes nothing).
  const seenWhileLoading = useRef(new Set<EntryEvent[]>());
  const load = useCallback(async () => {
    const seen: EntryEvent[] = [];
    seenWhileLoading.current.add(seen);
    try {
      const [d, m, l, f] = await Promise.all([api.channel(id), api.messages(id, uiLanguage), api.link(id), api.channelFormats(id)]);
      setFormats(f);
      const loaded = seen.reduce<readonly Message[]>((list, e) => applyToMessages(list, e, party.current, MESSAGES_SHOWN), [...m].sort((a, b) => b.time - a.time));
      setDetail(d);
      setMessages(loaded);
      setLink(l);
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      seenWhileLoading.current.delete(seen);
    }
  }, [id, uiLanguage]);

  // Loaded at first, when the events socket (re)connects (events may have been missed), and
  // every REFRESH_MS as a safety net.
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(t);
  }, [load, connections]);

  // A change of charter or state: load again, at most every RELOAD_MS.
  const lastLoad = useRef(0);
  const reload = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadSoon = useCallback(() => {
    if (reload.current !== undefined) return;
    reload.current = setTimeout(() => {
      reload.current = undefined;
      lastLoad.current = Date.now();
      void load();
    }, Math.max(0, lastLoad.current + RELOAD_MS - Date.now()));
  }, [load]);
  useEffect(() => () => clearTimeout(reload.current), []);

  // What an entry event carries is applied to the messages shown: a busy line brings thousands
  // a second, and a load each would keep the terminal busy serving its own console.
  useEffect(
    () =>
      subscribe((e) => {
        if (!('channel' in e) || e.channel === undefined || !e.channel.startsWith(id)) return;
        if (e.type !== 'entry') {
          if (e.type === 'state' || e.type === 'alarm') reloadSoon();
          return;
        }
        if (!APPLIED.has(e.kind)) return reloadSoon();
        for (const seen of seenWhileLoading.current) seen.push(e);
        setMessages((list) => applyToMessages(list, e, party.current, MESSAGES_SHOWN));
        // A formatted message is rendered by the terminal in this officer's language: load it.
        if (bodyOf(e, 'message')?.format) reloadSoon();
      }),
    [subscribe, id, reloadSoon],
  );

  const acknowledge = async (m: Message) => {
    try {
      await api.ack(m.id);
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : (e as Error).message);
    }
  };

  if (!detail) return <section className="channel">{error ? <p role="alert" className="error">{error}</p> : <p className="muted">Loading…</p>}</section>;
  const peers = detail.parties.filter((p) => p.code !== self);
  return (
    <section className="channel" aria-labelledby="channel-title">
      <header className="channel-head">
        <h2 id="channel-title">{titleOf(detail.title, uiLanguage)}</h2>
        <span className={`badge state-${detail.state}`}>{detail.state}</span>
        <span className="muted">{detail.tier}</span>
        <ul className="links" aria-label={tr('link')}>
          {peers.map((p) => (
            <li key={p.party} className={`link link-${p.link}`}>
              {p.code}: {p.link}
            </li>
          ))}
        </ul>
      </header>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {detail.equivocations > 0 && (
        <p role="alert" className="error">
          <T k="equivocation" count={detail.equivocations} />
        </p>
      )}

      {may.send && detail.state === 'active' && <PhraseReplies channel={id} formats={formats} lang={uiLanguage} {...(replyTo ? { replyTo: replyTo.id } : {})} onSent={() => { setReplyTo(undefined); void load(); }} />}
      {may.send && detail.state === 'active' && <ComposeFormat channel={id} formats={formats} lang={uiLanguage} {...(replyTo ? { replyTo: replyTo.id } : {})} onSent={() => { setReplyTo(undefined); void load(); }} pickOnMap={(cb) => setPicking(cb ? { pick: cb } : undefined)} />}
      {may.send && <SendForm channel={id} maxPrecedence={may.maxPrecedence} languages={Object.keys(detail.title)} disabled={detail.state !== 'active'} replyTo={replyTo} onCancelReply={() => setReplyTo(undefined)} onSent={() => { setReplyTo(undefined); void load(); }} />}

      <h3 className="sr-only">Messages</h3>
      {messages.length === 0 && <p className="muted"><T k="noMessages" /></p>}
      <ol className="messages" aria-label="Messages, newest first">
        {messages.map((m) => (
          <li key={m.id} id={`msg-${m.id}`} className={`msg prec-${m.precedence}${m.own ? ' own' : ''}${opened === m.id ? ' opened' : ''}`} data-testid="message" data-id={m.id}>
            <div className="msg-head">
              <span className={`badge prec prec-${m.precedence}`}>{m.precedence}</span>
              {m.drill && (
                <span className="badge drill">
                  <T k="drill" />
                </span>
              )}
              <strong>{m.own ? `${m.from} (us)` : m.from}</strong>
              <span className="muted" title={`${utc(m.time)} · ${whenTitle(m.time, uiLanguage)}`} data-testid="time">
                {when(m.time)} <span className="dtg">{dtg(m.time)}</span> · #{m.seq}
              </span>
              {m.replyTo && <span className="muted">↩ reply</span>}
            </div>
            {m.rendered ? (
              <FormattedMessage m={m} rendered={m.rendered} />
            ) : (
              <p className="msg-text" lang={m.lang}>
                <SignedText text={m.text} lang={m.lang} />
              </p>
            )}
            <div className="msg-foot">
              {m.own && (
                <span className={m.receiptedAt ? 'ok' : 'warn'}>
                  {m.receiptedAt ? <>✓ <T k="received" /> {when(m.receiptedAt)}</> : <>… <T k="notReceived" /></>}
                </span>
              )}
              {m.ackedAt !== null ? (
                <span className="ok acked" data-testid="acked">
                  ✓✓ <T k="acknowledged" />: {m.ackedBy?.officer?.name ?? 'unknown'}
                  {m.ackedBy?.officer?.title ? ` (${m.ackedBy.officer.title}${m.ackedBy.code ? `, ${m.ackedBy.code}` : ''})` : ''} {when(m.ackedAt)}
                </span>
              ) : (
                <>
                  {m.own && m.deadlineAt !== null && <span className="muted"><T k="awaitingAck" /></span>}
                  <Countdown deadlineAt={m.deadlineAt} now={now} />
                  {!m.own && may.ack && (
                    <button type="button" className="ack" onClick={() => void acknowledge(m)}>
                      <T k="acknowledge" />
                    </button>
                  )}
                </>
              )}
              {!m.own && may.send && (
                <button type="button" className="secondary" onClick={() => setReplyTo(m)}>
                  <T k="reply" />
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>

      {formats.length > 0 && (
        <FormatMap
          messages={messages}
          now={now}
          {...(picking ? { picking: picking.pick } : {})}
          onOpen={(mid) => {
            setOpened(mid);
            document.getElementById(`msg-${mid}`)?.scrollIntoView({ block: 'center' });
          }}
        />
      )}

      <section className="link-panel" aria-labelledby="link-title">
        <h3 id="link-title">
          <T k="link" />
        </h3>
        <ul className="links">
          {(link?.health ?? []).map((h) => (
            <li key={h.peer} className={`link link-${h.state}`}>
              {h.code}: {h.state}
              {h.lastRttMs !== null ? ` · RTT ${h.lastRttMs} ms` : ''}
              {h.lastEchoAt !== null ? ` · last echo ${when(h.lastEchoAt)}` : ''}
            </li>
          ))}
        </ul>
        <p className="muted">
          <T k="rtt" />
        </p>
        <RttChart samples={link?.samples ?? {}} />
      </section>
    </section>
  );
}

/** A language's name in itself (Intl), e.g. 中文 for zh. */
function languageName(code: string): string {
  try {
    return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function SendForm({ channel, maxPrecedence, languages, disabled, replyTo, onSent, onCancelReply }: { channel: string; maxPrecedence: Precedence | null; languages: readonly string[]; disabled: boolean; replyTo: Message | undefined; onSent: () => void; onCancelReply: () => void }) {
  const uiLang = useLanguage();
  const [text, setText] = useState('');
  const [precedence, setPrecedence] = useState<Precedence>('ROUTINE');
  // The officer's language when the channel has it, else the channel's first.
  const [lang, setLang] = useState(() => (languages.includes(uiLang) ? uiLang : (languages[0] ?? 'en')));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  // A FLASH rings at once on the other side: it is sent only after a second, explicit click.
  const [confirming, setConfirming] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (precedence === 'FLASH' && !confirming) return setConfirming(true);
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    try {
      await api.send(channel, { text: text.trim(), lang, precedence, ...(replyTo ? { replyTo: replyTo.id } : {}) });
      setText('');
      // Back to ROUTINE after each send: the next message is not urgent unless chosen again.
      setPrecedence('ROUTINE');
      onSent();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="send" onSubmit={(e) => void submit(e)} aria-label="Send a message">
      {replyTo && (
        <p className="replying">
          <T k="replyingTo" />: <q lang={replyTo.lang}><SignedText text={replyTo.text.slice(0, 120)} /></q>{' '}
          <button type="button" className="secondary" onClick={onCancelReply}>
            <T k="cancel" />
          </button>
        </p>
      )}
      <div className="templates" role="group" aria-label={tr('templates')}>
        <span className="muted">
          <T k="templates" />:
        </span>
        {TEMPLATE_IDS.map((id) => {
          // Inserted in each of the channel's languages that has a catalogue (the reader's language first).
          const texts = [...new Set([lang, ...languages])].map((l) => templateText(id, l)).filter((x): x is string => x !== undefined);
          const label = templateText(id, uiLang) ?? texts[0] ?? id;
          return (
            <button key={id} type="button" className="template" onClick={() => setText(texts.join('\n'))} title={texts.join(' / ')}>
              {label}
            </button>
          );
        })}
      </div>
      <label className="grow">
        <span>
          <T k="message" />
        </span>
        <textarea name="text" rows={3} required value={text} onChange={(e) => setText(e.target.value)} disabled={disabled} id="composer" />
      </label>
      <div className="row">
        <label>
          <span>
            <T k="precedence" />
          </span>
          <select
            name="precedence"
            value={precedence}
            onChange={(e) => {
              setPrecedence(e.target.value as Precedence);
              setConfirming(false);
            }}
          >
            {/* Only what this officer may send (PRECEDENCES lists the most urgent first). */}
            {PRECEDENCES.filter((p) => maxPrecedence !== null && PRECEDENCES.indexOf(p) >= PRECEDENCES.indexOf(maxPrecedence)).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>
            <T k="language" />
          </span>
          <select name="lang" value={lang} onChange={(e) => setLang(e.target.value)}>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {languageName(l)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={disabled || busy || text.trim() === ''}>
          <T k="send" />
        </button>
      </div>
      {confirming && (
        <div className="confirm-flash" role="alertdialog" aria-labelledby="confirm-flash-text" data-testid="confirm-flash">
          <p id="confirm-flash-text">
            <T k="confirmFlash" />
          </p>
          <button type="submit" className="flash" autoFocus>
            <T k="confirmFlashButton" />
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            <T k="cancel" />
          </button>
        </div>
      )}
      {disabled && (
        <p className="muted">
          <T k="notActive" />
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
