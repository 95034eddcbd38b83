/**
 * A party added after another was removed (docs/protocol.md §12, "Channels of more than two
 * parties: relaying", "Who is sent what"): US, CN and RU hold a channel; RU is removed by consent;
 * later US proposes adding JP. The entries JP receives from US and CN name RU's entries in their
 * heads (RU's receipts, its acceptance of its removal), which RU no longer sends to JP (JP is not,
 * and never was, a party while RU was one), though RU's stream to JP is open (they are paired for
 * other channels). JP's officers must see the amendment naming them within seconds, not after a
 * long timer: the parties who hold RU's entries relay them when asked.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Harness, check, ensureBuilt, waitFor, type Party } from './harness.js';

let h: Harness;
beforeAll(async () => {
  await ensureBuilt();
});
afterEach(async () => {
  await h?.cleanup();
});

interface Detail {
  state: string;
  parties: Array<{ code: string; accepted: boolean }>;
  pendingAmendment?: { hash: string; proposer: string; awaiting: string[]; changes: Array<{ kind: string; code?: string }> };
}

const detail = (p: Party, id: string) => p.api<Detail>('GET', `/api/v1/channels/${id}`);
const isParty = async (p: Party, id: string, code: string) => (await detail(p, id)).parties.some((x) => x.code === code);

/** US, CN, RU and JP, each paired with the other three; a channel of US, CN and RU from which RU was then removed. */
async function afterRemoval() {
  h = await Harness.create();
  const [us, cn, ru, jp] = [await h.party('US', 'United States'), await h.party('CN', 'China'), await h.party('RU', 'Russia'), await h.party('JP', 'Japan')];
  await Promise.all([h.pair(us, cn), h.pair(us, ru), h.pair(us, jp)]);
  await Promise.all([h.pair(cn, ru), h.pair(cn, jp), h.pair(ru, jp)]);
  const { id } = await us.api<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Strait line' }, tier: 'working', parties: ['CN', 'RU'] });
  for (const p of [cn, ru]) {
    await waitFor(`${p.code} to receive the proposal`, async () => (await p.channel(id).catch(() => undefined))?.state === 'proposed');
    await p.api('POST', `/api/v1/channels/${id}/accept`, {});
  }
  await waitFor('the channel to be active everywhere', async () => (await Promise.all([us, cn, ru].map((p) => p.channel(id)))).every((c) => c.state === 'active'), 30_000);
  // RU writes and receipts, so that what US and CN write later names RU's entries in its heads.
  const fromRu = await ru.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'RU on the line', precedence: 'ROUTINE' });
  await waitFor('US and CN to hold RU\'s message', async () => (await Promise.all([us, cn].map(async (p) => (await p.messages(id)).some((m) => m.id === fromRu.id)))).every(Boolean), 30_000);
  await us.api('POST', `/api/v1/channels/${id}/messages`, { text: 'US before the removal', precedence: 'ROUTINE' });

  await cn.api('POST', `/api/v1/channels/${id}/amend`, { removeParties: ['RU'], reason: 'Exercise over' });
  for (const p of [us, ru]) {
    await waitFor(`${p.code} to hold the removal`, async () => (await detail(p, id)).pendingAmendment, 30_000);
    await p.api('POST', `/api/v1/channels/${id}/accept`, {});
  }
  for (const p of [us, cn]) await waitFor(`${p.code} to see RU removed`, async () => !(await isParty(p, id, 'RU')) && (await detail(p, id)).pendingAmendment === undefined, 30_000);
  await waitFor('RU to see that it left', async () => (await ru.api<{ left?: unknown }>('GET', `/api/v1/channels/${id}`)).left, 30_000);
  return { us, cn, ru, jp, id };
}

/** US proposes adding JP; resolves with how long JP's officers waited to be asked to accept it, ms. */
async function addJp(us: Party, jp: Party, id: string): Promise<number> {
  const written = Date.now();
  await us.cli(['channel', 'amend', id, '--add-party', 'JP', '--reason', 'Fourth navy in the strait']).then(check('channel amend'));
  // What JP's watch sees: the channel listed with the amendment to accept. A few seconds, not minutes.
  await waitFor('JP to list the amendment naming it', async () => /amendment by US awaiting (CN, JP|JP, CN): accept or decline/.test((await jp.cli(['channel', 'list'])).stdout), 20_000, 250);
  return Date.now() - written;
}

it('shows a party added after another was removed the amendment within seconds, and lets it join', async () => {
  const { us, cn, ru, jp, id } = await afterRemoval();
  const waited = await addJp(us, jp, id);
  h.step(`JP listed the amendment ${waited} ms after US wrote it`);
  const atJp = await detail(jp, id);
  expect(atJp.pendingAmendment?.changes[0]).toMatchObject({ kind: 'party-added', code: 'JP' });

  await cn.api('POST', `/api/v1/channels/${id}/accept`, {});
  const accepted = await jp.cli(['channel', 'accept', id, '--yes']).then(check('JP accepts'));
  expect(accepted.stdout).toMatch(/^Accepted amendment/);
  for (const p of [us, cn, jp]) await waitFor(`${p.code} to see JP a party`, async () => (await isParty(p, id, 'JP')) && (await detail(p, id)).pendingAmendment === undefined, 20_000);

  const flash = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Unidentified submarine contact', precedence: 'FLASH' });
  await waitFor('US to see the FLASH received by CN and JP', async () => (await us.messages(id)).find((m) => m.id === flash.id)?.receiptedAt != null, 20_000);
  // RU holds the record of its time only.
  expect((await ru.messages(id)).some((m) => m.id === flash.id)).toBe(false);
}, 120_000);

it('wedges nothing when the removed party restarts after the party added joined', async () => {
  const { us, cn, ru, jp, id } = await afterRemoval();
  await addJp(us, jp, id);
  await cn.api('POST', `/api/v1/channels/${id}/accept`, {});
  await jp.api('POST', `/api/v1/channels/${id}/accept`, {});
  for (const p of [us, cn, jp]) await waitFor(`${p.code} to see JP a party`, async () => (await isParty(p, id, 'JP')) && (await detail(p, id)).pendingAmendment === undefined, 20_000);

  await ru.stop();
  const whileDown = await jp.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'JP while RU is down', precedence: 'IMMEDIATE' });
  await ru.start();
  const after = await cn.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'CN after RU is back', precedence: 'FLASH' });
  for (const p of [us, jp]) await waitFor(`${p.code} to hold CN's FLASH`, async () => (await p.messages(id)).some((m) => m.id === after.id), 20_000);
  await waitFor('CN to see the FLASH received by US and JP', async () => (await cn.messages(id)).find((m) => m.id === after.id)?.receiptedAt != null, 20_000);
  await waitFor('JP to see its message received by US and CN', async () => (await jp.messages(id)).find((m) => m.id === whileDown.id)?.receiptedAt != null, 20_000);
  // RU, back, is still out and is sent nothing written since; its link to JP is up.
  expect((await ru.api<{ left?: unknown }>('GET', `/api/v1/channels/${id}`)).left).toBeTruthy();
  expect((await ru.messages(id)).some((m) => m.id === after.id || m.id === whileDown.id)).toBe(false);
  await jp.linkUp(ru);
}, 120_000);
