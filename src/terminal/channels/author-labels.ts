/**
 * The protocol's messages name an entry's author by the first 8 characters of its party key
 * ("Entry TE4Ae87s#7 ..."): exact, but an officer reading an alarm knows parties by their codes.
 * This rewrites each such reference to a known party as its code ("Entry RU#7 ..."); a prefix of
 * no known party, or of two, is left as it is.
 */
export function withPartyCodes(message: string, parties: readonly string[], label: (party: string) => string): string {
  return message.replace(/(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{8})#(\d+)/g, (whole, prefix: string, seq: string) => {
    const matching = parties.filter((p) => p.startsWith(prefix));
    return matching.length === 1 ? `${label(matching[0]!)}#${seq}` : whole;
  });
}
