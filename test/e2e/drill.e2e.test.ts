/**
 * Drills and readiness between two terminal processes through the CLI: `hotline drill` at US,
 * `hotline ack` at CN, `hotline readiness` at US; the drill schedule; /metrics over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from './harness.js';

describe('e2e: drills and the readiness report', () => {
  it('a drill sent at US and acknowledged at CN shows in US\'s readiness report with the officer and time', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    const cn = await h.party('CN', 'China');
    await h.pair(us, cn);
    const id = (await us.cli(['channel', 'propose', '--with', 'CN', '--title', 'Maritime and air incidents line', '--tier', 'military']).then(check('propose'))).stdout.trim();
    await waitFor('CN to receive the proposal', async () => (await cn.channel(id)).state === 'proposed');
    await cn.cli(['channel', 'accept', id]).then(check('accept'));
    await waitFor('US to see the channel active', async () => (await us.channel(id)).state === 'active');

    const empty = await us.cli(['readiness', id.slice(0, 12)]).then(check('readiness before'));
    expect(empty.stdout).toContain('No drills yet');

    // On demand.
    const sent = await us.cli(['drill', id.slice(0, 12), '--name', 'Cdr Smith']).then(check('drill'));
    const drill = sent.stdout.trim();
    expect(drill).toMatch(/^[0-9a-f]{64}$/);
    expect(sent.stderr).toMatch(/DRILL sent \(FLASH\); acknowledgement due by \S+Z/);

    // CN sees it marked DRILL, awaiting acknowledgement.
    const shown = await waitFor('CN to hold the drill', async () => {
      const text = (await cn.cli(['channel', 'show', id])).stdout;
      return text.includes(drill.slice(0, 12)) ? text : undefined;
    });
    expect(shown).toMatch(new RegExp(`${drill.slice(0, 12)} \\S+ US\\s+FLASH\\s+DRILL`));
    expect(shown).toContain('NOT acknowledged');

    await cn.cli(['ack', drill.slice(0, 16), '--name', 'Lt Cdr Wang']).then(check('CN ack'));
    await waitFor('US to see the drill acknowledged', async () => (await us.messages(id)).find((m) => m.id === drill)?.ackedAt);

    const text = (await us.cli(['readiness', id]).then(check('readiness'))).stdout;
    expect(text).toContain(`Readiness of channel ${id.slice(0, 12)} "Maritime and air incidents line"`);
    expect(text).toMatch(/drills sent 1, acknowledged 1 \(100%\), missed 0 \(0 late, 0 unanswered\), pending 0/);
    expect(text).toMatch(/time to acknowledge: median \S+, p90 \S+, worst \S+/);
    expect(text).toMatch(/^ {2}CN\s+Lt Cdr Wang\s+Duty Officer\s+1\s+0\s/m);
    expect(text).toMatch(new RegExp(`${drill.slice(0, 12)}  \\S+Z  DRILL from US  shift \\d\\d-\\d\\d  acknowledged \\S+Z after \\S+ by CN Lt Cdr Wang \\(Duty Officer\\)`));
    process.stdout.write(`\n---- hotline readiness (US) ----\n${text}---- end ----\n`);

    const json = JSON.parse((await us.cli(['readiness', id, '--json']).then(check('readiness --json'))).stdout) as {
      overall: { sent: number; acknowledged: number; timeToAck: { medianMs: number } };
      drills: Array<{ id: string; ackedAt: number; ackedBy: { party: string; officer: string } }>;
    };
    expect(json.overall).toMatchObject({ sent: 1, acknowledged: 1 });
    expect(json.overall.timeToAck.medianMs).toBeGreaterThanOrEqual(0);
    expect(json.drills[0]).toMatchObject({ id: drill, ackedBy: { party: 'CN', officer: 'Lt Cdr Wang' } });

    // CN's readiness report sees the same drill (sent by US, acknowledged by CN).
    const cnText = (await cn.cli(['readiness', id, '--party', 'US']).then(check('readiness CN'))).stdout;
    expect(cnText).toMatch(/drills sent 1, acknowledged 1/);

    // The daily schedule, set and shown through the CLI.
    const set = await us.cli(['drill-schedule', id, '--window', '09:00-17:00']).then(check('drill-schedule set'));
    expect(set.stdout).toMatch(/daily drill ENABLED, at a random time between 09:00 and 17:00 UTC\n {2}next drill at \S+Z/);
    const bad = await us.cli(['drill-schedule', id, '--window', '9-17']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^hotline: .*not HH:MM-HH:MM in UTC/);
    const badShifts = await us.cli(['readiness', id, '--shifts', '8,x']);
    expect(badShifts.code).toBe(2);
    expect(badShifts.stderr).toContain('--shifts must be whole UTC hours');

    // /metrics over HTTP, with the officer token.
    const noToken = await fetch(`${us.officerUrl}/metrics`);
    expect(noToken.status).toBe(401);
    const metrics = await us.apiRaw('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^hotline_drills_sent_total\{trigger="manual"\} 1$/m);
    expect(metrics.text).toMatch(/^hotline_link_state\{peer="CN",state="up"\} 1$/m);
    expect(metrics.text).toMatch(/^hotline_entries_in_total\{kind="ack"\} 1$/m);
    expect(metrics.text).toMatch(/^hotline_unacknowledged_messages\{precedence="FLASH",direction="out"\} 0$/m);
    expect(metrics.text).toMatch(/^hotline_sync_lag_entries\{peer="CN"\} \d+$/m);
    // The sync stream confirms what CN stored: with the line idle, nothing of US's log is outstanding.
    await waitFor('US\'s sync lag towards CN to be 0', async () => /^hotline_sync_lag_entries\{peer="CN"\} 0$/m.test((await us.apiRaw('GET', '/metrics')).text));
    expect(metrics.text).toMatch(/^hotline_process_resident_memory_bytes \d+/m);
    const ready = await fetch(`${us.officerUrl}/readyz`);
    expect(ready.status).toBe(200);
  }, 120_000);
});
