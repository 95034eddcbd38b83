/**
 * A diagnostic: with HOTLINE_STORE_SLOW_QUERY_MS set, every query that takes at least that many
 * milliseconds is written to standard error with its SQL (no parameters: they may be message
 * text), so that an operator or a benchmark sees which reads a start-up or a request waits on.
 * Unset (the default), Kysely logs nothing and nothing is timed.
 */
import type { LogConfig, LogEvent } from 'kysely';

/** Kysely's `log` option for HOTLINE_STORE_SLOW_QUERY_MS, or undefined when it is unset. */
export function slowQueryLog(value: string | undefined = process.env.HOTLINE_STORE_SLOW_QUERY_MS): LogConfig | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const least = Number(value);
  if (!Number.isFinite(least) || least < 0) return undefined;
  return (event: LogEvent) => {
    if (event.queryDurationMillis < least) return;
    const sql = event.query.sql.replace(/\s+/g, ' ').slice(0, 400);
    process.stderr.write(`${JSON.stringify({ slowQuery: Math.round(event.queryDurationMillis * 10) / 10, level: event.level, sql })}\n`);
  };
}
