/** `hotline serve` notes a card whose endpoints do not name the port the federation listens on. */
import { describe, expect, it } from 'vitest';
import { endpointNote } from '../../src/cli/commands/serve.js';

describe('the endpoint note of hotline serve', () => {
  it('is silent when an endpoint names the listening port, and says what to run when none does', () => {
    expect(endpointNote(['https://127.0.0.1:17445'], 'https://127.0.0.1:17445', 'data/ru')).toBeUndefined();
    expect(endpointNote(['https://ru.example:443', 'https://10.0.0.2:7443'], 'https://0.0.0.0:7443', 'data/ru')).toBeUndefined();
    expect(endpointNote(['https://ru.example'], 'https://0.0.0.0:443', 'data/ru')).toBeUndefined();
    const note = endpointNote(['https://127.0.0.1:17445'], 'https://127.0.0.1:17446', 'data/ru');
    expect(note).toContain('publishes https://127.0.0.1:17445, and none of them is port 17446');
    expect(note).toContain('hotline card reissue --endpoint URL --data data/ru');
  });
});
