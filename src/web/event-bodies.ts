/** The signed bodies of the entry events the console is sent (free of browser globals: src/web/live.ts is tested under Node). */
import type * as Api from '../terminal/officer-api/api-schemas.js';

type Precedence = Api.Message['precedence'];

/** The signed body of a message entry, as its event carries it. */
export interface MessageBody {
  text: string;
  lang: string;
  precedence: Precedence;
  replyTo?: string;
  drill?: boolean;
  /** A formatted message's agreed format (its rendering comes with the next load). */
  format?: { id: string; version: number; hash: string };
  /** The officer who signed it. */
  from?: Api.Acknowledgement['officer'];
}

/** The signed body of an acknowledgement entry. */
export interface AckBody {
  message: string;
  officer: Api.Acknowledgement['officer'];
  note?: string;
}

/** The signed body of a receipt entry: "I hold your entries 1..seq". */
export interface ReceiptBody {
  holds: Array<{ author: string; seq: number; hash: string }>;
}

/** The body of an entry event by its kind (the API checked it against the protocol's schema). */
export function bodyOf(e: Api.EntryEvent, kind: 'message'): MessageBody | undefined;
export function bodyOf(e: Api.EntryEvent, kind: 'ack'): AckBody | undefined;
export function bodyOf(e: Api.EntryEvent, kind: 'receipt'): ReceiptBody | undefined;
export function bodyOf(e: Api.EntryEvent, kind: 'message' | 'ack' | 'receipt'): MessageBody | AckBody | ReceiptBody | undefined {
  return e.kind === kind && typeof e.body === 'object' && e.body !== null ? (e.body as MessageBody | AckBody | ReceiptBody) : undefined;
}
