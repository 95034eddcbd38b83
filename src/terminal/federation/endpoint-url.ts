/**
 * The URL of a federation path at a peer's card endpoint (docs/protocol.md §12.1): the endpoint's
 * scheme made `wss:` for the stream or `https:` for the plain requests (a card may name either),
 * one trailing `/` of the endpoint dropped, then the path.
 */
export function federationUrl(endpoint: string, path: `/fed/${string}`, scheme: 'wss' | 'https'): string {
  return `${endpoint.replace(/^(https|wss):/, `${scheme}:`).replace(/\/$/, '')}${path}`;
}
