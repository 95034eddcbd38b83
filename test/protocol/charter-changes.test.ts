/**
 * What an amendment changes (protocol/charter-changes.ts): every difference between two charters,
 * parties first, and nothing when they say the same thing (whatever the order of keys or roles).
 */
import { describe, expect, it } from 'vitest';
import { charterChanges, type Charter } from '../../src/protocol/index.js';

const key = (c: string) => c.repeat(43);
const base: Charter = {
  title: { en: 'Maritime line', zh: '海上热线' },
  tier: 'military',
  parties: [
    { party: key('A'), code: 'US', roles: ['plenipotentiary', 'duty-officer'] },
    { party: key('B'), code: 'CN', roles: ['plenipotentiary', 'duty-officer'] },
  ],
  languages: ['en', 'zh'],
  linkTestIntervalSec: 60,
  ackDeadlineSec: { FLASH: 180, IMMEDIATE: 900, PRIORITY: 3600, ROUTINE: 86400 },
  dialogue: { endorse: ['plenipotentiary'], categories: ['maritime'] },
};

describe('charterChanges', () => {
  it('finds nothing between a charter and itself, or the same rules in another key or role order', () => {
    expect(charterChanges(base, base)).toEqual([]);
    const reordered: Charter = { ...base, dialogue: { categories: ['maritime'], endorse: ['plenipotentiary'] }, parties: base.parties.map((p) => ({ ...p, roles: [...p.roles].reverse() })) };
    expect(charterChanges(base, reordered)).toEqual([]);
  });

  it('names each difference: parties added, removed and re-roled, titles, languages, terms, formats, version', () => {
    const fmt = { id: 'launch-notice', version: 1, hash: 'f'.repeat(64) };
    const to: Charter = {
      ...base,
      title: { en: 'Maritime line', ru: 'Морская линия' },
      languages: ['en', 'ru'],
      parties: [{ ...base.parties[0]!, roles: ['duty-officer'] }, { party: key('C'), code: 'RU', roles: ['observer'] }],
      ackDeadlineSec: { ...base.ackDeadlineSec, FLASH: 120 },
      linkTestIntervalSec: 30,
      expires: Date.UTC(2027, 5, 30),
      formats: [fmt],
      protocol: 2,
    };
    expect(charterChanges(base, to)).toEqual([
      { kind: 'party-roles', party: key('A'), code: 'US', from: ['plenipotentiary', 'duty-officer'], to: ['duty-officer'] },
      { kind: 'party-added', party: key('C'), code: 'RU', roles: ['observer'] },
      { kind: 'party-removed', party: key('B'), code: 'CN' },
      { kind: 'language-added', lang: 'ru' },
      { kind: 'language-removed', lang: 'zh' },
      { kind: 'title', lang: 'zh', from: '海上热线', to: null },
      { kind: 'title', lang: 'ru', from: null, to: 'Морская линия' },
      { kind: 'ack-deadline', precedence: 'FLASH', from: 180, to: 120 },
      { kind: 'link-test-interval', from: 60, to: 30 },
      { kind: 'expires', from: null, to: Date.UTC(2027, 5, 30) },
      { kind: 'format-added', format: fmt },
      { kind: 'protocol', from: 1, to: 2 },
    ]);
    expect(charterChanges(to, base).map((c) => c.kind)).toContain('format-removed');
  });
});
