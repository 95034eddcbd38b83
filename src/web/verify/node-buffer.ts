/** `node:buffer` for the browser verifier (vite alias in src/web/vite.config.ts). */
export { BrowserBuffer as Buffer, isUtf8 } from './browser-buffer.js';
