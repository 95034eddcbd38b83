/** Field values the formats tests share: a launch notification with a circle and a square. */

/** A closed square polygon (five points, first = last). */
export const SQUARE = [
  { lat: 30, lon: 130 },
  { lat: 30, lon: 131 },
  { lat: 31, lon: 131 },
  { lat: 31, lon: 130 },
  { lat: 30, lon: 130 },
];

/** Valid fields of the shipped launch notification. */
export const LAUNCH_FIELDS = {
  launch_type: 'ballistic-missile',
  window_start: '2026-12-03T12:00:00Z',
  window_end: '2026-12-03T14:00:00Z',
  launch_area: { circle: { centre: { lat: 40.1, lon: 124.5 }, radius: 20, unit: 'km' } },
  impact_area: [{ polygon: SQUARE }],
};
