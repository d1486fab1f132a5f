'use client';

import { BUCKET_CHART_W as W, BucketChartFrame, type BucketSeries } from './bucket-chart-frame';

export type BarSeries = BucketSeries;

export interface BarRow {
  /** Bucket start, epoch ms. */
  t: number;
  values: Record<string, number>;
}

/**
 * Bars over time as plain SVG, stacked by series (`share`: each bar as 100 %). Draw only: every segment is a link
 * (`hrefFor`), carries its value as data attributes for tests, and shows its values on hover.
 */
export function BarChart({
  rows,
  series,
  height,
  hrefFor,
  formatT,
  share = false,
  testId,
}: {
  rows: BarRow[];
  series: BarSeries[];
  height: number;
  hrefFor?: (t: number, key: string) => string;
  formatT: (t: number) => string;
  share?: boolean;
  testId?: string;
}) {
  const totals = rows.map((r) => series.reduce((a, s) => a + (r.values[s.key] ?? 0), 0));
  const max = share ? 1 : Math.max(1, ...totals);
  const slot = W / Math.max(1, rows.length);
  const barW = Math.max(1, slot * 0.8);
  return (
    <BucketChartFrame
      buckets={rows}
      series={series}
      height={height}
      unit=""
      scale={share ? '100 %' : `max ${Math.max(0, ...totals)}`}
      hint="Point at a bar for its values; click it for the sessions."
      formatT={formatT}
      testId={testId}
    >
      {(plotH) =>
        rows.map((r, i) => {
          const total = totals[i] ?? 0;
          let y = plotH;
          return (
            <g key={r.t}>
              {series.map((s) => {
                const v = r.values[s.key] ?? 0;
                if (v <= 0) return null;
                const h = ((share ? v / Math.max(1, total) : v) / max) * plotH;
                y -= h;
                const rect = (
                  <rect
                    key={s.key}
                    x={i * slot + (slot - barW) / 2}
                    y={y}
                    width={barW}
                    height={Math.max(h, 0.5)}
                    fill={s.color}
                    data-testid="bar"
                    data-t={r.t}
                    data-key={s.key}
                    data-value={v}
                  >
                    <title>{`${formatT(r.t)} · ${s.label}: ${v}`}</title>
                  </rect>
                );
                return hrefFor ? (
                  <a key={s.key} href={hrefFor(r.t, s.key)} aria-label={`${formatT(r.t)} ${s.label}: ${v}`}>
                    {rect}
                  </a>
                ) : (
                  <g key={s.key}>{rect}</g>
                );
              })}
            </g>
          );
        })
      }
    </BucketChartFrame>
  );
}
