/**
 * What an amendment changes (docs/protocol.md §5.3): a `charter.amend` carries a whole new charter,
 * and a party asked to countersign it must see how it differs from the charter in force, not a
 * hash. Pure: the officer API shows it with a pending amendment, the CLI prints it before
 * `channel accept`, the console lists it in the charter panel.
 */
import { canonicalize } from './encoding.js';
import type { Charter, FormatRef } from './schemas.js';

type Precedence = keyof Charter['ackDeadlineSec'];

/** One difference between two charters, in the order a reader would want them: parties first. */
export type CharterChange =
  | { readonly kind: 'party-added'; readonly party: string; readonly code: string; readonly roles: string[] }
  | { readonly kind: 'party-removed'; readonly party: string; readonly code: string }
  | { readonly kind: 'party-roles'; readonly party: string; readonly code: string; readonly from: string[]; readonly to: string[] }
  | { readonly kind: 'title'; readonly lang: string; readonly from: string | null; readonly to: string | null }
  | { readonly kind: 'language-added' | 'language-removed'; readonly lang: string }
  | { readonly kind: 'tier'; readonly from: string; readonly to: string }
  | { readonly kind: 'ack-deadline'; readonly precedence: Precedence; readonly from: number; readonly to: number }
  | { readonly kind: 'link-test-interval'; readonly from: number; readonly to: number }
  | { readonly kind: 'expires'; readonly from: number | null; readonly to: number | null }
  | { readonly kind: 'note'; readonly from: string | null; readonly to: string | null }
  | { readonly kind: 'dialogue'; readonly from: Charter['dialogue'] | null; readonly to: Charter['dialogue'] | null }
  | { readonly kind: 'format-added' | 'format-removed'; readonly format: FormatRef }
  | { readonly kind: 'protocol'; readonly from: number; readonly to: number };

const PRECEDENCES: readonly Precedence[] = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'];

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Two JSON values of the charter say the same thing (key order aside): their canonical forms (§2) match. */
const sameJson = (a: unknown, b: unknown): boolean => canonicalize(a) === canonicalize(b);

/** Every difference of `to` from `from`; empty when they say the same thing. */
export function charterChanges(from: Charter, to: Charter): CharterChange[] {
  const out: CharterChange[] = [];
  const before = new Map(from.parties.map((p) => [p.party, p]));
  const after = new Map(to.parties.map((p) => [p.party, p]));
  for (const p of to.parties) {
    const was = before.get(p.party);
    if (!was) out.push({ kind: 'party-added', party: p.party, code: p.code, roles: p.roles });
    else if (!sameList([...was.roles].sort(), [...p.roles].sort())) out.push({ kind: 'party-roles', party: p.party, code: p.code, from: was.roles, to: p.roles });
  }
  for (const p of from.parties) if (!after.has(p.party)) out.push({ kind: 'party-removed', party: p.party, code: p.code });
  if (from.tier !== to.tier) out.push({ kind: 'tier', from: from.tier, to: to.tier });
  for (const lang of to.languages) if (!from.languages.includes(lang)) out.push({ kind: 'language-added', lang });
  for (const lang of from.languages) if (!to.languages.includes(lang)) out.push({ kind: 'language-removed', lang });
  const langs = [...new Set([...Object.keys(from.title), ...Object.keys(to.title)])];
  for (const lang of langs) {
    const [a, b] = [from.title[lang] ?? null, to.title[lang] ?? null];
    if (a !== b) out.push({ kind: 'title', lang, from: a, to: b });
  }
  for (const p of PRECEDENCES) {
    if (from.ackDeadlineSec[p] !== to.ackDeadlineSec[p]) out.push({ kind: 'ack-deadline', precedence: p, from: from.ackDeadlineSec[p], to: to.ackDeadlineSec[p] });
  }
  if (from.linkTestIntervalSec !== to.linkTestIntervalSec) out.push({ kind: 'link-test-interval', from: from.linkTestIntervalSec, to: to.linkTestIntervalSec });
  if ((from.expires ?? null) !== (to.expires ?? null)) out.push({ kind: 'expires', from: from.expires ?? null, to: to.expires ?? null });
  if ((from.note ?? null) !== (to.note ?? null)) out.push({ kind: 'note', from: from.note ?? null, to: to.note ?? null });
  if (!sameJson(from.dialogue ?? null, to.dialogue ?? null)) out.push({ kind: 'dialogue', from: from.dialogue ?? null, to: to.dialogue ?? null });
  const refKey = (f: FormatRef) => f.hash;
  const hadFormats = new Set((from.formats ?? []).map(refKey));
  const hasFormats = new Set((to.formats ?? []).map(refKey));
  for (const f of to.formats ?? []) if (!hadFormats.has(refKey(f))) out.push({ kind: 'format-added', format: f });
  for (const f of from.formats ?? []) if (!hasFormats.has(refKey(f))) out.push({ kind: 'format-removed', format: f });
  if ((from.protocol ?? 1) !== (to.protocol ?? 1)) out.push({ kind: 'protocol', from: from.protocol ?? 1, to: to.protocol ?? 1 });
  return out;
}
