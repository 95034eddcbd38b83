/**
 * One channel: its parties and link state, the messages (precedence, DRILL, receipt,
 * acknowledgement or countdown), Acknowledge for the other side's messages, the send form with
 * bilingual templates, and the link's round-trip time chart.
 */
import { errorText } from './errors.js';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, bodyOf, MESSAGES_SHOWN, OLDER_PAGE, type ApiEvent, type ChannelDetail, type EntryEvent, type FormatSummary, type LinkView, type Message, type Precedence } from './api.js';
import { ComposeFormat } from './ComposeFormat.js';
import { FormatMap } from './FormatMap.js';
import { PhraseReplies } from './PhraseReplies.js';
import type { MessageActions } from './MessageItem.js';
import { SendForm } from './SendForm.js';
import { CharterPanel } from './CharterPanel.js';
import { dtg, titleOf, when } from './format.js';
import { useNow } from './hooks.js';
import { T, tr, useLanguage } from './i18n.js';
import { applyToMessages, type ChannelParty } from './live.js';
import { Timeline, type TimelineHandle } from './Timeline.js';
import { MESSAGES_HELD, mergePages } from './pages.js';
import { RecordTools } from './RecordTools.js';

/** Subscribes to the console's live events; returns the unsubscribe. */
export type EventFeed = (listener: (e: ApiEvent) => void) => () => void;

/** Loads of a channel's view at most this often while its charter or state changes. */
/** Link health charts (uPlot), loaded when a channel is first shown: not in the first view. */
const LinkChart = lazy(() => import('./LinkChart.js'));

const RELOAD_MS = 500;
/** The safety net: the whole view is loaded again this often, whatever the events said. */
const REFRESH_MS = 10_000;

/** Entry kinds whose events the view applies itself; others (charter, channel state) load it again. */
const APPLIED = new Set(['message', 'ack', 'receipt', 'link.test', 'link.echo', 'link.summary']);

/** What the signed-in officer may do here: the console never offers an action that would be refused. */
export interface Abilities {
  readonly send: boolean;
  readonly ack: boolean;
  /** The most urgent precedence the officer may send. */
  readonly maxPrecedence: Precedence | null;
  /** Every permission of the officer (charter actions are offered by them). */
  readonly permissions: readonly string[];
}

/**
 * A reloaded list with the previous objects kept for the messages that did not change, so that the
 * memoised items (MessageItem) of a long timeline do not all render again on each reload.
 */
