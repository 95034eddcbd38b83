/**
 * A bilateral channel becomes trilateral, and back, by amendment (docs/protocol.md §5.3): US and CN
 * hold a channel; US proposes adding RU. The channel reaches RU's terminal with the amendment
 * naming it; CN and RU accept, each seeing what it changes; once all have, RU is a party and a
 * FLASH of US is receipted by both. Then CN proposes removing RU; it needs RU's consent too.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Harness, check, ensureBuilt, waitFor } from './harness.js';

let h: Harness;
beforeAll(async () => {
  await ensureBuilt();
});
afterEach(async () => {
  await h?.cleanup();
});

interface Detail {
  state: string;
  charterHash: string;
  parties: Array<{ code: string; accepted: boolean }>;
  pendingAmendment?: { hash: string; proposer: string; accepted: string[]; awaiting: string[]; reason: string; changes: Array<{ kind: string; code?: string; precedence?: string; from?: unknown; to?: unknown }> };
}

/** US, CN and RU, each paired with the other two. */
async function threeParties() {
  h = await Harness.create();
  const [us, cn, ru] = [await h.party('US', 'United States'), await h.party('CN', 'China'), await h.party('RU', 'Russia')];
  await Promise.all([h.pair(us, cn), h.pair(us, ru), h.pair(cn, ru)]);
  return { us, cn, ru };
}

