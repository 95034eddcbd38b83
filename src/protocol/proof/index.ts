/** Proofs of one message (docs/protocol.md §14). */
export * from './document.js';
export * from './verify-proof.js';
export * from './text.js';
export * from './select.js';
