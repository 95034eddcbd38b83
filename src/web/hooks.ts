import { useEffect, useState, useSyncExternalStore } from 'react';

/** The current time, re-rendering every `everyMs` (for countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/**
 * The current time to the second, from ONE shared timer: every subscriber (each countdown of a
 * long timeline) is told in the same tick, so React renders them together, and nothing else of the
 * page re-renders each second.
 */
const tickers = new Set<() => void>();
let tickTimer: ReturnType<typeof setInterval> | undefined;
let tickNow = Date.now();
function subscribeTick(onTick: () => void): () => void {
  tickers.add(onTick);
  if (!tickTimer) {
    tickNow = Date.now();
    tickTimer = setInterval(() => {
      tickNow = Date.now();
      for (const t of tickers) t();
    }, 1000);
  }
  return () => {
    tickers.delete(onTick);
    if (tickers.size === 0 && tickTimer) {
      clearInterval(tickTimer);
      tickTimer = undefined;
    }
  };
}

export function useSecondTick(): number {
  return useSyncExternalStore(subscribeTick, () => tickNow);
}
