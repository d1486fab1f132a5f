'use client';

import type { ReactNode } from 'react';
import { useHydrated } from '@/lib/client/hooks/use-hydrated';

/**
 * A chart's box: fixed height, a title, loading / empty states, and test hooks. It never fetches.
 * `points` are the plotted [t, value] pairs of the primary series, exposed as `data-points` so an e2e test can
 * compare what is drawn with the API: in the browser only, as they would double the size of a page the server
 * renders with its charts.
 */
export function ChartFrame({
  title,
  subtitle,
  height,
  testId,
  points,
  allSeries,
  isLoading = false,
  isEmpty = false,
  emptyText = 'No data',
  children,
}: {
  title?: ReactNode;
  subtitle?: ReactNode;
  height: number;
  testId?: string;
  points?: [number, number][];
  allSeries?: Record<string, [number, number][]>;
  isLoading?: boolean;
  isEmpty?: boolean;
  emptyText?: string;
  children: ReactNode;
}) {
  const hydrated = useHydrated();
  const state = isLoading ? 'loading' : isEmpty ? 'empty' : 'ready';
  return (
    <figure
      className="chart-frame"
      data-testid={testId}
      data-state={state}
      data-points={hydrated && points ? JSON.stringify(points) : undefined}
      data-series={hydrated && allSeries ? JSON.stringify(allSeries) : undefined}
    >
      {title ? (
        <figcaption className="chart-title">
          <span>{title}</span>
          {subtitle ? <span className="chart-subtitle">{subtitle}</span> : null}
        </figcaption>
      ) : null}
      <div className="chart-body" style={{ height }}>
        {state === 'loading' ? (
          <div className="chart-placeholder" role="status">
            <span className="spinner" aria-hidden="true" /> Loading…
          </div>
        ) : state === 'empty' ? (
          <div className="chart-placeholder muted">{emptyText}</div>
        ) : (
          children
        )}
      </div>
    </figure>
  );
}
