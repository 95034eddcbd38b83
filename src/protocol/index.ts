/**
 * Hotline protocol core: pure functions and values. No I/O, no clock, no database.
 * The public surface of the layer; see docs/protocol.md for the wire specification.
 */
export * from './error-registry.js';
export * from './errors.js';
export * from './encoding.js';
export * from './keys.js';
export * from './schemas.js';
export * from './identity.js';
export * from './entry.js';
export * from './charter.js';
export * from './charter-changes.js';
export * from './channel-log.js';
export * from './dialogue.js';
export * from './dialogue-check.js';
export * from './dialogue-summary.js';
export * from './compose.js';
export * from './bundle.js';
export * from './verify.js';
export * from './report-format.js';
export * from './printable.js';
export * from './formats/index.js';
export * from './body-commitment.js';
export * from './proof/index.js';
export * from './link-record.js';
export * from './link-report.js';
export * from './checkpoint.js';
export * from './stream-report.js';
