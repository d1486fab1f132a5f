'use client';

import { useState } from 'react';

export interface BarSeries {
  key: string;
  label: string;
  color: string;
}

export interface BarRow {
  /** Bucket start, epoch ms. */
  t: number;
  values: Record<string, number>;
}

const W = 800;

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
  const [hover, setHover] = useState<number | null>(null);
  const totals = rows.map((r) => series.reduce((a, s) => a + (r.values[s.key] ?? 0), 0));
  const max = share ? 1 : Math.max(1, ...totals);
  const slot = W / Math.max(1, rows.length);
  const barW = Math.max(1, slot * 0.8);
  const plotH = height - 18;
  const hovered = hover !== null ? rows[hover] : undefined;
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
                {s.label}: {hovered.values[s.key] ?? 0}
              </span>
            ))}
          </>
        ) : (
          <span className="muted">Point at a bar for its values; click it for the sessions.</span>
        )}
      </div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer-only readout; every bar and point also has its values in its title and link label */}
      <div
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const i = Math.floor(((e.clientX - box.left) / Math.max(1, box.width)) * rows.length);
          setHover(i >= 0 && i < rows.length ? i : null);
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
          {rows.map((r, i) => {
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
          })}
        </svg>
      </div>
      <div className="bar-chart-axis small muted" aria-hidden="true">
        <span>{rows[0] ? formatT(rows[0].t) : ''}</span>
        <span>{share ? '100 %' : `max ${Math.max(0, ...totals)}`}</span>
        <span>{rows.at(-1) ? formatT(rows.at(-1)?.t ?? 0) : ''}</span>
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
