/**
 * The whole user path through the `hotline` CLI between two terminal processes: pair, propose,
 * accept, send both ways, acknowledge, see receipts and acknowledgements, export and verify.
 */
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor, type ApiMessage } from './harness.js';

interface ShownChannel {
  id: string;
  state: string;
  parties: Array<{ code: string; accepted: boolean }>;
  messages: ApiMessage[];
}

describe('e2e: happy path through the CLI', () => {
  it('pairs, opens a channel by mutual consent, exchanges receipted and acknowledged messages, and the export verifies', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);

    const peers = JSON.parse((await us.cli(['peer', 'list', '--json']).then(check('peer list'))).stdout) as Array<{ code: string; link: string }>;
    expect(peers.map((p) => p.code)).toEqual(['CN']);

    // US proposes; the channel id is the one line on stdout.
    const proposed = await us.cli(['channel', 'propose', '--with', 'CN', '--title', 'Maritime and air incidents line', '--title', 'zh=海空事件热线', '--title', 'ru=Линия морских и воздушных инцидентов', '--tier', 'military']).then(check('propose'));
    const id = proposed.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(proposed.stderr).toContain('it opens when every party accepts');

    // CN sees the proposal, accepts it (by prefix, as a user would type it).
    await waitFor('CN to receive the proposal', async () => {
      const list = JSON.parse((await cn.cli(['channel', 'list', '--json'])).stdout) as Array<{ id: string; state: string }>;
      return list.find((c) => c.id === id && c.state === 'proposed');
    });
    const accepted = await cn.cli(['channel', 'accept', id.slice(0, 12)]).then(check('accept'));
    expect(accepted.stdout).toContain('is now active');
    // What was accepted is printed first: the charter hash, the protocol version, the formats and
    // both parties' fingerprints, to compare aloud.
    const charterHash = ((await cn.channel(id)) as unknown as { charterHash: string }).charterHash;
    expect(accepted.stderr).toContain(`Accepting channel ${id.slice(0, 12)}`);
    expect(accepted.stderr).toContain(`charter ${charterHash}   protocol version 1`);
    expect(accepted.stderr).toContain('formats none (free text only)');
    expect(accepted.stderr).toContain(`US     ${us.fingerprint}`);
    expect(accepted.stderr).toContain(`CN     ${cn.fingerprint}`);
    await waitFor('US to see the channel active', async () => (await us.channel(id)).state === 'active');

    // Messages both ways, with different precedences.
    const flash = (await us.cli(['send', id, 'Unplanned encounter at 12N 114E: request you maintain course and speed.', '--precedence', 'FLASH']).then(check('US send'))).stdout.trim();
    const replied = await cn.cli(['send', id.slice(0, 12), '收到。我舰将保持航向航速。', '--precedence', 'immediate', '--lang', 'zh']).then(check('CN send'));
    const reply = replied.stdout.trim();
    expect(replied.stderr).not.toContain('not a language of this channel'); // zh is one of the charter's
    expect(flash).toMatch(/^[0-9a-f]{64}$/);
    expect(reply).toMatch(/^[0-9a-f]{64}$/);

    await waitFor('CN to hold the FLASH message', async () => (await cn.messages(id)).some((m) => m.id === flash));
    await waitFor('US to hold the reply', async () => (await us.messages(id)).some((m) => m.id === reply));

    // Humans acknowledge (by prefix).
    const ackCn = await cn.cli(['ack', flash.slice(0, 16), '--name', 'Lt Cdr Wang', '--note', 'Understood']).then(check('CN ack'));
    expect(ackCn.stdout).toContain(`Acknowledged ${flash.slice(0, 12)} as Lt Cdr Wang, Duty Officer (the default title: --title sets another)`);
    await us.cli(['ack', reply, '--name', 'Cdr Smith']).then(check('US ack'));

    // Receipts (machine) and acknowledgements (human) come back to the sender.
    const show = async (p: typeof us) => JSON.parse((await p.cli(['channel', 'show', id, '--json']).then(check('show'))).stdout) as ShownChannel;
    const usView = await waitFor('US to see its FLASH receipted and acknowledged', async () => {
      const v = await show(us);
      const m = v.messages.find((x) => x.id === flash);
      return m?.receiptedAt && m.ackedAt ? v : undefined;
    });
    const usFlash = usView.messages.find((m) => m.id === flash)!;
    expect(usView.state).toBe('active');
    expect(usFlash).toMatchObject({ own: true, precedence: 'FLASH', ackedBy: { code: 'CN', officer: { name: 'Lt Cdr Wang' } } });
    expect(usView.messages.find((m) => m.id === reply)).toMatchObject({ own: false, precedence: 'IMMEDIATE', lang: 'zh', ackedBy: { code: 'US' } });

    const cnView = await waitFor('CN to see its reply receipted and acknowledged', async () => {
      const v = await show(cn);
      const m = v.messages.find((x) => x.id === reply);
      return m?.receiptedAt && m.ackedAt ? v : undefined;
    });
    expect(cnView.messages.find((m) => m.id === reply)).toMatchObject({ own: true, ackedBy: { code: 'US', officer: { name: 'Cdr Smith' } } });
    expect(cnView.parties.map((p) => [p.code, p.accepted])).toEqual([['US', true], ['CN', true]]);

    // The human-readable view says the same.
    const text = (await us.cli(['channel', 'show', id.slice(0, 12)]).then(check('show text'))).stdout;
    expect(text).toContain('state   ACTIVE');
    expect(text).toMatch(/charter [0-9a-f]{64} {3}protocol version 1/);
    expect(text).toContain(`US     ${us.fingerprint}`);
    expect(text).toContain(`CN     ${cn.fingerprint}`);
    expect(text).toMatch(/receipted \S+; acknowledged \S+ by CN Lt Cdr Wang/);

    // A text in a language the charter does not name is sent, with a note that the other side may not read it.
    const french = await us.cli(['send', id, 'Bien reçu.', '--lang', 'fr']).then(check('send fr'));
    expect(french.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(french.stderr).toContain('Note: sent in "fr", which is not a language of this channel\'s charter (en, zh, ru)');

    // A gateway's batch: `hotline send --file` with 1,200 messages (three batch requests).
    const lines = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ text: `Track report ${i}`, ...(i === 7 ? { precedence: 'PRIORITY' } : {}) }));
    const badFile = join(h.root, 'bad.jsonl');
    await writeFile(badFile, `${lines[0]}\n{"text": ""}\n`);
    const bad = await us.cli(['send', id, '--file', badFile]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain(`${badFile} line 2 is not a message`);
    const file = join(h.root, 'reports.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const ids = (await us.cli(['send', id, '--file', file]).then(check('send --file'))).stdout.trim().split('\n');
    expect(ids).toHaveLength(1200);
    expect(new Set(ids).size).toBe(1200);
    const atCn = await waitFor('CN to hold the 1,200 reports, receipted at US', async () => {
      const [theirs, ours] = await Promise.all([cn.messages(id), us.messages(id)]);
      const reports = theirs.filter((m) => m.text.startsWith('Track report '));
      return reports.length === 1200 && ours.filter((m) => m.text.startsWith('Track report ')).every((m) => m.receiptedAt) ? reports : undefined;
    });
    expect(atCn.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(atCn.find((m) => m.text === 'Track report 7')?.precedence).toBe('PRIORITY');
    expect(atCn.filter((m) => m.text.startsWith('Track report ')).map((m) => m.text)).not.toContain('');
    // The same command again (as after a CLI killed mid-file, #14 C7): every batch is answered
    // from its idempotency key, the same ids are printed, and nothing is sent twice.
    const again = (await us.cli(['send', id, '--file', file]).then(check('send --file again'))).stdout.trim().split('\n');
    expect(again).toEqual(ids);
    expect((await us.messages(id)).filter((m) => m.text.startsWith('Track report '))).toHaveLength(1200);

    // A live gateway: `hotline send --stream`, each line over one open connection as it is read.
    // A bad line and a line above the caps are refused on stderr with their numbers, the rest sent
    // in order; a line's "key" makes it safe to send again.
    const live = join(h.root, 'live.jsonl');
    const liveLines = [
      ...Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `Live track ${i}`, key: `live-${i}` })),
      '{"text": ""}',
      JSON.stringify({ text: 'Live track with a reply to nothing', replyTo: 'f'.repeat(63) }),
    ];
    await writeFile(live, `${liveLines.join('\n')}\n`);
    const streamed = await us.cli(['send', id, '--stream', live]);
    expect(streamed.code).not.toBe(0);
    const liveIds = streamed.stdout.trim().split('\n');
    expect(liveIds).toHaveLength(40);
    expect(streamed.stderr).toContain(`${live} line 41 is not a message`);
    expect(streamed.stderr).toMatch(new RegExp(`${live} line 42: BAD_REQUEST`));
    expect(streamed.stderr).toContain('Sent 40 messages, 2 lines refused');
    const liveAtUs = (await us.messages(id)).filter((m) => m.text.startsWith('Live track '));
    expect(liveAtUs.map((m) => m.text)).toEqual(Array.from({ length: 40 }, (_, i) => `Live track ${i}`));
    const liveAgain = await us.cli(['send', id, '--stream', live]);
    expect(liveAgain.stdout.trim().split('\n')).toEqual(liveIds);
    expect((await us.messages(id)).filter((m) => m.text.startsWith('Live track '))).toHaveLength(40);

    // `hotline export ... > file`, then `hotline verify file`: exit 0, both parties, the acknowledgement.
    const bundle = join(h.root, 'bundle.jsonl');
    await us.cli(['export', id], { stdoutFile: bundle }).then(check('export'));
    expect((await readFile(bundle, 'utf8')).split('\n')[0]).toContain('"type":"hotline.bundle"');
    const verified = await h.cli(['verify', bundle]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    const report = verified.stdout;
    expect(report).toContain('Verdict: VALID');
    expect(report).toMatch(/^ {2}US {4} United States/m);
    expect(report).toMatch(/^ {2}CN {4} China/m);
    expect(report).toMatch(/US#\d+ FLASH \[en\].*Unplanned encounter/);
    expect(report).toMatch(/acknowledged: CN Lt Cdr Wang \(Duty Officer\)/);
    expect(report).toMatch(/acknowledged: US Cdr Smith/);
    expect(report).toMatch(/received: CN /);

    // CN's own export verifies too, with the same verdict.
    const bundleCn = join(h.root, 'bundle-cn.jsonl');
    await cn.cli(['export', id], { stdoutFile: bundleCn }).then(check('export CN'));
    const verifiedCn = await h.cli(['verify', bundleCn]);
    expect(verifiedCn.code).toBe(0);
    expect(verifiedCn.stdout).toContain('Verdict: VALID');
  }, 180_000);
});
