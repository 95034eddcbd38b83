/**
 * Link records of version 2 (docs/protocol.md §6.2): link.summary and link.state entries, their
 * rules, and the signed link-test frames of §12.3.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeEntry, formatReport, percentiles, signLinkFrame, verifyBundle, verifyLinkFrame, type BodyOf } from '../../src/protocol/index.js';
import { makeParty, openBilateral } from '../../src/testkit/scenario.js';

const channel = openBilateral;

const pct = (min: number, p50: number, p90: number, p99: number, max: number) => ({ min, p50, p90, p99, max });

function summary(peer: string, from: number, until: number, over: Partial<BodyOf<'link.summary'>['peers'][number]> = {}): BodyOf<'link.summary'> {
  return { from, until, peers: [{ peer, sent: 60, answered: 59, failures: 1, rttMs: pct(3, 5, 9, 20, 20), offsetMs: pct(-4, 0, 2, 3, 3), state: 'up', ...over }] };
}

/** The code the log answers for `by` writing `kind` with `body`. */
function refusal(c: ReturnType<typeof channel>, kind: 'link.summary' | 'link.state', body: BodyOf<'link.summary'> | BodyOf<'link.state'>): string | undefined {
  const sealed = composeEntry(c.s.log, c.us.terminal, c.us.id, kind, body as never, c.s.tick());
  const r = c.s.log.ingest(sealed);
  return r.status === 'accepted' ? undefined : 'error' in r ? r.error.code : r.status;
}

describe('link records (§6.2)', () => {
  it('a version-2 channel takes hourly summaries and state changes, and its bundle verifies', () => {
    const c = channel(2);
    const start = c.s.time;
    c.s.tick(3_600_000);
    c.s.write(c.us, 'link.summary', summary(c.cn.id, start, start + 3_600_000));
    c.s.write(c.cn, 'link.state', { peer: c.us.id, state: 'down', was: 'up', at: c.s.time, reason: 'link tests unanswered for 3 intervals' });
    c.s.receipt(c.us);
    const v = verifyBundle(c.s.bundle());
    expect(v.valid).toBe(true);
    expect(v.link?.lines).toMatchObject([{ party: 'US', peer: 'CN', summaries: 1, sent: 60, answered: 59, failures: 1, worstRttP99Ms: 20 }]);
    const report = formatReport(v);
    expect(report).toMatch(/Link health/);
    expect(report).toMatch(/US -> CN: 1 summaries covering 1\.0 h .* tests 60 sent, 59 answered, 1 failed; worst hourly p99 round trip 20 ms/);
    expect(report).toMatch(/CN saw US up -> down: link tests unanswered for 3 intervals/);
  });

  it('a bundle without link records has no link section', () => {
    const c = channel(2);
    const v = verifyBundle(c.s.bundle());
    expect(v.link).toBeUndefined();
    expect(formatReport(v)).not.toMatch(/Link health/);
  });

  it('a version-1 channel refuses them: it keeps link.test and link.echo entries', () => {
    const c = channel(1);
    expect(refusal(c, 'link.state', { peer: c.cn.id, state: 'down', was: 'up', at: c.s.time, reason: 'cut' })).toBe('LINK_RECORD_INVALID');
  });

  it('refuses summaries that contradict themselves or name a non-party', () => {
    const c = channel(2);
    c.s.tick(3_600_000);
    const t = c.s.time;
    const other = makeParty('RU', { en: 'Russia' });
    expect(refusal(c, 'link.summary', summary(c.cn.id, t - 3_600_000, t, { answered: 60, failures: 1 }))).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.summary', summary(c.us.id, t - 3_600_000, t))).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.summary', summary(other.id, t - 3_600_000, t))).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.summary', summary(c.cn.id, t, t - 1))).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.summary', summary(c.cn.id, t - 3_600_000, t + 60_000_000))).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.summary', summary(c.cn.id, t - 3_600_000, t, { rttMs: pct(3, 9, 5, 20, 20) }))).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.summary', summary(c.cn.id, t - 3_600_000, t, { answered: 0, failures: 60 }))).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.state', { peer: c.cn.id, state: 'up', was: 'up', at: t, reason: 'same' })).toBe('LINK_RECORD_INVALID');
    expect(refusal(c, 'link.summary', summary(c.cn.id, t - 3_600_000, t - 1))).toBeUndefined();
  });

  it('percentiles are ordered and bounded by the samples (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const q = percentiles(xs)!;
        expect(q.min).toBe(Math.min(...xs));
        expect(q.max).toBe(Math.max(...xs));
        expect(q.min <= q.p50 && q.p50 <= q.p90 && q.p90 <= q.p99 && q.p99 <= q.max).toBe(true);
      }),
    );
    expect(percentiles([])).toBeUndefined();
  });

  it('a summary the terminal writes from any samples is accepted (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { maxLength: 100 }), fc.nat({ max: 50 }), (rtts, lost) => {
        const c = channel(2);
        c.s.tick(3_600_000);
        const t = c.s.time;
        const body: BodyOf<'link.summary'> = {
          from: t - 3_600_000,
          until: t,
          peers: [{ peer: c.cn.id, sent: rtts.length + lost, answered: rtts.length, failures: lost, ...(rtts.length ? { rttMs: percentiles(rtts)!, offsetMs: percentiles(rtts.map((x) => x - 2500))! } : {}), state: lost > 3 ? 'down' : 'up' }],
        };
        expect(refusal(c, 'link.summary', body)).toBeUndefined();
      }),
      { numRuns: 30 },
    );
  });

  it('a link-test frame verifies only with the signer key and unaltered fields', () => {
    const c = channel(2);
    const f = { channel: c.s.log.id, from: c.cn.id, to: c.us.id, key: c.cn.terminal.publicKey, nonce: '00112233445566778899aabb', t1: 1, t2: 5, t3: 6 };
    const sig = signLinkFrame(c.cn.terminal, f);
    expect(verifyLinkFrame(c.cn.terminal.publicKey, f, sig)).toBe(true);
    expect(verifyLinkFrame(c.us.terminal.publicKey, f, sig)).toBe(false);
    expect(verifyLinkFrame(c.cn.terminal.publicKey, { ...f, t2: 4 }, sig)).toBe(false);
    expect(verifyLinkFrame(c.cn.terminal.publicKey, { ...f, to: c.cn.id }, sig)).toBe(false);
    expect(verifyLinkFrame(c.cn.terminal.publicKey, f, sig.slice(0, -2) + 'AA')).toBe(false);
  });
});
