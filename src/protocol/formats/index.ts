/** Agreed message formats (docs/protocol.md §13): definitions, field checks, rendering, library. */
export * from './definition.js';
export * from './fields.js';
export * from './render.js';
export * from './lang-pack.js';
export * from './library/index.js';
export * from './message.js';
