/**
 * Where the terminal's log lines go: a file descriptor (stderr by default), written synchronously
 * and never allowed to stop the terminal. pino's own destination (SonicBoom) emits 'error' on a
 * full disk (ENOSPC) or a closed pipe (EPIPE), which killed the process when nobody listened, and
 * otherwise buffers without bound and retries at exit for ever: the process froze. Here a line
 * that cannot be written after a short wait (a full pipe) is dropped and counted: the terminal
 * keeps carrying messages with its log lost, which the count shows (hotline_log_lines_dropped_total).
 */
import { writeSync } from 'node:fs';

/** How long a line waits for a full pipe to drain before it is dropped, ms. */
const PIPE_WAIT_MS = 50;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** A pino destination that never throws, blocks for long, or buffers. */
export class SafeLogDestination {
  readonly #fd: number;
  /** Lines that could not be written. */
  dropped = 0;
  /** The last write error's code (ENOSPC, EPIPE, ...). */
  lastError: string | undefined;

  constructor(fd = 2) {
    this.#fd = fd;
  }

  write(line: string): boolean {
    const bytes = Buffer.from(line, 'utf8');
    let offset = 0;
    let waited = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.#fd, bytes, offset);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && waited < PIPE_WAIT_MS) {
          Atomics.wait(pause, 0, 0, 1);
          waited += 1;
          continue;
        }
        this.dropped += 1;
        this.lastError = code;
        return true;
      }
    }
    return true;
  }
}

/** The terminal's log on stderr, one per process (its drop count is a metric). */
export const stderrLog = new SafeLogDestination(2);
