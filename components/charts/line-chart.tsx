'use client';

import { BUCKET_CHART_W as W, BucketChartFrame, type BucketSeries } from './bucket-chart-frame';

export interface LinePoint {
  t: number;
  values: Record<string, number | null>;
}

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
  series: BucketSeries[];
  height: number;
  unit: string;
  hrefFor?: (t: number) => string;
  formatT: (t: number) => string;
  testId?: string;
}) {
  const all = points.flatMap((p) => series.map((s) => p.values[s.key]).filter((v): v is number => v !== null));
  const lo = Math.min(0, ...all);
  const hi = Math.max(lo + 1, ...all);
  const slot = W / Math.max(1, points.length);
  const x = (i: number) => i * slot + slot / 2;
  return (
    <BucketChartFrame
      buckets={points}
      series={series}
      height={height}
      unit={unit}
      scale={`${lo}–${hi} ${unit}`}
      hint="Point at the chart for its values; click a point for the sessions."
      formatT={formatT}
      testId={testId}
    >
      {(plotH) => {
        const y = (v: number) => plotH - 4 - ((v - lo) / (hi - lo)) * (plotH - 8);
        return (
          <>
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
                <path
                  key={s.key}
                  d={d}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={2}
                  vectorEffect="non-scaling-stroke"
                />
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
          </>
        );
      }}
    </BucketChartFrame>
  );
}