function keepUnchanged(previous: readonly Message[], loaded: readonly Message[]): readonly Message[] {
  const before = new Map(previous.map((m) => [m.id, m]));
  return loaded.map((m) => {
    const old = before.get(m.id);
    return old && (old === m || JSON.stringify(old) === JSON.stringify(m)) ? old : m;
  });
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
  // The map's time filter moves by the minute; countdowns tick on their own (hooks.ts useSecondTick).
  const minute = useNow(60_000);
  const party = useRef(selfParty);
  party.current = selfParty;
  // The channel's parties, for the receipts of our messages that arrive as events (live.ts).
  const parties = useRef<readonly ChannelParty[]>([]);
  // Older pages (#15): whether the channel holds messages before the oldest loaded, and a load of one under way.
  const [more, setMore] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const held = useRef<readonly Message[]>([]);
  held.current = messages;
  const timeline = useRef<TimelineHandle>(null);
  const ended = useRef(false);

  // Entries seen while a load is under way: applied again to its answer (applying twice changes nothing).
  const seenWhileLoading = useRef(new Set<EntryEvent[]>());
  const load = useCallback(async () => {
    const seen: EntryEvent[] = [];
    seenWhileLoading.current.add(seen);
    try {
      const [d, m, l, f] = await Promise.all([api.channel(id), api.messages(id, uiLanguage), api.link(id), api.channelFormats(id)]);
      setFormats(f);
      // The API lists oldest first, in timeline order (time, author, seq): newest first here.
      parties.current = d.parties;
      const loaded = seen.reduce<readonly Message[]>((list, e) => applyToMessages(list, e, party.current, MESSAGES_HELD, d.parties), [...m].reverse());
      setDetail(d);
      // The newest page, then the older pages loaded by scrolling back (kept as they were).
      setMessages((previous) => keepUnchanged(previous, mergePages(loaded, previous)));
      // Let go of the oldest beyond MESSAGES_HELD: the channel's start is then to be loaded again.
      if (held.current.length + loaded.length > MESSAGES_HELD) ended.current = false;
      setMore(!ended.current && m.length >= MESSAGES_SHOWN);
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
        setMessages((list) => applyToMessages(list, e, party.current, MESSAGES_HELD, parties.current));
        // A formatted message is rendered by the terminal in this officer's language: load it.
        if (bodyOf(e, 'message')?.format) reloadSoon();
      }),
    [subscribe, id, reloadSoon],
  );

  // The page before the oldest loaded, appended (the timeline asks as the officer scrolls back).
  const olderLoad = useRef<Promise<readonly Message[]> | undefined>(undefined);
  const loadOlder = useCallback((): Promise<readonly Message[]> => {
    if (olderLoad.current) return olderLoad.current;
    const oldest = held.current.at(-1);
    if (!oldest) return Promise.resolve(held.current);
    setLoadingOlder(true);
    const p = (async () => {
      try {
        const page = await api.messagesBefore(id, oldest.id, OLDER_PAGE, uiLanguage);
        const older = [...page].reverse();
        const append = (list: readonly Message[]) => {
          const have = new Set(list.map((m) => m.id));
          return [...list, ...older.filter((x) => !have.has(x.id))];
        };
        // State by its latest value (a live event may have come meanwhile); the caller gets the same list.
        const next = append(held.current);
        held.current = next;
        setMessages(append);
        ended.current = page.length < OLDER_PAGE;
        setMore(!ended.current);
        return next;
      } catch (e) {
        setError((e as Error).message);
        return held.current;
      } finally {
        olderLoad.current = undefined;
        setLoadingOlder(false);
      }
    })();
    olderLoad.current = p;
    return p;
  }, [id, uiLanguage]);

  const acknowledge = useCallback(
    async (m: Message, note?: string) => {
      try {
        await api.ack(m.id, note);
        await load();
      } catch (e) {
        setError(errorText(e));
      }
    },
    [load],
  );
  // Stable between renders, so that the memoised message items re-render only when they change.
  const actions: MessageActions = useMemo(
    () => ({
      canAck: may.ack,
      canReply: may.send,
      acknowledge,
      reply: (m: Message) => {
        setReplyTo(m);
        document.getElementById('composer')?.focus();
      },
    }),
    [may.ack, may.send, acknowledge],
  );
  const openFromMap = useCallback((mid: string) => {
    setOpened(mid);
    void timeline.current?.jumpTo(mid);
  }, []);
  const byId = new Map(messages.map((m) => [m.id, m]));

  if (!detail) return <section className="channel">{error ? <p role="alert" className="error">{error}</p> : <p className="muted">Loading…</p>}</section>;
  const peers = detail.parties.filter((p) => p.code !== self);
  // Only a party of the charter in force holds roles to write with: not one an amendment removed,
  // nor one whose addition is pending (it answers in the charter panel) or was declined.
  const member = self === '' || detail.parties.some((p) => p.code === self); // (until the status names this party, as before)
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
      <CharterPanel detail={detail} self={self} permissions={may.permissions} onChanged={() => void load()} />
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
      {detail.left && (
        <p role="status" className="notice" data-testid="channel-left">
          <T k={detail.left.outcome === 'removed' ? 'channelLeft' : detail.left.outcome === 'declined' ? 'channelNotAddedDeclined' : 'channelNotAddedWithdrawn'} at={dtg(detail.left.at)} by={detail.left.by} reason={detail.left.reason} />
        </p>
      )}
      {detail.reconciling?.why === 'own-log-forked' && (
        <p role="alert" className="error" data-testid="own-log-forked">
          <T k="ownLogForked" at={detail.reconciling.forkedAt ?? '?'} peer={detail.reconciling.peer ?? '?'} />
        </p>
      )}

      <h3 className="sr-only">Messages</h3>
      {messages.length === 0 && <p className="muted"><T k="noMessages" /></p>}
      <RecordTools channel={id} detail={detail} onJump={async (mid) => (await timeline.current?.jumpTo(mid)) ?? false} />
      <Timeline ref={timeline} messages={messages} byId={byId} opened={opened} actions={actions} more={more} loadingOlder={loadingOlder} onOlder={loadOlder} />

      {may.send && member && (
        <div className="composer" data-testid="composer">
          <SendForm channel={id} maxPrecedence={may.maxPrecedence} languages={Object.keys(detail.title)} disabled={detail.state !== 'active'} replyTo={replyTo} messages={messages} onCancelReply={() => setReplyTo(undefined)} onSent={() => { setReplyTo(undefined); void load(); }} />
        </div>
      )}
      {may.send && member && detail.state === 'active' && <PhraseReplies channel={id} formats={formats} lang={uiLanguage} {...(replyTo ? { replyTo: replyTo.id } : {})} onSent={() => { setReplyTo(undefined); void load(); }} />}
      {may.send && member && detail.state === 'active' && <ComposeFormat channel={id} formats={formats} lang={uiLanguage} {...(replyTo ? { replyTo: replyTo.id } : {})} onSent={() => { setReplyTo(undefined); void load(); }} pickOnMap={(cb) => setPicking(cb ? { pick: cb } : undefined)} />}

      {formats.length > 0 && (
        <FormatMap
          messages={messages}
          now={minute}
          {...(picking ? { picking: picking.pick } : {})}
          onOpen={openFromMap}
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
        <Suspense fallback={<p className="muted">{tr('loading')}</p>}>
          <LinkChart samples={link?.samples ?? {}} />
        </Suspense>
      </section>
    </section>
  );
}

