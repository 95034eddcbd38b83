/** A peer card's endpoint, with or without a trailing slash or a path, in either scheme (docs/protocol.md §12.1). */
import { expect, it } from 'vitest';
import { federationUrl } from '../../src/terminal/federation/endpoint-url.js';

it('builds the stream and plain HTTPS URLs from any endpoint form', () => {
  expect(federationUrl('https://h:7443', '/fed/v1/stream', 'wss')).toBe('wss://h:7443/fed/v1/stream');
  expect(federationUrl('https://h/hl/', '/fed/v1/stream', 'wss')).toBe('wss://h/hl/fed/v1/stream');
  expect(federationUrl('wss://h/hl', '/fed/v1/stream', 'wss')).toBe('wss://h/hl/fed/v1/stream');
  // The pull fallback's requests: an endpoint ending in / gave //fed (a 404), a wss: one was refused.
  expect(federationUrl('https://h:7443/', '/fed/v1/channels', 'https')).toBe('https://h:7443/fed/v1/channels');
  expect(federationUrl('wss://h/hl/', '/fed/v1/channels/abc/entries?author=x&from=1&limit=1', 'https')).toBe('https://h/hl/fed/v1/channels/abc/entries?author=x&from=1&limit=1');
});
