'use client';

import { type ReactNode, useState } from 'react';

export interface BucketSeries {
  key: string;
  label: string;
  color: string;
}

/** The viewBox width every bucket chart draws in (stretched to any width). */
export const BUCKET_CHART_W = 800;

/**
 * What the overview's bar and line charts share: the hovered bucket's values above the plot, the pointer mapped to a
 * bucket, the SVG, the axis line (first bucket, scale, last bucket) and the legend. The chart draws its marks as
 * `children(plotH)`; draw only.
 */
export function BucketChartFrame({
  buckets,
  series,
  height,
  unit,
  scale,
  hint,
  formatT,
  testId,
  children,
}: {
  buckets: { t: number; values: Record<string, number | null> }[];
  series: BucketSeries[];
  height: number;
  /** After each hovered value (empty for counts). */
  unit: string;
  /** The axis line's middle: the scale of the plot. */
  scale: string;
  hint: string;
  formatT: (t: number) => string;
  testId?: string;
  children: (plotH: number) => ReactNode;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const plotH = height - 18;
  const hovered = hover !== null ? buckets[hover] : undefined;
  return (
    <div className="bar-chart" data-testid={testId}>
      <div
        className="bar-chart-readout small"
        aria-live="polite"
        data-testid={testId ? `${testId}-readout` : undefined}
      >
        {hovered ? (
          <>
            <strong>{formatT(hovered.t)}</strong>
            {series.map((s) => (
              <span key={s.key} className="bar-chart-readout-item">
                <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
                {s.label}: {hovered.values[s.key] ?? (unit ? '–' : 0)}
                {unit ? ` ${unit}` : ''}
              </span>
            ))}
          </>
        ) : (
          <span className="muted">{hint}</span>
        )}
      </div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer-only readout; every bar and point also has its values in its title and link label */}
      <div
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const i = Math.floor(((e.clientX - box.left) / Math.max(1, box.width)) * buckets.length);
          setHover(i >= 0 && i < buckets.length ? i : null);
        }}
        onMouseLeave={() => setHover(null)}
      >
        <svg
          viewBox={`0 0 ${BUCKET_CHART_W} ${plotH}`}
          preserveAspectRatio="none"
          width="100%"
          height={plotH}
          role="img"
          aria-label={series.map((s) => s.label).join(', ')}
        >
          <line x1={0} x2={BUCKET_CHART_W} y1={plotH - 0.5} y2={plotH - 0.5} stroke="var(--grid)" />
          {children(plotH)}
        </svg>
      </div>
      <div className="bar-chart-axis small muted" aria-hidden="true">
        <span>{buckets[0] ? formatT(buckets[0].t) : ''}</span>
        <span>{scale}</span>
        <span>{buckets.at(-1) ? formatT(buckets.at(-1)?.t ?? 0) : ''}</span>
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
