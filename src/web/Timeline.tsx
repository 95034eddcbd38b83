/**
 * A channel's timeline, virtualised (#15): only the messages in and near the view are in the page
 * (@tanstack/react-virtual, each row measured as rendered), newest first as the console shows
 * them, in a scrolling box. Scrolling towards the oldest loaded asks for the page before it
 * (`onOlder`), so a channel of 100,000 messages opens on its newest and never loads it all.
 * {@link TimelineHandle.jumpTo} brings any message into view, loading older pages until it is held.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { forwardRef, useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef } from 'react';
import type { Message } from './api.js';
import { T, tr } from './i18n.js';
import { jumpers, MessageItem, showMessage, type MessageActions } from './MessageItem.js';

/** What a parent may ask of the timeline. */
export interface TimelineHandle {
  /** Scrolls to message `id` (loading older pages if needed) and marks it; false if it could not be found. */
  jumpTo(id: string): Promise<boolean>;
}

/** Space between rows (px), as the list's CSS gap. */
const GAP = 10;
/** Rows kept rendered beyond each edge of the view. */
const OVERSCAN = 6;
/** An older page is asked for when the view comes this close (rows) to the oldest loaded. */
const NEAR_END = 10;
/** Most pages a jump loads while looking for a message further back. */
const JUMP_PAGES = 100;

interface TimelineProps {
  /** Newest first. */
  readonly messages: readonly Message[];
  readonly byId: ReadonlyMap<string, Message>;
  readonly opened: string | undefined;
  readonly actions: MessageActions;
  /** Whether older messages exist than those loaded. */
  readonly more: boolean;
  readonly loadingOlder: boolean;
  /** Loads the page before the oldest loaded; resolves with the messages then held. */
  readonly onOlder: () => Promise<readonly Message[]>;
}

export const Timeline = forwardRef<TimelineHandle, TimelineProps>(function Timeline({ messages, byId, opened, actions, more, loadingOlder, onOlder }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => box.current,
    estimateSize: () => 120,
    overscan: OVERSCAN,
    gap: GAP,
    getItemKey: (i) => messages[i]?.id ?? i,
  });
  const items = virtualizer.getVirtualItems();

  // Each rendered row is measured (and watched for changes of size) by its place in the list.
  useLayoutEffect(() => {
    const rows = list.current?.children;
    if (!rows) return;
    items.forEach((item, k) => {
      const li = rows[k] as HTMLElement | undefined;
      if (!li) return;
      li.dataset.index = String(item.index);
      virtualizer.measureElement(li);
    });
  });

  // Near the oldest loaded: the page before it.
  const last = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (more && !loadingOlder && messages.length > 0 && last >= messages.length - NEAR_END) void onOlder();
  }, [last, more, loadingOlder, messages.length, onOlder]);

  const held = useRef(messages);
  held.current = messages;
  const jumpTo = useCallback(
    async (id: string) => {
      let list = held.current;
      for (let pages = 0; !list.some((m) => m.id === id) && pages < JUMP_PAGES; pages += 1) {
        const before = list.length;
        list = await onOlder();
        if (list.length === before) break;
      }
      const index = list.findIndex((m) => m.id === id);
      if (index < 0) return false;
      // The row is rendered once scrolled to; then it is marked (MessageItem showMessage).
      await new Promise((resolve) => setTimeout(resolve, 0));
      virtualizer.scrollToIndex(index, { align: 'center' });
      for (let tries = 0; tries < 20 && !document.getElementById(`msg-${id}`); tries += 1) await new Promise((resolve) => requestAnimationFrame(resolve));
      virtualizer.scrollToIndex(index, { align: 'center' });
      await new Promise((resolve) => requestAnimationFrame(resolve));
      if (!document.getElementById(`msg-${id}`)) return false;
      showMessage(id);
      return true;
    },
    [onOlder, virtualizer],
  );
  useImperativeHandle(ref, () => ({ jumpTo }), [jumpTo]);
  // A reply's quote (MessageItem) asks here for a message outside the rows rendered.
  useEffect(() => {
    const jump = (id: string) => void jumpTo(id);
    jumpers.add(jump);
    return () => void jumpers.delete(jump);
  }, [jumpTo]);

  return (
    <div ref={box} className="timeline" data-testid="timeline" tabIndex={0} role="region" aria-label={tr('timeline')}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        <ol ref={list} className="messages" aria-label="Messages, newest first" style={{ position: 'absolute', top: 0, left: 0, right: 0, margin: 0, transform: `translateY(${items[0]?.start ?? 0}px)` }}>
          {items.map((item) => {
            const m = messages[item.index]!;
            return <MessageItem key={m.id} m={m} answers={m.replyTo ? byId.get(m.replyTo) : undefined} opened={opened === m.id} actions={actions} />;
          })}
        </ol>
      </div>
      {loadingOlder && (
        <p className="muted" role="status">
          <T k="loadingOlder" />
        </p>
      )}
    </div>
  );
});
