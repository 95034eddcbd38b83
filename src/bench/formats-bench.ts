/**
 * Formats benchmark (#17): checking and rendering formatted messages, as the terminal does for
 * every formatted message it receives (checkFields) and for every officer's list in a language
 * (renderMessage with DMS, MGRS and DTG). Reports the rate of each, and the time to render a
 * console's page of 1,000 formatted messages (of mixed formats) in each shipped language.
 * A measurement, not a pass/fail test.
 */
import { checkFields, SHIPPED_LANGUAGES, renderMessage, shippedFormats, type FormatDefinition } from '../protocol/index.js';
import { measureRate, round, timed, type BenchContext, type BenchModule } from './bench.js';

const square = [
  { lat: 30, lon: 130 },
  { lat: 30, lon: 131 },
  { lat: 31, lon: 131 },
  { lat: 31, lon: 130 },
  { lat: 30, lon: 130 },
];

/** One valid field set per benchmarked format. */
const SAMPLES: Readonly<Record<string, Record<string, unknown>>> = {
  'launch-notification': {
    launch_type: 'ballistic-missile',
    window_start: '2026-12-03T12:00:00Z',
    window_end: '2026-12-03T14:00:00Z',
    launch_area: { circle: { centre: { lat: 40.1, lon: 124.5 }, radius: 20, unit: 'km' } },
    impact_area: [{ polygon: square }],
  },
  'unplanned-encounter': {
    time: '2026-12-03T09:41:00Z',
    own_unit: { kind: 'vessel', name: 'Example', id: 'DDG-000' },
    own_position: { lat: 15.1534, lon: 117.7621 },
    other_unit: { kind: 'aircraft', name: 'Patrol aircraft' },
    other_position: { lat: 15.1602, lon: 117.7811 },
    closest_approach: 150,
    actions_taken: { lang: 'en', text: 'Altered course to starboard.' },
    request: 'intentions',
  },
  'standard-phrase': { phrase: 'pass-astern' },
};

async function run(ctx: BenchContext): Promise<unknown> {
  const defs = [...shippedFormats().values()];
  const byId = (id: string) => defs.find((d) => d.id === id) as FormatDefinition;
  const ms = ctx.quick ? 100 : 1000;
  const perFormat: Record<string, { checksPerSec: number; rendersPerSec: number }> = {};
  for (const [id, fields] of Object.entries(SAMPLES)) {
    const def = byId(id);
    if (checkFields(def, fields)) throw new Error(`sample of ${id} does not check`);
    ctx.log(`formats: ${id}`);
    perFormat[id] = {
      checksPerSec: round.rate(measureRate(() => checkFields(def, fields), { ms, clock: 'cpu' })),
      rendersPerSec: round.rate(measureRate(() => renderMessage(def, fields, 'zh'), { ms, clock: 'cpu' })),
    };
  }
  // A console's page: 1,000 formatted messages, the three formats in turn, rendered in a language.
  const page = Array.from({ length: 1000 }, (_, i) => Object.keys(SAMPLES)[i % 3]!).map((id) => ({ def: byId(id), fields: SAMPLES[id]! }));
  const pageOf1000: Record<string, number> = {};
  for (const lang of SHIPPED_LANGUAGES) {
    const t = await timed(() => page.map((m) => renderMessage(m.def, m.fields, lang)));
    pageOf1000[lang] = round.seconds(t.cpuSeconds);
  }
  return { perFormat, pageOf1000CpuSeconds: pageOf1000 };
}

export const formatsBench: BenchModule = {
  name: 'formats',
  description: 'formatted messages: field checks and renderings per second; a page of 1,000 rendered',
  run,
};
