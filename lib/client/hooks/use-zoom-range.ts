'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { clampZoom, type ZoomRange, zoomedIn, zoomedOut, zoomRange } from '@/lib/client/zoom-range';

export interface ZoomState {
  /** The zoomed range (URL), or undefined for the whole call. */
  range: ZoomRange | undefined;
  zoomed: boolean;
  /** What the charts show: the zoomed range, else `full`. */
  domain: [number, number] | null;
  /** Zoom to a picked range (drag on a chart, an issue's period); widened to MIN_ZOOM_MS at the least. */
  select: (from: number, to: number) => void;
  /** Back to the whole call. */
  reset: () => void;
  zoomIn: () => void;
  zoomOut: () => void;
}

/**
 * The conference and session pages' zoom: the range lives in the URL (`from` / `to`), so a zoomed view can be
 * shared and survives a reload; it is replaced, not pushed, so Back leaves the page instead of undoing zooms.
 */
export function useZoomRange(full: [number, number] | null): ZoomState {
  const router = useRouter();
  const pathname = usePathname() ?? '';
  const params = useSearchParams();
  const zoomFrom = params.get('from');
  const zoomTo = params.get('to');
  const range = useMemo(() => zoomRange(zoomFrom, zoomTo), [zoomFrom, zoomTo]);
  const domain = useMemo<[number, number] | null>(() => (range ? [range.from, range.to] : full), [range, full]);

  const setRange = useCallback(
    (next: ZoomRange | null) => {
      const query = new URLSearchParams(params.toString());
      if (next) {
        const { from, to } = clampZoom(next.from, next.to);
        query.set('from', String(from));
        query.set('to', String(to));
      } else {
        query.delete('from');
        query.delete('to');
      }
      const qs = query.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );
  const select = useCallback((from: number, to: number) => setRange({ from, to }), [setRange]);
  const reset = useCallback(() => setRange(null), [setRange]);
  const zoomIn = useCallback(() => {
    const next = domain ? zoomedIn(domain) : null;
    if (next) setRange(next);
  }, [domain, setRange]);
  const zoomOut = useCallback(() => {
    if (domain && full) setRange(zoomedOut(domain, full));
  }, [domain, full, setRange]);

  return { range, zoomed: range !== undefined, domain, select, reset, zoomIn, zoomOut };
}
