/** A UTC date-time field of a form ("2026-12-03T14:00", as <input type="datetime-local"> gives it, read as UTC) in ms; undefined when empty. */
export function utcField(value: string): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(t) ? undefined : t;
}
