'use client';

import { useSyncExternalStore } from 'react';
import { hoverTolerance, nearestPoint } from '@/lib/client/nearest-point';
import { useTimeFormat } from '@/components/display-zone-provider';

/**
 * The hovered instant, shared by every chart with the same sync id (a conference, a session): hover one chart and
 * all of them show a cursor at the same time. Recharts' own `syncId` is not used: on mount every chart broadcasts
 * its tooltip and brush state to every other one (O(n²) store updates: seconds for the ~200 charts of a 10-person
 * conference), and the brush indexes it broadcasts slice the receivers' data to the sender's length.
 * Only the small cursor components subscribe, so a mouse move never re-renders a chart.
 */
interface HoverStore {
  time: number | null;
  listeners: Set<() => void>;
}

const stores = new Map<string, HoverStore>();

function storeFor(syncId: string): HoverStore {
  let store = stores.get(syncId);
  if (!store) {
    store = { time: null, listeners: new Set() };
    stores.set(syncId, store);
  }
  return store;
}

export function setHoverTime(syncId: string, time: number | null): void {
  const store = storeFor(syncId);
  if (store.time === time) return;
  store.time = time;
  for (const listener of store.listeners) listener();
}

function useHoverTime(syncId: string): number | null {
  const store = storeFor(syncId);
  return useSyncExternalStore(
    (onChange) => {
      store.listeners.add(onChange);
      return () => store.listeners.delete(onChange);
    },
    () => store.time,
    () => null,
  );
}

export interface CursorSeries {
  key: string;
  label: string;
  color: string;
  format?: (value: number) => string;
  points: [number, number][];
}

/**
 * The cursor of one chart: a vertical line at the shared hovered instant and the nearest value of each series.
 * `plotLeft` / `plotRight` are the plot area's insets in px (y axis and margins), `plotTop` / `plotBottom` likewise.
 */
export function HoverCursor({
  syncId,
  domain,
  series,
  plotLeft,
  plotRight,
  plotTop,
  plotBottom,
}: {
  syncId: string;
  domain: [number, number];
  series: CursorSeries[];
  plotLeft: number;
  plotRight: number;
  plotTop: number;
  plotBottom: number;
}) {
  const { formatTime } = useTimeFormat();
  const time = useHoverTime(syncId);
  if (time === null || !(domain[1] > domain[0]) || time < domain[0] || time > domain[1]) return null;
  const frac = (time - domain[0]) / (domain[1] - domain[0]);
  const values = series.map((s) => {
    const i = nearestPoint(s.points, time, hoverTolerance(s.points));
    return { ...s, value: i >= 0 ? s.points[i][1] : null };
  });
  return (
    <div
      className="hover-cursor"
      data-testid="hover-cursor"
      data-time={Math.round(time)}
      data-value={values[0]?.value ?? ''}
      aria-hidden="true"
      style={{
        left: `calc(${plotLeft}px + (100% - ${plotLeft + plotRight}px) * ${frac})`,
        top: plotTop,
        bottom: plotBottom,
      }}
    >
      <div className={`hover-readout ${frac > 0.6 ? 'hover-readout-left' : ''}`}>
        <span className="hover-time">{formatTime(time)}</span>
        {values.map((v) => (
          <span key={v.key} style={{ color: v.color }}>
            {' '}
            {v.value === null ? '—' : v.format ? v.format(v.value) : String(v.value)}
          </span>
        ))}
      </div>
    </div>
  );
}
