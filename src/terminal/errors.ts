/**
 * Terminal error codes (officer and federation APIs, CLI). Stable codes, messages that say what
 * to do, HTTP status decided here at the edge. Protocol errors keep their protocol codes.
 */
import { HotlineProtocolError, type ProtocolErrorCode } from '../protocol/index.js';

export const TERMINAL_ERRORS = {
  CHANNEL_NOT_FOUND: { status: 404, message: 'No channel {channel} on this terminal. List channels with `hotline channel list`.' },
  CHANNEL_AMBIGUOUS: { status: 400, message: 'Channel prefix {channel} matches several channels; give more characters.' },
  CHANNEL_NOT_ACTIVE: {
    status: 409,
    message: 'Channel {channel} is {state}: messages flow only on an active channel. {hint}',
  },
  MESSAGE_NOT_FOUND: { status: 404, message: 'No message {message} here. Check the id with `hotline channel show CHANNEL`.' },
  MESSAGE_OWN: { status: 409, message: 'Message {message} was sent by this party; only the other side acknowledges it.' },
  PEER_NOT_FOUND: { status: 404, message: 'No peer {peer}. Add it with `hotline peer add CARD`.' },
  PEER_FINGERPRINT_MISMATCH: {
    status: 409,
    message: 'The fingerprint you confirmed ({given}) does not match the card ({actual}). Do not pair: ask the peer to read their fingerprint again over a trusted line.',
  },
  PEER_IS_SELF: { status: 400, message: 'That card is this terminal\'s own party card.' },
  PARTY_UNKNOWN: { status: 400, message: 'Party {party} is not a known peer. Add its card first with `hotline peer add`.' },
  BAD_REQUEST: { status: 400, message: '{detail}' },
  UNAUTHORISED: { status: 401, message: 'Missing or wrong officer token. Use the token printed by `hotline serve` (also in DATA/officer.token).' },
  FORBIDDEN: { status: 403, message: '{detail}' },
  AUTH_REQUIRED: { status: 401, message: 'Sign in first: POST /api/v1/auth/login with your name, password and authenticator code (on the terminal host the CLI uses DATA/officer.token).' },
  AUTH_FAILED: { status: 401, message: 'Wrong name, password or second-factor code. {left} attempt(s) left before sign-in for this name is locked for {minutes} minutes.' },
  AUTH_LOCKED_OUT: { status: 429, message: 'Too many failed sign-ins for "{name}": locked until {until} ({minutes} min from now). Try again then, or ask an admin to run `hotline officer reset {name}`.' },
  AUTH_SESSION_EXPIRED: { status: 401, message: 'Your session expired ({why}); sign in again.' },
  AUTH_SESSION_ENDED: { status: 401, message: 'This session was signed out or revoked; sign in again.' },
  AUTH_CSRF: { status: 403, message: 'Missing or wrong CSRF token: send the X-CSRF-Token header returned at sign-in with every state-changing request.' },
  AUTH_DISABLED: { status: 403, message: 'Officer "{name}" is disabled. Ask an admin to re-enable the account (`hotline officer enable {name}`).' },
  AUTH_RATE_LIMITED: { status: 429, message: 'Too many sign-in attempts from this address; retry in {after}.' },
  AUTH_WEBAUTHN: { status: 400, message: 'Passkey check failed: {detail}. Start again from the options endpoint.' },
  OFFICER_NOT_FOUND: { status: 404, message: 'No officer "{name}". List officers with `hotline officer list`.' },
  OFFICER_EXISTS: { status: 409, message: 'An officer named "{name}" already exists; choose another name or reset that officer.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests from this peer; slow down and retry in a moment.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large ({detail}).' },
  PORT_IN_USE: { status: 500, message: 'Cannot start the {face}: {host}:{port} is already in use by another program (or another terminal). Stop it, or choose another port with {option} (or in config.json).' },
  PORT_UNAVAILABLE: { status: 500, message: 'Cannot start the {face} on {host}:{port}: {why}. Choose another address in config.json, or another port with {option}.' },
  INTERNAL: { status: 500, message: 'Internal error ({ref}); see the terminal log.' },
} as const;

export type TerminalErrorCode = keyof typeof TERMINAL_ERRORS;

/** HTTP status for protocol errors surfaced through the APIs. */
const PROTOCOL_STATUS: Partial<Record<ProtocolErrorCode, number>> = {
  ENTRY_KIND_NOT_ALLOWED: 409,
  CHANNEL_EXPIRED: 409,
  CHANNEL_UNKNOWN: 404,
  ENTRY_TOO_LARGE: 413,
};

/** An error with a stable code, a message for the person, and an HTTP status. */
export class TerminalError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;
  constructor(code: TerminalErrorCode, details: Record<string, string | number | undefined> = {}) {
    const def = TERMINAL_ERRORS[code];
    super(def.message.replace(/\{(\w+)\}/g, (_m, k: string) => String(details[k] ?? '')).trim());
    this.name = 'TerminalError';
    this.code = code;
    this.status = def.status;
    this.details = details;
  }
}

/** Maps any thrown value to {status, code, message} for an API response; never leaks a stack. */
export function toApiError(e: unknown): { status: number; code: string; message: string } {
  if (e instanceof TerminalError) return { status: e.status, code: e.code, message: e.message };
  if (e instanceof HotlineProtocolError) return { status: PROTOCOL_STATUS[e.code] ?? 422, code: e.code, message: e.message };
  const err = e as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (err?.validation) return { status: 400, code: 'BAD_REQUEST', message: `Invalid request: ${err.message}` };
  if (err?.statusCode === 413) return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large.' };
  if (err?.statusCode === 429) return { status: 429, code: 'RATE_LIMITED', message: TERMINAL_ERRORS.RATE_LIMITED.message };
  if (err?.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return { status: err.statusCode, code: err.code ?? 'BAD_REQUEST', message: err.message ?? 'Bad request.' };
  return { status: 500, code: 'INTERNAL', message: 'Internal error; see the terminal log.' };
}
