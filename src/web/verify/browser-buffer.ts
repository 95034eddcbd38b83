/**
 * The Buffer the pure protocol code (src/protocol) expects, for the browser: the `buffer` package
 * (the standard browser port of Node's Buffer) with the one encoding it lacks, base64url
 * (RFC 4648 §5, no padding), added on top of its own base64. Installed as the global `Buffer`
 * by install-globals.ts before any protocol module is evaluated. No cryptography here.
 */
// 'buffer/' is the npm package, never Node's built-in module of that name.
import { Buffer as Base } from 'buffer/';

type From = (value: unknown, encoding?: unknown, length?: unknown) => Base;
type ToString = (this: Base, encoding?: string, start?: number, end?: number) => string;

const B = Base as unknown as {
  from: From;
  prototype: { toString: ToString };
  isEncoding(e: string): boolean;
};
const originalFrom = B.from.bind(Base) as From;
const originalToString = B.prototype.toString;

if (!B.isEncoding('base64url')) {
  B.from = (value, encoding, length) =>
    encoding === 'base64url' && typeof value === 'string'
      ? originalFrom(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : originalFrom(value, encoding, length);
  B.prototype.toString = function (this: Base, encoding?: string, start?: number, end?: number): string {
    if (encoding !== 'base64url') return originalToString.call(this, encoding, start, end);
    return originalToString
      .call(this, 'base64', start, end)
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  };
}

export const BrowserBuffer = Base as unknown as typeof globalThis.Buffer;

/** Node's `isUtf8` (node:buffer): true when the bytes are valid UTF-8 (a fatal TextDecoder). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
