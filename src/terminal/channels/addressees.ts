/**
 * Whom a message awaits an acknowledgement from, in a channel whose parties changed: the other
 * parties of the charter in force that it was addressed to when written (a party added since gets
 * it as history, a party removed since can no longer answer). docs/operations.md "Acknowledgements".
 */
import type { ChannelLog } from '../../protocol/index.js';

/**
 * The parties (ids) other than its author that the message at (`author`, `seq`) awaits: of the
 * charter in force with everything held (`now` only judges a proposal's expiry, §5.2).
 */
export function owedBy(log: Pick<ChannelLog, 'state' | 'addressedToAt'>, m: { readonly author: string; readonly seq: number }, now: number): string[] {
  // A message beyond what memory holds (addressedToAt undefined) counts as addressed to every party.
  return log
    .state(now)
    .charter.parties.map((p) => p.party)
    .filter((p) => p !== m.author && log.addressedToAt(m.author, m.seq, p) !== false);
}
