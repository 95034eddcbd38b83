/**
 * A third party's terminal beside a back-to-back pair (US and CN): RU, with its own SQLite store in
 * a temporary folder, paired with both sides and they with it, in no channel yet. For the tests of
 * parties joining and leaving a channel by amendment (docs/protocol.md §5.3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../../src/protocol/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { makeParty } from '../../../src/testkit/scenario.js';
import type { BackToBack } from '../back-to-back.js';
import { TestWing } from '../test-wing.js';

export const ru = makeParty('RU', { en: 'Russia' });

export interface ThirdParty {
  readonly wing: TestWing;
  readonly store: Store;
  /** Closes the store and removes its folder. */
  close(): Promise<void>;
}

export async function thirdParty(p: BackToBack): Promise<ThirdParty> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-third-party-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'ru.db') });
  const wing = new TestWing({ store, self: { party: ru.id, code: ru.code, signer: ru.terminal, card: ru.card }, clock: p.clock });
  await wing.load();
  for (const side of [p.a, p.b]) {
    await wing.addPeer(side.self.card, fingerprint(side.self.party));
    await side.addPeer(ru.card, fingerprint(ru.id));
  }
  return {
    wing,
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
