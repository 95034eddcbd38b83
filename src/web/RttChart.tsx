/** Link round-trip time over time: an inline SVG line chart per peer (no chart library). */
import { T } from './i18n.js';
import type { LinkSample } from './api.js';

const W = 560;
const H = 140;
const PAD = { l: 44, r: 10, t: 10, b: 22 };
const COLOURS = ['#0b63ce', '#b35c00', '#6a3db8', '#087f5b'];

function clock(t: number, seconds: boolean): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hour12: false });
}

export function RttChart({ samples }: { samples: Record<string, ReadonlyArray<Pick<LinkSample, 'at' | 'rttMs' | 'offsetMs'>>> }) {
  const series = Object.entries(samples).map(([peer, s]) => [peer, [...s].sort((a, b) => a.at - b.at)] as const);
  const all = series.flatMap(([, s]) => s);
  if (all.length < 2)
    return (
      <p className="muted">
        <T k="notEnoughLinkTests" />
      </p>
    );
  const t0 = Math.min(...all.map((s) => s.at));
  const t1 = Math.max(...all.map((s) => s.at));
  const maxRtt = Math.max(1, ...all.map((s) => s.rttMs));
  const yMax = Math.ceil((maxRtt * 1.15) / 5) * 5;
  const x = (t: number) => PAD.l + ((t - t0) / Math.max(1, t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);
  const ticks = [0, yMax / 2, yMax];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Link round-trip time, ${series.map(([p, s]) => `${p}: last ${s[s.length - 1]?.rttMs ?? '?'} ms`).join('; ')}`}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} stroke="#d0d4da" strokeWidth="1" />
            <text x={PAD.l - 6} y={y(v) + 4} textAnchor="end" fontSize="11" fill="#4a5260">
              {Math.round(v)}
            </text>
          </g>
        ))}
        <text x={PAD.l} y={H - 4} fontSize="11" fill="#4a5260">
          {clock(t0, t1 - t0 < 3_600_000)}
        </text>
        <text x={W - PAD.r} y={H - 4} fontSize="11" fill="#4a5260" textAnchor="end">
          {clock(t1, t1 - t0 < 3_600_000)}
        </text>
        {series.map(([peer, s], i) => (
          <g key={peer}>
            <polyline fill="none" stroke={COLOURS[i % COLOURS.length]} strokeWidth="2" points={s.map((p) => `${x(p.at).toFixed(1)},${y(p.rttMs).toFixed(1)}`).join(' ')} />
            {s.length <= 60 && s.map((p) => <circle key={p.at} cx={x(p.at)} cy={y(p.rttMs)} r="2.5" fill={COLOURS[i % COLOURS.length]} />)}
          </g>
        ))}
      </svg>
      <figcaption>
        {series.map(([peer, s], i) => (
          <span key={peer} className="legend">
            <span className="swatch" style={{ background: COLOURS[i % COLOURS.length] }} /> {peer}: {s.length} tests, last {s[s.length - 1]?.rttMs ?? '–'} ms
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
