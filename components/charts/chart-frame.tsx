'use client';

import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';

/** Runs `fn` when the browser is idle (or soon, where requestIdleCallback is missing); returns a cancel. */
function whenIdle(fn: () => void): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const id = window.requestIdleCallback(fn, { timeout: 2000 });
    return () => window.cancelIdleCallback(id);
  }
  const id = window.setTimeout(fn, 50);
  return () => window.clearTimeout(id);
}

function isOnScreen(r: DOMRectReadOnly): boolean {
  return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
}

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

  // Already on screen when mounted: draw in this same commit, before the first paint, rather than one
  // IntersectionObserver round later (reading the box costs one layout for all charts of the commit).
  useLayoutEffect(() => {
    if (visible || !ref.current) return;
    if (isOnScreen(ref.current.getBoundingClientRect())) setVisible(true);
  }, [visible]);

  useEffect(() => {
    if (visible || !ref.current || typeof IntersectionObserver === 'undefined') {
      if (!visible) setVisible(true);
      return;
    }
    let idle: (() => void) | null = null;
    const observer = new IntersectionObserver(
      (entries) => {
        const entry = entries.find((e) => e.isIntersecting);
        if (!entry || idle) return;
        observer.disconnect();
        // On screen: draw now. Only near it: draw when the browser is idle, so the charts people are looking at
        // are not held up by those below the fold (a 10-person conference has ~200 charts).
        if (isOnScreen(entry.boundingClientRect)) {
          setVisible(true);
        } else {
          idle = whenIdle(() => setVisible(true));
        }
      },
      { rootMargin: '400px 0px' },
    );
    observer.observe(ref.current);
    return () => {
      observer.disconnect();
      idle?.();
    };
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
