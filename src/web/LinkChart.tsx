/**
 * Link health over time (#15 item 11): round-trip time and the peer's clock offset per peer, from
 * the link tests the officer API already exposes (GET /channels/:id/link, `samples`), drawn with
 * uPlot. Loaded lazily (ChannelView): uPlot is not part of the console's first view.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { T, tr } from './i18n.js';
import type { LinkSample } from './api.js';

type Samples = Record<string, ReadonlyArray<Pick<LinkSample, 'at' | 'rttMs' | 'offsetMs'>>>;
const COLOURS = ['#0b63ce', '#b35c00', '#6a3db8', '#087f5b'];

/** uPlot's aligned data: one x (seconds) for all peers, null where a peer has no test then. */
export function aligned(samples: Samples, value: 'rttMs' | 'offsetMs'): uPlot.AlignedData {
  const peers = Object.keys(samples);
  const xs = [...new Set(peers.flatMap((p) => samples[p]!.map((s) => s.at)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = peers.map((p) => {
    const y: Array<number | null> = xs.map(() => null);
    for (const s of samples[p]!) y[index.get(s.at)!] = s[value];
    return y;
  });
  return [xs.map((x) => x / 1000), ...ys];
}

function Chart({
  samples,
  value,
  label,
}: {
  samples: Samples;
  value: 'rttMs' | 'offsetMs';
  label: string;
}): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const peers = Object.keys(samples);
    const plot = new uPlot(
      {
        width: Math.max(280, Math.min(640, el.clientWidth || 560)),
        height: 160,
        legend: { show: true },
        scales: { x: { time: true } },
        axes: [{}, { label: `${label}`, size: 56 }],
        series: [
          {},
          ...peers.map((p, i) => ({
            label: p,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            spanGaps: true,
            points: { show: true, size: 4 },
          })),
        ],
      },
      aligned(samples, value),
      el,
    );
    return () => plot.destroy();
  }, [samples, value, label]);
  const summary = Object.entries(samples)
    .map(
      ([peer, s]) =>
        `${peer}: ${tr('linkTestsCount', { count: s.length })}, ${s.length ? s[s.length - 1]![value] : '–'} ms`,
    )
    .join('; ');
  return (
    <figure className="chart" data-testid={`link-chart-${value}`}>
      <div ref={box} role="img" aria-label={`${label}: ${summary}`} />
      <figcaption className="muted">{summary}</figcaption>
    </figure>
  );
}

export default function LinkChart({ samples }: { samples: Samples }): ReactNode {
  const sorted: Samples = Object.fromEntries(
    Object.entries(samples).map(([p, s]) => [p, [...s].sort((a, b) => a.at - b.at)]),
  );
  if (Object.values(sorted).flat().length < 2)
    return (
      <p className="muted">
        <T k="notEnoughLinkTests" />
      </p>
    );
  return (
    <div className="link-charts">
      <Chart samples={sorted} value="rttMs" label={tr('rttAxis')} />
      <Chart samples={sorted} value="offsetMs" label={tr('offsetAxis')} />
    </div>
  );
}
