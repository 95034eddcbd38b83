/**
 * Side effect only: makes the global `Buffer` the protocol code uses exist in a browser or a
 * worker. Import it first (before any src/protocol module) in the verifier worker.
 */
import { BrowserBuffer } from './browser-buffer.js';

const g = globalThis as { Buffer?: unknown };
if (typeof g.Buffer === 'undefined') g.Buffer = BrowserBuffer;
