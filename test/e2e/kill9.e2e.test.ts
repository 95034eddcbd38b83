/**
 * Crash safety under load: US sends 10,000 messages while CN is SIGKILLed partway and restarted
 * on the same data directory. A receipt is a promise: every message CN signed a receipt for
 * before it died must be in CN's database, and in the end every message arrives exactly once.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { loadTerminalIdentity } from '../../src/terminal/identity/index.js';
import { Harness, waitFor } from './harness.js';

const TOTAL = 10_000;
const CONCURRENCY = 32;
const KILL_AFTER_RECEIPTED = 3_000;

describe('e2e: kill -9 of the receiving terminal', () => {
  it('loses no receipted message and delivers all 10,000 exactly once after a restart', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Load line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });

    // CN's cumulative receipts, as US hears of them: the highest seq of US's log CN holds.
    const usParty = (await us.status()).party;
    let receiptedSeq = 0;
    await us.events((e) => {
      if (e.type !== 'entry' || e.kind !== 'receipt' || e.own) return;
      for (const hold of (e.body as { holds: Array<{ author: string; seq: number }> }).holds)
        if (hold.author === usParty) receiptedSeq = Math.max(receiptedSeq, hold.seq);
    });

    // US sends TOTAL messages through its officer API, CONCURRENCY at a time.
    const sent: Array<{ id: string; seq: number }> = [];
    let next = 0;
    let sendError: unknown;
    const worker = async () => {
      while (next < TOTAL && !sendError) {
        const i = next++;
        try {
          sent.push(await us.api<{ id: string; seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text: `load message ${i}`, precedence: i % 100 === 0 ? 'IMMEDIATE' : 'ROUTINE' }));
        } catch (e) {
          sendError = e;
        }
      }
    };
    h.step('sending');
    const sending = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const receiptedAtUs = async () => new Set((await us.messages(id)).filter((m) => m.receiptedAt !== null).map((m) => m.id));

    // SIGKILL CN once US holds receipts for KILL_AFTER_RECEIPTED messages.
    await waitFor(`US to hold receipts for ${KILL_AFTER_RECEIPTED} messages`, () => {
      if (sendError) throw sendError;
      return sent.filter((m) => m.seq <= receiptedSeq).length >= KILL_AFTER_RECEIPTED;
    }, 60_000, 20);
    await cn.kill9();
    h.step(`killed CN with ${sent.length} sent, receipts up to seq ${receiptedSeq}`);
    // Receipts already on the wire may reach US just after the kill; CN signed all of them
    // before it died, so all of them count.
    const promised = await receiptedAtUs();
    h.step(`US holds receipts for ${promised.size} messages at the kill`);
    expect(promised.size).toBeGreaterThanOrEqual(KILL_AFTER_RECEIPTED);
    expect(sent.length).toBeLessThan(TOTAL); // the kill really came partway

    // Before CN restarts (and before any catch-up could paper over a loss): its database holds
    // every message it receipted.
    const cnDb = await openStore((await loadTerminalIdentity(cn.dir)).database);
    const onDisk = new Set((await cnDb.listMessages(id)).map((m) => m.hash));
    await cnDb.close();
    const lost = [...promised].filter((m) => !onDisk.has(m));
    expect(lost, 'receipted by CN but not in its database after kill -9').toEqual([]);

    await cn.start();
    h.step('CN restarted');
    const afterRestart = new Set((await cn.messages(id)).map((m) => m.id));
    expect([...promised].filter((m) => !afterRestart.has(m))).toEqual([]);

    await sending;
    if (sendError) throw sendError;
    h.step('all sent');
    expect(sent).toHaveLength(TOTAL);
    const lastSeq = Math.max(...sent.map((m) => m.seq));

    await waitFor(`CN to hold all ${TOTAL} messages and US to hold receipts for all`, async () =>
      receiptedSeq >= lastSeq && (await cn.channel(id)).messages.total >= TOTAL, 60_000, 1000);
    h.step('caught up');
    const atCn = await cn.messages(id);
    expect(atCn).toHaveLength(TOTAL);
    const ids = atCn.map((m) => m.id);
    expect(new Set(ids).size).toBe(TOTAL);
    expect(new Set(ids)).toEqual(new Set(sent.map((m) => m.id)));
    expect(atCn.every((m) => m.from === 'US')).toBe(true);
    expect(new Set(atCn.map((m) => m.text)).size).toBe(TOTAL);
    await waitFor('US to show every message receipted', async () => (await receiptedAtUs()).size === TOTAL, 10_000, 500);
    expect(await us.messages(id)).toHaveLength(TOTAL);
    expect(await cn.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    h.step('done');
  }, 240_000);
});
