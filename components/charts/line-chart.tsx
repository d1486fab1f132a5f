'use client';

import { useState } from 'react';
import type { BarSeries } from './bar-chart';

export interface LinePoint {
  t: number;
  values: Record<string, number | null>;
}

const W = 800;

/**
 * Lines over buckets as plain SVG (gaps where a value is null), for percentiles over time. Draw only: each point is a
 * link (`hrefFor`) with its value as data attributes, and the hovered bucket's values are shown above.
 */
export function LineChart({
  points,
  series,
  height,
  unit,
  hrefFor,
  formatT,
  testId,
}: {
  points: LinePoint[];
  series: BarSeries[];
  height: number;
  unit: string;
  hrefFor?: (t: number) => string;
  formatT: (t: number) => string;
  testId?: string;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const all = points.flatMap((p) => series.map((s) => p.values[s.key]).filter((v): v is number => v !== null));
  const lo = Math.min(0, ...all);
  const hi = Math.max(lo + 1, ...all);
  const plotH = height - 18;
  const slot = W / Math.max(1, points.length);
  const x = (i: number) => i * slot + slot / 2;
  const y = (v: number) => plotH - 4 - ((v - lo) / (hi - lo)) * (plotH - 8);
  const hovered = hover !== null ? points[hover] : undefined;
  return (
    <div className="bar-chart" data-testid={testId}>
      <div className="bar-chart-readout small" aria-live="polite">
        {hovered ? (
          <>
            <strong>{formatT(hovered.t)}</strong>
            {series.map((s) => (
              <span key={s.key} className="bar-chart-readout-item">
                <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
                {s.label}: {hovered.values[s.key] ?? '–'} {unit}
              </span>
            ))}
          </>
        ) : (
          <span className="muted">Point at the chart for its values; click a point for the sessions.</span>
        )}
      </div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer-only readout; every bar and point also has its values in its title and link label */}
      <div
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const i = Math.floor(((e.clientX - box.left) / Math.max(1, box.width)) * points.length);
          setHover(i >= 0 && i < points.length ? i : null);
        }}
        onMouseLeave={() => setHover(null)}
      >
        <svg
          viewBox={`0 0 ${W} ${plotH}`}
          preserveAspectRatio="none"
          width="100%"
          height={plotH}
          role="img"
          aria-label={series.map((s) => s.label).join(', ')}
        >
          <line x1={0} x2={W} y1={plotH - 0.5} y2={plotH - 0.5} stroke="var(--grid)" />
          {series.map((s) => {
            let d = '';
            let pen = false;
            points.forEach((p, i) => {
              const v = p.values[s.key];
              if (v === null || v === undefined) {
                pen = false;
                return;
              }
              d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
              pen = true;
            });
            return (
              <path key={s.key} d={d} fill="none" stroke={s.color} strokeWidth={2} vectorEffect="non-scaling-stroke" />
            );
          })}
          {series.map((s) =>
            points.map((p, i) => {
              const v = p.values[s.key];
              if (v === null || v === undefined) return null;
              const dot = (
                <circle
                  key={`${s.key}-${p.t}`}
                  cx={x(i)}
                  cy={y(v)}
                  r={3}
                  fill={s.color}
                  vectorEffect="non-scaling-stroke"
                  data-testid="point"
                  data-t={p.t}
                  data-key={s.key}
                  data-value={v}
                >
                  <title>{`${formatT(p.t)} · ${s.label}: ${v} ${unit}`}</title>
                </circle>
              );
              return hrefFor ? (
                <a key={`${s.key}-${p.t}`} href={hrefFor(p.t)}>
                  {dot}
                </a>
              ) : (
                <g key={`${s.key}-${p.t}`}>{dot}</g>
              );
            }),
          )}
        </svg>
      </div>
      <div className="bar-chart-axis small muted" aria-hidden="true">
        <span>{points[0] ? formatT(points[0].t) : ''}</span>
        <span>
          {lo}–{hi} {unit}
        </span>
        <span>{points.at(-1) ? formatT(points.at(-1)?.t ?? 0) : ''}</span>
      </div>
      <ul className="chart-legend small">
        {series.map((s) => (
          <li key={s.key}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label}
          </li>
        ))}
      </ul>
    </div>
  );
}
