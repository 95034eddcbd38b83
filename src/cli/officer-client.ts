/**
 * The CLI's way to a running terminal: its officer API on loopback, found through the data
 * directory (config.json for the address, officer.token for the token).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { cliError } from './errors.js';
import { DEFAULT_DATA_DIR, shellWord } from './hint.js';
// The token file's name alone, not the terminal's barrel: every command that talks to a running
// terminal loads this module (through lazy.ts), and the barrel is the whole terminal (Fastify, the
// stores, federation), 4.6 MB of the bundle.
import { TOKEN_FILE } from '../terminal/identity/officer-token.js';

/**
 * The officer API's address, from the data directory's config.json read as it is: a running
 * terminal checked its whole identity when it started, and a client needs only where to call.
 * Loading the identity (cards, the protocol's schemas: 0.85 MB of modules) cost each command about
 * 0.15 s. A config.json without a plain address goes through the identity loader, for its error.
 */
async function officerAddress(dir: string): Promise<{ host: string; port: number }> {
  try {
    const officer = (JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { officer?: { host?: unknown; port?: unknown } }).officer;
    const { host, port } = officer ?? {};
    if (typeof host === 'string' && /^[0-9A-Za-z.:-]{1,253}$/.test(host) && typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65_536) return { host, port };
  } catch {
    // Missing, unreadable or not JSON: the loader says which, and what to do.
  }
  const { loadTerminalIdentity } = await import('../terminal/identity/load-identity.js');
  return (await loadTerminalIdentity(dir)).config.officer;
}

/**
 * The API's message as the CLI prints it. The API words its next steps as `hotline ...` commands
 * (the console shows the same text); a command reaches the same terminal only with its data
 * directory, so when that is not the default one, the message says so.
 */
export function apiDetail(message: string, dir: string): string {
  const text = message.replace(/\.$/, '');
  if (!/`hotline [a-z]/.test(text) || resolve(dir) === resolve(DEFAULT_DATA_DIR)) return text;
  // Each command named gets the data directory, ready to paste.
  return text.replace(/`hotline ([a-z][^`]*)`/g, (whole, rest: string) => (/(^|\s)--data\b/.test(rest) ? whole : `\`hotline ${rest} --data ${shellWord(dir)}\``));
}

/** How long a call waits for the terminal's answer to begin (HOTLINE_CLI_TIMEOUT_MS), ms. */
export function answerTimeoutMs(value = process.env.HOTLINE_CLI_TIMEOUT_MS): number {
  const n = Number(value);
  return value !== undefined && /^\d+$/.test(value.trim()) && n >= 100 ? n : 30_000;
}

/** A connection to a terminal's officer API. */
export interface OfficerClient {
  readonly url: string;
  /** Calls the API; resolves with the parsed JSON (or text) body, or throws a CliError with the API's message. */
  call<T = unknown>(method: string, path: string, body?: unknown, contentType?: string, extraHeaders?: Record<string, string>): Promise<T>;
  /** Opens a WebSocket of the API (the send stream) with the same credential; resolves once open, or throws as `call` does. */
  socket(path: string): Promise<WebSocket>;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Connects to the terminal whose data directory is `dir`, with the host credential. With
 * `actAs` (default: the HOTLINE_OFFICER environment variable) the terminal acts as that officer:
 * their roles are checked and their name, title and role go inside the entries signed.
 */
export async function officerClient(dir: string, actAs: string | undefined = process.env.HOTLINE_OFFICER): Promise<OfficerClient> {
  const { host, port } = await officerAddress(dir);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let token: string;
  try {
    token = (await readFile(join(dir, TOKEN_FILE), 'utf8')).trim();
  } catch {
    // Running without its credential file (deleted, unreadable) is not the same as not running.
    const answers = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    throw cliError(answers ? 'CLI_CREDENTIAL_MISSING' : 'CLI_TERMINAL_NOT_RUNNING', { url, dir: resolve(dir), file: join(resolve(dir), TOKEN_FILE) });
  }
  return {
    url,
    async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json', extraHeaders: Record<string, string> = {}): Promise<T> {
      let response: Response;
      // A stopped or wedged terminal accepts the connection (the kernel does) and never answers:
      // wait a bounded time for the answer to begin (a long export then streams as long as it takes).
      const timeoutMs = answerTimeoutMs();
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(actAs ? { 'x-hotline-officer': encodeURIComponent(actAs) } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}), ...extraHeaders },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
          signal: abort.signal,
        });
      } catch {
        if (abort.signal.aborted) throw cliError(SAFE.has(method) ? 'CLI_TERMINAL_NOT_ANSWERING' : 'CLI_TERMINAL_NOT_ANSWERING_WRITE', { url, seconds: Math.round(timeoutMs / 100) / 10, key: extraHeaders['idempotency-key'] ? `, or repeat it with \`--idempotency-key ${extraHeaders['idempotency-key']}\`: the terminal carries a request with the same key out at most once` : '' });
        throw cliError('CLI_TERMINAL_NOT_RUNNING', { url, dir: resolve(dir) });
      } finally {
        clearTimeout(timer);
      }
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      const parsed: unknown = type.includes('application/json') && text ? JSON.parse(text) : text;
      if (!response.ok) {
        const e = parsed as { code?: string; message?: string };
        throw cliError('CLI_API', { code: e.code ?? String(response.status), detail: apiDetail(e.message ?? text, dir) }, parsed);
      }
      return parsed as T;
    },
    socket(path: string): Promise<WebSocket> {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { headers: { authorization: `Bearer ${token}`, ...(actAs ? { 'x-hotline-officer': encodeURIComponent(actAs) } : {}) } });
      return new Promise<WebSocket>((done, fail) => {
        ws.once('open', () => done(ws));
        // A refusal of the upgrade comes as an HTTP answer: its { code, message } as `call` reports it.
        ws.once('unexpected-response', (_req, res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () => {
            let e: { code?: string; message?: string } = {};
            try {
              e = JSON.parse(text) as typeof e;
            } catch {
              // not JSON: the status says it
            }
            fail(cliError('CLI_API', { code: e.code ?? String(res.statusCode), detail: apiDetail(e.message ?? text, dir) }, e));
          });
        });
        ws.once('error', () => fail(cliError('CLI_TERMINAL_NOT_RUNNING', { url, dir: resolve(dir) })));
      });
    },
  };
}
