/**
 * Terminal output for CLI commands: results go to stdout, diagnostics and progress to stderr.
 * Progress bars are drawn only when stderr is a terminal, so pipes and logs stay clean.
 */
import cliProgress from 'cli-progress';
import { printable } from './safe-text.js';

/** Writes command output to stdout, resolving once it has been handed to the OS. */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

/** Writes one diagnostic line to stderr, prefixed with the program name. */
export function warnLine(message: string): void {
  process.stderr.write(`hotline: ${printable(message.replace(/\s*\n\s*/g, ' '))}\n`);
}

/**
 * A reader closing the pipe early (`hotline verify b.jsonl | head`) is not an error: stop quietly.
 * Installed once by main.ts.
 */
export function quietOnBrokenPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    warnLine(`cannot write the output: ${e.message}. Check the disk or the pipe the output goes to.`);
    process.exit(2);
  });
}

/** A progress reporter: phases with a total, updated now and then. No-op when disabled. */
export interface Progress {
  phase(name: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

const silent: Progress = { phase() {}, update() {}, stop() {} };

/** True when progress should be drawn: stderr is a terminal and the job is big enough to wait for. */
export function progressWanted(size: number, threshold: number): boolean {
  return process.stderr.isTTY === true && size >= threshold && process.env.HOTLINE_NO_PROGRESS !== '1';
}

/** A cli-progress bar on stderr, one phase after another; a silent reporter when `enabled` is false. */
export function progressBar(enabled: boolean): Progress {
  if (!enabled) return silent;
  let bar: cliProgress.SingleBar | undefined;
  return {
    phase(name, total) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: `${name.padEnd(18)} [{bar}] {percentage}% | {value}/{total} | {eta_formatted}`, hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    update(done) {
      bar?.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
