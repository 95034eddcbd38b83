/**
 * A link's reason when its dial fails: a 401 answer to the upgrade is the peer not knowing this
 * terminal (pairing done on one side only), said so in words an operator acts on.
 */
import { expect, it } from 'vitest';
import { dialFailure } from '../../src/terminal/federation/link-answers.js';

it('reads a 401 as the peer not having paired with this party yet, and leaves other failures as they are', () => {
  expect(dialFailure(new Error('Unexpected server response: 401'), 'BB')).toMatch(/^BB refuses this terminal \(401, FED_UNPINNED_CLIENT\): it has not paired with this party yet.*`hotline peer add CARD` there/);
  expect(dialFailure(new Error('connect ECONNREFUSED 127.0.0.1:7443'), 'BB')).toBe('connect ECONNREFUSED 127.0.0.1:7443');
  expect(dialFailure(new Error('Unexpected server response: 503'), 'BB')).toBe('Unexpected server response: 503');
});
