/**
 * Whether a bundle brought by hand (`hotline import`, POST /api/v1/import) is of a channel this
 * terminal is a party of, judged on the bundle as a whole: its proposal and every amendment it
 * carries (an amendment may add a party). The CLI sends a large bundle in parts; a part alone
 * may hold the proposal and not the later amendment that names this party, so the CLI judges the
 * whole file before sending anything and the route judges only a request that is a whole bundle.
 */
import type { Charter } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';

/** The charters of a bundle's entry lines, gathered line by line. */
export class BundleCharters {
  readonly #charters: Array<Partial<Charter>> = [];
  #proposed = false;

  /** Takes one line of the bundle (only a proposal or an amendment is read). */
  add(line: string): void {
    if (!line.includes('"kind":"charter.propose"') && !line.includes('"kind":"charter.amend"')) return;
    let e: { kind?: string; body?: { charter?: Partial<Charter> } } | undefined;
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return;
    }
    if (e?.kind !== 'charter.propose' && e?.kind !== 'charter.amend') return;
    this.#proposed ||= e.kind === 'charter.propose';
    if (e.body?.charter) this.#charters.push(e.body.charter);
  }

  /**
   * IMPORT_NOT_A_PARTY when the lines held the channel's proposal and neither it nor any amendment
   * names `self`'s party (so every entry would be rejected one by one); undefined otherwise.
   */
  refusal(self: { readonly party: string; readonly code: string }, channel: unknown): TerminalError | undefined {
    if (!this.#proposed || this.#charters.some((c) => Array.isArray(c.parties) && c.parties.some((p) => p.party === self.party))) return undefined;
    const title = this.#charters[0]?.title ? Object.values(this.#charters[0].title)[0] : undefined;
    const id = typeof channel === 'string' ? channel.slice(0, 12) : 'of this bundle';
    return new TerminalError('IMPORT_NOT_A_PARTY', { code: self.code, channel: title ? `${id} "${title}"` : id });
  }
}
