/**
 * The dialogue layer end to end (#16 "Done when"), two terminal processes and the `hotline`
 * command only, modelled on a two-day ministerial visit: US proposes a visit to Beijing with five
 * issues on the agenda, CN accepts; both state positions on each issue; both file readouts that
 * differ on one point; US drafts a joint statement, CN amends it, both endorse version 2; three
 * commitments: one done and confirmed, one disputed, one overdue, which US's terminal escalates by
 * e-mail to a real SMTP server; the printable record is produced; the exported bundle verifies
 * and its summary shows all of it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DialogueView } from '../../src/terminal/officer-api/api-schemas.js';
import { smtpReceiver } from '../terminal/escalation-fixture.js';
import { Harness, check, waitFor, type Party } from './harness.js';

const AGENDA = [
  ['trade', 'Trade', '贸易'],
  ['human-rights', 'Human rights', '人权'],
  ['cybersecurity', 'Cybersecurity', '网络安全'],
  ['territorial', 'Territorial disputes', '领土争端'],
  ['crisis-communication', 'Crisis communication channels', '危机沟通渠道'],
] as const;

const dialogue = (p: Party, channel: string) => p.api<DialogueView>('GET', `/api/v1/channels/${channel}/dialogue`);
const id = (r: { stdout: string }) => r.stdout.trim();

describe('e2e: the dialogue layer', () => {
  it('runs a two-day ministerial visit from agenda to verified record', async () => {
    const h = await Harness.create();
    const smtp = await smtpReceiver();
    try {
      const cn = await h.party('CN', 'China');
      const us = await h.party('US', 'United States', { start: false });
      const configPath = join(us.dir, 'config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
      await writeFile(configPath, JSON.stringify({ ...config, smtp: { host: '127.0.0.1', port: smtp.port, from: 'Hotline US <hotline@us.example>' } }, null, 2));
      await us.start();
      await h.pair(us, cn);
      const channel = id(await us.cli(['channel', 'propose', '--with', 'CN', '--tier', 'ministerial', '--title', 'en=US-China senior dialogue', '--title', 'zh=中美高层对话']).then(check('propose')));
      await waitFor('CN to receive the proposal', async () => (await cn.channel(channel)).state === 'proposed');
      await cn.cli(['channel', 'accept', channel]).then(check('accept'));
      await waitFor('US to see the channel active', async () => (await us.channel(channel)).state === 'active');
      // Dialogue reminders go to the desk by e-mail, a second before a due date and when overdue.
      const policy = join(h.root, 'us-escalation.json');
      await writeFile(policy, JSON.stringify({ contacts: { desk: { email: 'china-desk@us.example' } }, policies: [{ levels: [{ name: 'duty officer', contacts: ['desk'], waitSec: 60 }], dialogue: ['desk'], remindBeforeSec: 1 }] }));
      await us.cli(['escalation', 'set', channel, policy]).then(check('escalation set'));

      // Issues on the table, and a visit to Beijing with them on the agenda.
      const issues: string[] = [];
      for (const [category, en, zh] of AGENDA) issues.push(id(await us.cli(['issue', 'open', channel, '--category', category, '--title', `en=${en}`, '--title', `zh=${zh}`]).then(check(`issue ${category}`))));
      const meeting = id(
        await us
          .cli(['meeting', 'propose', channel, '--title', 'en=Ministerial visit to Beijing', '--title', 'zh=部长级访华', '--kind', 'visit', '--level', 'ministerial', '--start', '+3s', '--end', '+2d', '--place', 'Beijing', '--zone', 'US=America/New_York', '--zone', 'CN=Asia/Shanghai', '--participant', 'US=Jane Doe,Secretary of State', '--participant', 'CN=Wang Lei,Minister of Foreign Affairs', '--agenda', ...issues])
          .then(check('meeting propose')),
      );
      await waitFor('CN to hold the meeting and the issues', async () => (await dialogue(cn, channel)).meetings.length === 1);
      await cn.cli(['meeting', 'accept', channel, meeting.slice(0, 10)]).then(check('meeting accept'));
      for (const issue of issues) {
        await us.cli(['issue', 'position', channel, issue.slice(0, 10), 'The United States seeks concrete progress.']).then(check('US position'));
        await cn.cli(['issue', 'position', channel, issue.slice(0, 10), '中方主张相互尊重、平等协商。', '--lang', 'zh']).then(check('CN position'));
      }
      h.step('agenda, acceptance and positions');
      await waitFor('US to see the meeting accepted', async () => (await dialogue(us, channel)).meetings[0]?.status === 'accepted');

      // The readouts, once the visit has begun: they differ on one point.
      await waitFor('the visit to begin (a readout is accepted)', async () => (await us.cli(['readout', 'file', channel, meeting, 'The two sides agreed to resume military-to-military talks without preconditions.', '--release'])).code === 0, 15_000, 500);
      await cn.cli(['readout', 'file', channel, meeting, '双方同意在相互尊重的基础上恢复两军对话。', '--lang', 'zh', '--release']).then(check('CN readout'));

      // The joint statement: drafted by US, amended by CN, version 2 endorsed by both.
      const text = id(await us.cli(['text', 'draft', channel, '--title', 'en=Joint statement', '--title', 'zh=联合声明', '--text', 'en=The two sides held candid talks.', '--text', 'zh=双方进行了坦诚的会谈。', '--source', meeting]).then(check('draft')));
      await waitFor('CN to hold the draft', async () => (await dialogue(cn, channel)).texts.length === 1);
      await cn.cli(['text', 'amend', channel, text, '--text', 'en=The two sides held candid and constructive talks.', '--text', 'zh=双方进行了坦诚和建设性的会谈。', '--note', 'Constructive.']).then(check('amend'));
      await waitFor('US to hold version 2', async () => (await dialogue(us, channel)).texts[0]?.versions.length === 2);
      const diff = (await us.cli(['text', 'diff', channel, text]).then(check('diff'))).stdout;
      expect(diff).toContain('{+and constructive +}');
      await us.cli(['text', 'endorse', channel, text]).then(check('US endorse'));
      await cn.cli(['text', 'endorse', channel, text]).then(check('CN endorse'));
      await waitFor('US to see version 2 adopted', async () => (await dialogue(us, channel)).texts[0]?.adopted?.n === 2);
      // The id the argument help points at (`hotline text list CHANNEL`), and its state.
      expect((await us.cli(['text', 'list', channel]).then(check('text list'))).stdout).toMatch(new RegExp(`^${text.slice(0, 12)}  joint-statement: Joint statement.*\\n    ADOPTED: version 2`, 's'));
      h.step('readouts and the joint statement');

      // Three commitments: done and confirmed, disputed, overdue.
      const source = ['--source', meeting];
      const a = id(await us.cli(['commitment', 'add', channel, '--owner', 'CN', '--what', 'Designate a point of contact for the crisis line.', '--due', '+7d', ...source]).then(check('add a')));
      const b = id(await us.cli(['commitment', 'add', channel, '--owner', 'US', '--what', 'Share the draft terms of reference.', '--due', '+7d', ...source]).then(check('add b')));
      const c = id(await us.cli(['commitment', 'add', channel, '--owner', 'CN', '--what', 'Reply to the proposal on maritime safety.', '--due', '+4s', ...source]).then(check('add c')));
      await waitFor('CN to hold the commitments', async () => (await dialogue(cn, channel)).commitments.length === 3);
      const refused = await us.cli(['commitment', 'update', channel, a, '--status', 'done', '--note', 'Done for them.']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('DIALOGUE_WRONG_PARTY');
      // In the officer's words: the parties by code, no key prefix nor number of an entry never written.
      expect(refused.stderr).toContain('This commitment.update updates a commitment owed by CN.');
      expect(refused.stderr).not.toMatch(/Entry \S+#\d+/);
      await cn.cli(['commitment', 'update', channel, a, '--status', 'done', '--note', 'Director Chen, +86 10 0000 0000.']).then(check('CN done'));
      await us.cli(['commitment', 'update', channel, b, '--status', 'done', '--note', 'Sent by diplomatic note.']).then(check('US done'));
      await waitFor('US to hold CN\'s update', async () => (await dialogue(us, channel)).commitments[0]?.status === 'done');
      await us.cli(['commitment', 'confirm', channel, a]).then(check('confirm'));
      await waitFor('CN to hold US\'s update', async () => (await dialogue(cn, channel)).commitments[1]?.status === 'done');
      await cn.cli(['commitment', 'dispute', channel, b, '--reason', 'The note has not been received.']).then(check('dispute'));

      // The overdue one escalates by e-mail.
      const mail = await waitFor('the overdue reminder e-mail', () => smtp.mails.find((m) => m.data.includes('COMMITMENT OVERDUE')), 20_000);
      expect(mail.to).toEqual(['china-desk@us.example']);
      expect(mail.data).toContain(c.slice(0, 12));
      const list = (await us.cli(['commitment', 'list', channel]).then(check('list'))).stdout;
      expect(list).toMatch(/DONE CONFIRMED/);
      expect(list).toMatch(/DONE DISPUTED/);
      expect(list).toMatch(/OVERDUE/);
      // A later message, so that the latest signed time (the verifier's "as of") is past the due date.
      await us.cli(['send', channel, 'We look forward to your reply on maritime safety.']).then(check('send'));
      await waitFor('CN to receipt everything', async () => (await dialogue(cn, channel)).commitments[1]?.verdict === 'disputed' && (await us.channel(channel)).parties.every((p) => p.entries > 0));
      h.step('commitments and the e-mail');

      // The printable record, and the verified bundle.
      const recordFile = join(h.root, 'record.html');
      await us.cli(['record', channel], { stdoutFile: recordFile }).then(check('record'));
      const html = await readFile(recordFile, 'utf8');
      for (const s of ['Agenda</span> · <span lang="zh">议程', 'Ministerial visit to Beijing', 'without preconditions', '两军对话', 'candid and constructive', 'Jane Doe', '@media print', 'hotline verify bundle.jsonl', meeting, c]) expect(html).toContain(s);
      const bundle = join(h.root, 'bundle.jsonl');
      await us.cli(['export', channel], { stdoutFile: bundle }).then(check('export'));
      const report = (await h.cli(['verify', bundle]).then(check('verify'))).stdout;
      expect(report).toContain('Verdict: VALID');
      expect(report).toContain('Issues (5)');
      expect(report.match(/position of (US|CN)/g)).toHaveLength(10);
      expect(report).toMatch(/ACCEPTED ministerial visit/);
      expect(report.match(/readout of (US|CN)/g)).toHaveLength(2);
      expect(report).toMatch(/ADOPTED version 2, entry [0-9a-f]{64}/);
      expect(report).toMatch(/CONFIRMED/);
      expect(report).toMatch(/DISPUTED/);
      expect(report).toMatch(/OVERDUE/);
    } finally {
      await smtp.close();
    }
  }, 300_000);
});