it('adds a third party to a running channel by amendment, and removes it again by consent', async () => {
  const { us, cn, ru } = await threeParties();
  const id = await h.openChannel(us, cn, { title: { en: 'Maritime line' }, tier: 'military', parties: ['CN'] });
  const before = await us.api<{ id: string; seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Before the amendment', precedence: 'ROUTINE' });

  // Refused with a clear answer, nothing written: a party already there, one never paired, our own removal.
  const already = await us.apiRaw('POST', `/api/v1/channels/${id}/amend`, { addParties: ['CN'], reason: 'x' });
  expect(already.status).toBe(400);
  expect(already.text).toMatch(/CN is already a party/);
  const self = await us.apiRaw('POST', `/api/v1/channels/${id}/amend`, { removeParties: ['US'], reason: 'x' });
  expect(self.text).toMatch(/cannot remove its own party/);
  const unknown = await us.apiRaw('POST', `/api/v1/channels/${id}/amend`, { addParties: ['FR'], reason: 'x' });
  expect(unknown.status).toBe(400);
  expect(unknown.text).toMatch(/PARTY_UNKNOWN/);
  expect((await us.api<Detail>('GET', `/api/v1/channels/${id}`)).pendingAmendment).toBeUndefined();

  // US proposes adding RU, with a shorter FLASH deadline, from the CLI.
  const amend = await us.cli(['channel', 'amend', id, '--add-party', 'RU', '--ack-deadline', 'FLASH=120', '--reason', 'Third navy in the strait']).then(check('channel amend'));
  expect(amend.stderr).toMatch(/adds party RU/);
  expect(amend.stderr).toMatch(/FLASH acknowledgement deadline: 180 s -> 120 s/);

  // CN sees what it changes, and who must still answer.
  const atCn = await waitFor('CN to hold the amendment', async () => (await cn.api<Detail>('GET', `/api/v1/channels/${id}`)).pendingAmendment);
  // `channel amend` prints the amendment's name everywhere else: the hash of its charter.
  expect(amend.stdout.trim()).toBe(atCn.hash);
  expect(atCn.changes.map((c) => c.kind)).toEqual(['party-added', 'ack-deadline']);
  expect(atCn.changes[0]!.code).toBe('RU');
  expect(atCn.reason).toBe('Third navy in the strait');
  expect(atCn.awaiting.sort()).toEqual(['CN', 'RU']);
  const shown = (await cn.cli(['channel', 'show', id]).then(check('channel show'))).stdout;
  expect(shown).toMatch(/adds party RU/);

  // RU's terminal receives the channel: not yet a party, asked to accept.
  const atRu = await waitFor('RU to hold the channel and the amendment naming it', async () => (await ru.api<Detail>('GET', `/api/v1/channels/${id}`).catch(() => undefined))?.pendingAmendment);
  expect(atRu.changes[0]).toMatchObject({ kind: 'party-added', code: 'RU' });
  const listed = (await ru.cli(['channel', 'list']).then(check('channel list'))).stdout;
  expect(listed).toMatch(/amendment by US awaiting (CN, RU|RU, CN): accept or decline/);

  const byCn = await cn.cli(['channel', 'accept', id, '--yes']).then(check('CN accepts'));
  expect(byCn.stdout).toMatch(new RegExp(`^Accepted amendment [0-9a-f]{12} of channel ${id.slice(0, 12)}: awaiting RU\\.`));
  const accepted = await ru.cli(['channel', 'accept', id, '--yes']).then(check('RU accepts'));
  // In force at once if RU already holds CN's acceptance, else still awaiting CN there.
  expect(accepted.stdout).toMatch(/: (in force; channel [0-9a-f]{12} is active|awaiting CN)\./);
  expect(accepted.stderr).toMatch(/adds party RU/);

  for (const p of [us, cn, ru]) {
    const d = await waitFor(`${p.code} to see RU a party`, async () => {
      const d = await p.api<Detail>('GET', `/api/v1/channels/${id}`);
      return d.pendingAmendment === undefined && d.parties.some((x) => x.code === 'RU') ? d : undefined;
    }, 30_000);
    // Every party of the charter now in force accepted it (the amendment's adoption), RU too.
    expect(d.parties.map((x) => [x.code, x.accepted])).toEqual([['US', true], ['CN', true], ['RU', true]]);
  }
  expect((await us.cli(['channel', 'show', id])).stdout).not.toMatch(/not yet accepted/);
  // RU holds the channel's past too (the message before it joined), and a FLASH reaches both.
  await waitFor('RU to hold the message sent before it joined', async () => (await ru.messages(id)).some((m) => m.id === before.id));
  const flash = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Unidentified submarine contact', precedence: 'FLASH' });
  const atRuFlash = await waitFor('RU to hold the FLASH', async () => (await ru.messages(id)).find((m) => m.id === flash.id));
  // The amended FLASH deadline (120 s, not the 180 s of the proposal) is the one RU's watch sees.
  const m = atRuFlash as unknown as { deadlineAt: number | null; time: number };
  // (counted from when RU received it, a few milliseconds after it was sent)
  expect(m.deadlineAt! - m.time).toBeGreaterThanOrEqual(120_000);
  expect(m.deadlineAt! - m.time).toBeLessThan(150_000);
  await waitFor('US to see the FLASH received by CN and RU', async () => (await us.messages(id)).find((m) => m.id === flash.id)?.receiptedAt != null, 30_000);

  // CN proposes removing RU: it needs RU's consent as well; once given, RU's entries are refused.
  await cn.api('POST', `/api/v1/channels/${id}/amend`, { removeParties: ['RU'], reason: 'Exercise over' });
  const removal = await waitFor('RU to hold the removal', async () => (await ru.api<Detail>('GET', `/api/v1/channels/${id}`)).pendingAmendment);
  expect(removal.changes).toEqual([expect.objectContaining({ kind: 'party-removed', code: 'RU' })]);
  await us.api('POST', `/api/v1/channels/${id}/accept`, {});
  await ru.api('POST', `/api/v1/channels/${id}/accept`, {});
  await waitFor('US to see RU removed', async () => {
    const d = await us.api<Detail>('GET', `/api/v1/channels/${id}`);
    return d.pendingAmendment === undefined && !d.parties.some((x) => x.code === 'RU');
  }, 30_000);
  // RU keeps the record, read-only, and says so; its officers get CHANNEL_LEFT, nothing is signed.
  const atRuAfter = await waitFor('RU to see that it left', async () => (await ru.api<Detail & { left?: { by: string; reason: string } }>('GET', `/api/v1/channels/${id}`)).left);
  expect(atRuAfter).toMatchObject({ by: 'CN', reason: 'Exercise over' });
  const late = await ru.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'Still here?', precedence: 'ROUTINE' });
  expect([late.status, (late.body as { code?: string }).code]).toEqual([409, 'CHANNEL_LEFT']);
  expect((await ru.cli(['channel', 'list']).then(check('channel list'))).stdout).toMatch(/LEFT: removed by CN's amendment of/);
  expect((await ru.cli(['channel', 'show', id]).then(check('channel show'))).stdout).toMatch(/LEFT: this party is no longer in the channel: .*proposed by CN \("Exercise over"\)/);
  expect((await ru.messages(id)).some((m) => m.id === flash.id)).toBe(true);

  // Nothing written after the removal reaches RU (docs/protocol.md §12, "Who is sent what"): US
  // sends on the channel, then on a channel it shares with RU; the second goes over the same link
  // after the first, so once RU holds it, RU would hold the first too had it been sent.
  const side = await h.openChannel(us, ru, { title: { en: 'US-RU line' }, tier: 'working', parties: ['RU'] });
  const lateForCn = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'US to CN only now', precedence: 'ROUTINE' });
  const barrier = await us.api<{ id: string }>('POST', `/api/v1/channels/${side}/messages`, { text: 'US to RU on our own line', precedence: 'ROUTINE' });
  await waitFor('RU to hold the message on the US-RU line', async () => ((await ru.messages(side)).some((m) => m.id === barrier.id) ? true : undefined), 30_000);
  await waitFor('CN to hold the message after the removal', async () => ((await cn.messages(id)).some((m) => m.id === lateForCn.id) ? true : undefined), 30_000);
  expect((await ru.messages(id)).some((m) => m.id === lateForCn.id)).toBe(false);
});

