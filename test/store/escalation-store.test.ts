/**
 * store.escalations, one body for every backend: steps are kept in order with their outcome.
 */
import { describe, expect, it } from 'vitest';
import type { EscalationStepInput } from '../../src/store/index.js';
import { BACKENDS, useStore } from './backends.js';
import { channelId, hashOf } from './factories.js';

const step = (over: Partial<EscalationStepInput> = {}): EscalationStepInput => ({
  kind: 'escalation',
  message: hashOf('m1'),
  channel: channelId(),
  level: 1,
  levelName: 'duty officer',
  repeat: 0,
  contact: 'ops-room',
  via: 'webhook',
  address: 'https://ops.example/hook',
  attempt: 1,
  at: 1_000,
  outcome: 'delivered',
  error: null,
  ...over,
});

describe.each(BACKENDS)('escalation store on $name', (backend) => {
  const ctx = useStore(backend);

  it('records steps and lists them oldest first, filtered by message, channel and time', async () => {
    const { store } = ctx;
    const ch = channelId();
    const a = await store.escalations.record(step({ channel: ch, outcome: 'retrying', error: 'connect ECONNREFUSED' }));
    const b = await store.escalations.record(step({ channel: ch, attempt: 2, at: 3_000, outcome: 'failed', error: 'connect ECONNREFUSED' }));
    await store.escalations.record(step({ kind: 'alarm', message: null, channel: null, level: 0, via: 'email', address: 'ops@example.org', at: 5_000 }));
    expect(b).toBeGreaterThan(a);
    const forMessage = await store.escalations.list({ message: hashOf('m1') });
    expect(forMessage.map((s) => [s.attempt, s.outcome, s.error])).toEqual([
      [1, 'retrying', 'connect ECONNREFUSED'],
      [2, 'failed', 'connect ECONNREFUSED'],
    ]);
    expect(forMessage[1]).toEqual({ id: b, ...step({ channel: ch, attempt: 2, at: 3_000, outcome: 'failed', error: 'connect ECONNREFUSED' }) });
    expect(await store.escalations.list({ channel: ch, since: 2_000 })).toHaveLength(1);
    const all = await store.escalations.list();
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ kind: 'alarm', message: null, channel: null, via: 'email' });
    expect(await store.escalations.list({ limit: 1 })).toHaveLength(1);
  });
});
