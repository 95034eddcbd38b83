/**
 * The channel's map (#17): the positions and areas of its formatted messages over a base map that
 * needs no network (Natural Earth land from world-atlas, drawn with d3-geo), filterable by format
 * and time; clicking a shape opens its message. Shapes come rendered by the terminal (`rendered.
 * geometry`: [lon, lat] points, circles with a radius in metres).
 */
import { geoArea, geoCircle, geoEquirectangular, geoPath, type GeoPermissibleObjects } from 'd3-geo';
import { memo, useMemo, useState } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import land110 from 'world-atlas/land-110m.json';
import type { Geometry, Message } from './api.js';
import { T, tr } from './i18n.js';

const WIDTH = 720;
const HEIGHT = 360;
const land = feature(land110 as unknown as Topology, (land110 as unknown as Topology<{ land: GeometryCollection }>).objects.land);
const EARTH_RADIUS_M = 6_371_008.8;

/** A shape as GeoJSON: a point, a circle (a polygon of 64 sides), a polygon wound as d3-geo wants. */
function toGeo(g: Geometry): GeoPermissibleObjects {
  if (g.shape === 'point') return { type: 'Point', coordinates: g.points[0]! };
  if (g.shape === 'circle') return geoCircle().center(g.points[0]!).radius(((g.radiusM ?? 0) / EARTH_RADIUS_M) * (180 / Math.PI)).precision(360 / 64)();
  const ring = g.points;
  const polygon = { type: 'Polygon' as const, coordinates: [ring] };
  // d3-geo reads a ring as spherical: wound the wrong way it encloses the rest of the globe.
  return geoArea(polygon) > 2 * Math.PI ? { type: 'Polygon', coordinates: [[...ring].reverse()] } : polygon;
}

const WINDOWS = { all: Infinity, day: 86_400_000, week: 7 * 86_400_000 } as const;

/** A position picked on the map for the compose form (decimal degrees, rounded to 1e-5, about a metre). */
export type PickPosition = (p: { lat: number; lon: number }) => void;

/** Memoised: it draws again when its messages, time window or picking change, not on every render of the channel. */
export const FormatMap = memo(function FormatMap({ messages, now, onOpen, picking }: { messages: readonly Message[]; now: number; onOpen: (id: string) => void; picking?: PickPosition }) {
  const [format, setFormat] = useState('');
  const [window, setWindow] = useState<keyof typeof WINDOWS>('all');
  // The time filter moves by the minute: the map is not redrawn every second of the clock.
  const minute = Math.floor(now / 60_000) * 60_000;
  const withShapes = useMemo(() => messages.filter((m) => (m.rendered?.geometry.length ?? 0) > 0), [messages]);
  const formats = [...new Map(withShapes.map((m) => [m.format!.id, m.rendered!.title])).entries()];
  const features = useMemo(
    () =>
      withShapes
        .filter((m) => (format === '' || m.format?.id === format) && minute - m.time <= WINDOWS[window])
        .flatMap((m) => m.rendered!.geometry.map((g, i) => ({ key: `${m.id}-${i}`, m, g, geo: toGeo(g) }))),
    [withShapes, format, window, minute],
  );
  const { path, projection } = useMemo(() => {
    const collection = { type: 'FeatureCollection' as const, features: features.map((f) => ({ type: 'Feature' as const, properties: {}, geometry: f.geo as never })) };
    const p = geoEquirectangular();
    if (features.length > 0) p.fitExtent([[20, 20], [WIDTH - 20, HEIGHT - 20]], collection as never);
    else p.fitSize([WIDTH, HEIGHT], { type: 'Sphere' } as never);
    return { path: geoPath(p), projection: p };
  }, [features]);
  // Natural Earth's land, thousands of points: projected once per frame of the map, not per render.
  const landPath = useMemo(() => path(land) ?? '', [path]);
  return (
    <section className="format-map" aria-labelledby="map-title" data-testid="map">
      <h3 id="map-title">
        <T k="map" />
      </h3>
      <div className="row">
        <label>
          <span>
            <T k="mapFormat" />
          </span>
          <select value={format} onChange={(e) => setFormat(e.target.value)} data-testid="map-format">
            <option value="">{tr('allFormats')}</option>
            {formats.map(([id, title]) => (
              <option key={id} value={id}>
                {title}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>
            <T k="mapTime" />
          </span>
          <select value={window} onChange={(e) => setWindow(e.target.value as keyof typeof WINDOWS)} data-testid="map-time">
            <option value="all">{tr('anyTime')}</option>
            <option value="day">{tr('last24h')}</option>
            <option value="week">{tr('last7d')}</option>
          </select>
        </label>
      </div>
      {picking && (
        <p className="picking" role="status">
          <T k="pickOnMap" />
        </p>
      )}
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={tr('map')}
        className={`map-svg${picking ? ' map-picking' : ''}`}
        data-testid="map-svg"
        onClick={(e) => {
          if (!picking) return;
          const svg = e.currentTarget;
          const m = svg.getScreenCTM();
          if (!m) return;
          const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
          const ll = projection.invert?.([pt.x, pt.y]);
          if (!ll) return;
          const r = (x: number) => Math.round(x * 1e5) / 1e5 || 0;
          picking({ lat: r(ll[1]), lon: r(ll[0]) });
        }}
      >
        <rect width={WIDTH} height={HEIGHT} className="map-sea" />
        <path d={landPath} className="map-land" />
        {features.map(({ key, m, g, geo }) => {
          const label = `${m.rendered!.title}: ${g.label} (${m.from}, #${m.seq})`;
          const open = () => onOpen(m.id);
          if (g.shape === 'point') {
            const [x, y] = projection(g.points[0]!) ?? [0, 0];
            return (
              <circle key={key} cx={x} cy={y} r={5} className="map-point" data-testid="map-feature" data-shape="point" data-message={m.id} onClick={open} role="button" aria-label={label} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && open()}>
                <title>{label}</title>
              </circle>
            );
          }
          return (
            <path key={key} d={path(geo) ?? ''} className={`map-area map-${g.shape}`} data-testid="map-feature" data-shape={g.shape} data-message={m.id} onClick={open} role="button" aria-label={label} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && open()}>
              <title>{label}</title>
            </path>
          );
        })}
      </svg>
      {features.length === 0 && (
        <p className="muted">
          <T k="noMapFeatures" />
        </p>
      )}
    </section>
  );
});