it('brings a long channel to the party added (its amendment far past the first batch of 1,024 entries)', async () => {
  const { us, cn, ru } = await threeParties();
  const id = await h.openChannel(us, cn, { title: { en: 'Long line' }, tier: 'working', parties: ['CN'] });
  for (let i = 0; i < 25; i++) await us.api('POST', `/api/v1/channels/${id}/messages/batch`, { messages: Array.from({ length: 100 }, (_, j) => ({ text: `report ${i * 100 + j}` })) });
  await us.api('POST', `/api/v1/channels/${id}/amend`, { addParties: ['RU'], reason: 'Join us' });
  await waitFor('RU to hold the channel with the amendment', async () => (await ru.api<Detail>('GET', `/api/v1/channels/${id}`).catch(() => undefined))?.pendingAmendment, 60_000);
  await cn.api('POST', `/api/v1/channels/${id}/accept`, {});
  await ru.api('POST', `/api/v1/channels/${id}/accept`, {});
  await waitFor('RU to hold all 2,500 messages', async () => (await ru.channel(id)).messages.total === 2500, 60_000);
  await waitFor('US to see RU a party', async () => (await us.api<Detail>('GET', `/api/v1/channels/${id}`)).parties.some((p) => p.code === 'RU'), 30_000);
});

it('tells a removed party it is out when it comes back after its removal was adopted, and nothing written since', async () => {
  const { us, cn, ru } = await threeParties();
  const id = await h.openChannel(us, cn, { title: { en: 'Strait line' }, tier: 'working', parties: ['CN'] });
  await us.api('POST', `/api/v1/channels/${id}/amend`, { addParties: ['RU'], reason: 'Exercise' });
  await waitFor('RU to hold the amendment', async () => (await ru.api<Detail>('GET', `/api/v1/channels/${id}`).catch(() => undefined))?.pendingAmendment, 30_000);
  await cn.api('POST', `/api/v1/channels/${id}/accept`, {});
  await ru.api('POST', `/api/v1/channels/${id}/accept`, {});
  await waitFor('US to see RU a party', async () => ((await us.api<Detail>('GET', `/api/v1/channels/${id}`)).parties.some((p) => p.code === 'RU') ? true : undefined), 30_000);

  // CN proposes RU's removal; CN and RU accept, RU goes down, then US's acceptance adopts it.
  await cn.api('POST', `/api/v1/channels/${id}/amend`, { removeParties: ['RU'], reason: 'Exercise over', note: 'After the exercise' });
  await waitFor('RU to hold the removal', async () => (await ru.api<Detail>('GET', `/api/v1/channels/${id}`)).pendingAmendment, 30_000);
  await ru.api('POST', `/api/v1/channels/${id}/accept`, {});
  await waitFor('US to hold RU\'s acceptance', async () => ((await us.api<Detail>('GET', `/api/v1/channels/${id}`)).pendingAmendment?.accepted.includes('RU') ? true : undefined), 30_000);
  await ru.stop();
  await us.api('POST', `/api/v1/channels/${id}/accept`, {});
  await waitFor('CN to see RU removed', async () => ((await cn.api<Detail>('GET', `/api/v1/channels/${id}`)).parties.some((p) => p.code === 'RU') ? undefined : true), 30_000);
  const late = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'US to CN after the removal', precedence: 'ROUTINE' });

  // Back, RU learns from US's acceptance that it is out (the last of US's entries it is sent).
  await ru.start();
  const left = await waitFor('RU to see that it left', async () => (await ru.api<Detail & { left?: { by: string; outcome: string } }>('GET', `/api/v1/channels/${id}`)).left, 30_000);
  expect(left).toMatchObject({ by: 'CN', outcome: 'removed' });
  const side = await h.openChannel(us, ru, { title: { en: 'US-RU line' }, tier: 'working', parties: ['RU'] });
  const barrier = await us.api<{ id: string }>('POST', `/api/v1/channels/${side}/messages`, { text: 'US to RU on our own line', precedence: 'ROUTINE' });
  await waitFor('RU to hold the message on the US-RU line', async () => ((await ru.messages(side)).some((m) => m.id === barrier.id) ? true : undefined), 30_000);
  expect((await ru.messages(id)).some((m) => m.id === late.id)).toBe(false);
});
