'use client';

import { type ReactNode, useEffect, useRef, useState } from 'react';

/**
 * A chart's box: fixed height, a title, loading / empty states, and test hooks. It never fetches.
 * `points` are the plotted [t, value] pairs of the primary series, exposed as `data-points` so an e2e test can
 * compare what is drawn with the API. `lazy` mounts the (costly) SVG only near the viewport; the attributes are
 * there either way.
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
  lazy = false,
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
  lazy?: boolean;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(!lazy);

  useEffect(() => {
    if (visible || !ref.current || typeof IntersectionObserver === 'undefined') {
      if (!visible) setVisible(true);
      return;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setVisible(true);
          observer.disconnect();
        }
      },
      { rootMargin: '400px 0px' },
    );
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, [visible]);

  const state = isLoading ? 'loading' : isEmpty ? 'empty' : 'ready';
  return (
    <figure
      ref={ref}
      className="chart-frame"
      data-testid={testId}
      data-state={state}
      data-points={points ? JSON.stringify(points) : undefined}
      data-series={allSeries ? JSON.stringify(allSeries) : undefined}
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
        ) : visible ? (
          children
        ) : (
          <div className="chart-placeholder" aria-hidden="true" />
        )}
      </div>
    </figure>
  );
}
