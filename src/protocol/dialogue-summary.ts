/**
 * The dialogue part of the verification report (docs/protocol.md §6.1, §8.3): issues with each
 * party's latest position time, meetings with their readouts, joint texts with the adopted
 * version's hash, commitments by status (overdue ones marked). Derived from signed data only.
 */
import { deriveDialogue, type DialogueEntry } from './dialogue.js';

export interface DialogueSummary {
  readonly issues: ReadonlyArray<{
    readonly entry: string;
    readonly title: Readonly<Record<string, string>>;
    readonly category: string;
    readonly positions: ReadonlyArray<{ readonly party: string; readonly at: number; readonly entry: string; readonly revisions: number }>;
  }>;
  readonly meetings: ReadonlyArray<{
    readonly entry: string;
    readonly title: Readonly<Record<string, string>>;
    readonly kind: string;
    readonly level: string;
    readonly start: number;
    readonly end: number;
    readonly place: string;
    readonly status: string;
    readonly readouts: ReadonlyArray<{ readonly party: string; readonly at: number; readonly entry: string; readonly release: boolean }>;
  }>;
  readonly texts: ReadonlyArray<{
    readonly entry: string;
    readonly title: Readonly<Record<string, string>>;
    readonly type: string;
    readonly versions: number;
    readonly adopted: { readonly n: number; readonly entry: string; readonly endorsedBy: readonly string[] } | null;
  }>;
  readonly commitments: ReadonlyArray<{
    readonly entry: string;
    readonly owner: string;
    readonly what: string;
    readonly due: number;
    readonly status: string;
    readonly verdict: string | null;
    readonly overdue: boolean;
  }>;
}

/** Summarises the dialogue entries for the report; parties are named by `label` (their code). */
export function summarizeDialogue(entries: Iterable<DialogueEntry>, parties: readonly string[], at: number, label: (party: string) => string): DialogueSummary {
  const d = deriveDialogue(entries, parties, at);
  return {
    issues: d.issues.map((i) => ({
      entry: i.hash,
      title: i.title,
      category: i.category,
      positions: i.current.map((p) => ({ party: label(p.party), at: p.time, entry: p.hash, revisions: i.positions.filter((x) => x.party === p.party).length })),
    })),
    meetings: d.meetings.map((m) => ({
      entry: m.hash,
      title: m.title,
      kind: m.kind,
      level: m.level,
      start: m.schedule.start,
      end: m.schedule.end,
      place: m.schedule.place,
      status: m.status,
      readouts: m.currentReadouts.map((r) => ({ party: label(r.party), at: r.time, entry: r.hash, release: r.release })),
    })),
    texts: d.texts.map((t) => ({
      entry: t.hash,
      title: t.title,
      type: t.type,
      versions: t.versions.length,
      adopted: t.adopted ? { n: t.adopted.n, entry: t.adopted.hash, endorsedBy: t.adopted.endorsedBy.map(label) } : null,
    })),
    commitments: d.commitments.map((c) => ({
      entry: c.hash,
      owner: label(c.owner),
      what: c.what,
      due: c.due,
      status: c.status,
      verdict: c.verdict ?? null,
      overdue: c.overdue,
    })),
  };
}
