/**
 * Acknowledgements by whom (#14 D11), with real processes and the CLI: once US has officer
 * accounts, `hotline ack --name` (a free-text name) and a bare `hotline ack` are refused; the
 * host acknowledges as a registered officer (`--officer`), whose published name CN sees; a second
 * acknowledgement by the same officer is refused unless `--again`. A drill is sent as a registered
 * officer too (`hotline drill --officer`).
 */
import { describe, expect, it } from 'vitest';
import { check, Harness, waitFor } from './harness.js';

describe('e2e: who acknowledges', () => {
  it('refuses free-text and anonymous signers on a terminal with officers, and repeated acknowledgements unless explicit', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Who line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const sent = await cn.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Please acknowledge', precedence: 'PRIORITY' });
    await waitFor('US to receive it', async () => (await us.messages(id)).some((m) => m.id === sent.id));

    await us.cli(['officer', 'add', 'Cdr Smith', '--title', 'Watch Officer', '--role', 'duty-officer']).then(check('officer add'));
    const freeText = await us.cli(['ack', sent.id, '--name', 'The Minister']);
    expect(freeText.code).not.toBe(0);
    expect(freeText.stderr).toMatch(/OFFICER_REQUIRED/);
    // The refusal says what to type instead: list the accounts, then ack as one of them (the
    // free-text name is not one, so it is not offered as if it were).
    expect(freeText.stderr).toContain('`hotline officer list --data ');
    expect(freeText.stderr).toContain(`hotline ack ${sent.id} --officer "NAME"`);
    expect(freeText.stderr).not.toContain('--officer "The Minister"');

    // Roles change from the CLI (PATCH /api/v1/officers/:name), and the title.
    const roles = await us.cli(['officer', 'roles', 'Cdr Smith', 'principal', 'duty-officer']).then(check('officer roles'));
    expect(roles.stdout).toContain('Officer Cdr Smith now holds: principal, duty-officer.');
    await us.cli(['officer', 'title', 'Cdr Smith', 'Watch Officer']).then(check('officer title'));
    const listed = (await us.cli(['officer', 'list']).then(check('officer list'))).stdout;
    expect(listed).toMatch(/Cdr Smith +Watch Officer +principal, duty-officer/);
    const badRole = await us.cli(['officer', 'roles', 'Cdr Smith', 'captain']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/ROLES must be one of admin, plenipotentiary, principal, duty-officer, observer/);
    await us.cli(['officer', 'roles', 'Cdr Smith', 'duty-officer']).then(check('officer roles back'));
    const bare = await us.cli(['ack', sent.id]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/registered officer/);

    await us.cli(['ack', sent.id, '--officer', 'Cdr Smith']).then(check('ack as officer'));
    const twice = await us.cli(['ack', sent.id, '--officer', 'Cdr Smith']);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/ACK_REPEATED|already acknowledged by Cdr Smith/);
    await us.cli(['ack', sent.id, '--officer', 'Cdr Smith', '--again']).then(check('ack again'));

    const acked = await waitFor('CN to see the acknowledgement', async () => (await cn.messages(id)).find((m) => m.id === sent.id && m.ackedBy));
    expect(acked.ackedBy?.officer).toMatchObject({ name: 'Cdr Smith', title: 'Watch Officer' });

    // A drill likewise: a free-text sender is refused, a registered officer sends it (`drill --officer`).
    const freeDrill = await us.cli(['drill', id, '--name', 'Cdr Smith']);
    expect(freeDrill.code).not.toBe(0);
    expect(freeDrill.stderr).toContain('OFFICER_REQUIRED');
    const drill = (await us.cli(['drill', id, '--officer', 'Cdr Smith']).then(check('drill as officer'))).stdout.trim();
    const atCn = await waitFor('CN to hold the drill', async () => (await cn.messages(id)).find((m) => m.id === drill));
    expect(atCn).toMatchObject({ precedence: 'FLASH', drill: true });
  }, 120_000);
});
