/**
 * Crisis operations end to end, two terminal processes: a FLASH message with a 2-second deadline is
 * not acknowledged, and the receiving terminal escalates through two levels — a signed webhook to
 * an HTTP server and an e-mail to an SMTP server, both started by this test and really reached;
 * acknowledging stops the next level; the sender sees the acknowledgement with the officer and time.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhookSignature } from '../../src/terminal/notifiers/webhook-notifier.js';
import { smtpReceiver, webhookReceiver } from '../terminal/escalation-fixture.js';
import { Harness, check, waitFor, type ApiMessage } from './harness.js';

const SECRET = 'e2e-webhook-secret-0123456789';

interface Step {
  kind: string;
  message: string | null;
  level: number;
  contact: string;
  via: string;
  outcome: string;
  at: number;
}

describe('e2e: acknowledgement deadlines and escalation', () => {
  it('escalates an unacknowledged FLASH through two levels (webhook, e-mail); the acknowledgement stops the third and reaches the sender', async () => {
    const h = await Harness.create();
    const hook = await webhookReceiver();
    const smtp = await smtpReceiver();
    try {
      const us = await h.party('US', 'United States');
      const cn = await h.party('CN', 'China', { start: false });
      // CN sends e-mail through the test's SMTP server.
      const configPath = join(cn.dir, 'config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
      await writeFile(configPath, JSON.stringify({ ...config, smtp: { host: '127.0.0.1', port: smtp.port, from: 'Hotline CN <hotline@cn.example>' } }, null, 2));
      await cn.start();
      await h.pair(us, cn);

      // A channel whose FLASH messages must be acknowledged within 2 seconds.
      const channel = await us.api<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Incidents at sea' }, tier: 'military', parties: ['CN'], ackDeadlineSec: { FLASH: 2 } });
      await waitFor('CN to receive the proposal', async () => (await cn.channel(channel.id)).state === 'proposed');
      await cn.cli(['channel', 'accept', channel.id]).then(check('accept'));
      await waitFor('US to see the channel active', async () => (await us.channel(channel.id)).state === 'active');

      // CN's escalation policy, set through the CLI.
      const policyFile = join(h.root, 'cn-escalation.json');
      await writeFile(
        policyFile,
        JSON.stringify({
          contacts: {
            'ops-room': { console: true, webhook: { url: hook.url, secret: SECRET } },
            supervisor: { email: 'supervisor@cn.example' },
            principal: { email: 'minister@cn.example' },
          },
          policies: [
            {
              levels: [
                { name: 'duty officer', contacts: ['ops-room'], waitSec: 2 },
                { name: 'watch supervisor', contacts: ['supervisor'], waitSec: 12 },
                { name: 'principal', contacts: ['principal'], waitSec: 60 },
              ],
            },
          ],
        }),
      );
      const set = await cn.cli(['escalation', 'set', channel.id.slice(0, 12), policyFile]).then(check('escalation set'));
      expect(set.stdout).toContain('escalation set for messages from every party (1 policy, saved in escalation.json)');
      const shown = (await cn.cli(['escalation', 'show', channel.id]).then(check('escalation show'))).stdout;
      expect(shown).toContain('level 2 watch supervisor: supervisor; next level after 12s');
      expect(shown).toContain('level 3 principal: principal; the last level');

      // A bad policy is refused with the field named, and the good one stays.
      await writeFile(policyFile, JSON.stringify({ levels: [{ name: 'x', contacts: ['nobody'], waitSec: 5 }] }));
      const bad = await cn.cli(['escalation', 'set', channel.id, policyFile]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('escalation.json: policies[0].levels[0].contacts[0]: unknown contact "nobody"');

      // US sends a FLASH; nobody at CN acknowledges it.
      const flash = (await us.cli(['send', channel.id, 'Collision risk at 12N 114E: respond immediately.', '--precedence', 'FLASH']).then(check('send'))).stdout.trim();
      h.step('FLASH sent');
      await waitFor('CN to hold the FLASH', async () => (await cn.messages(channel.id)).some((m) => m.id === flash));
      const pending = (await cn.cli(['pending']).then(check('pending'))).stdout;
      expect(pending).toContain(flash.slice(0, 12));
      expect(pending).toContain('FLASH');

      // Level 1: the webhook, signed.
      const call = await waitFor('the level-1 webhook', () => hook.calls[0], 15_000);
      expect(call.headers['x-hotline-signature']).toBe(webhookSignature(SECRET, call.body));
      expect(JSON.parse(call.body)).toMatchObject({ kind: 'escalation', level: 1, levelName: 'duty officer', message: { hash: flash, from: 'US', precedence: 'FLASH' } });
      h.step('level 1 webhook received');

      // Level 2: the e-mail to the watch supervisor.
      const mail = await waitFor('the level-2 e-mail', () => smtp.mails[0], 15_000);
      expect(mail.to).toEqual(['supervisor@cn.example']);
      expect(mail.data).toContain('level 2 (watch supervisor)');
      expect(mail.data).toContain('Collision risk');
      h.step('level 2 e-mail received');
      const escalated = await cn.api<Array<{ id: string; remainingMs: number; escalation: { level: number } }>>('GET', '/api/v1/pending');
      expect(escalated.find((m) => m.id === flash)).toMatchObject({ escalation: { level: 2 } });
      expect(escalated.find((m) => m.id === flash)!.remainingMs).toBeLessThan(0);

      // The duty officer acknowledges: level 3 (due 12 s after level 2) never comes.
      await cn.cli(['ack', flash, '--name', 'Lt Cdr Wang', '--note', 'Understood, altering course']).then(check('ack'));
      const ackedAt = Date.now();
      await new Promise((r) => setTimeout(r, Math.max(0, mail.at + 14_000 - Date.now())));
      expect(smtp.mails.map((m) => m.to[0])).toEqual(['supervisor@cn.example']);
      expect(hook.calls.filter((c) => (JSON.parse(c.body) as { kind: string }).kind === 'escalation')).toHaveLength(1);
      const steps = await cn.api<Step[]>('GET', `/api/v1/escalations?message=${flash}`);
      expect(steps.map((s) => [s.level, s.contact, s.via, s.outcome])).toEqual([
        [1, 'ops-room', 'console', 'delivered'],
        [1, 'ops-room', 'webhook', 'delivered'],
        [2, 'supervisor', 'email', 'delivered'],
      ]);
      expect((await cn.cli(['pending']).then(check('pending after ack'))).stdout).toContain('Nothing awaits acknowledgement');

      // The sender: the deadline passed unacknowledged (recorded), then the acknowledgement arrived
      // with the officer who gave it and the time.
      const seen = await waitFor('US to see the acknowledgement', async () => (await us.messages(channel.id)).find((m: ApiMessage) => m.id === flash && m.ackedAt));
      expect(seen.ackedBy).toMatchObject({ code: 'CN', officer: { name: 'Lt Cdr Wang' } });
      expect(seen.ackedAt).toBeLessThanOrEqual(ackedAt + 1000);
      const usSteps = await us.api<Step[]>('GET', `/api/v1/escalations?message=${flash}`);
      expect(usSteps.map((s) => [s.kind, s.via, s.outcome])).toEqual([['overdue', 'console', 'delivered']]);
      expect((await us.cli(['overdue']).then(check('overdue'))).stdout).toContain('past its deadline and still unacknowledged');
      const text = (await us.cli(['channel', 'show', channel.id]).then(check('show'))).stdout;
      expect(text).toMatch(/acknowledged \S+ by CN Lt Cdr Wang/);
    } finally {
      await hook.close();
      await smtp.close();
    }
  }, 240_000);
});
