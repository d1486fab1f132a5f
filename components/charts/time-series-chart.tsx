'use client';

import { memo, useMemo, useState } from 'react';
import {
  type ChartRow,
  linePath,
  PLOT_WIDTH,
  type YBound,
  type YScale,
  xOf,
  yOf,
  yScaleFor,
} from '@/lib/client/chart-geometry';
import { ChartFrame } from './chart-frame';
import { type CursorSeries, HoverCursor, setHoverTime } from './hover-sync';
import { useTimeFormat } from '@/components/display-zone-provider';

export type { ChartRow };

export interface SeriesDef {
  key: string;
  label: string;
  unit?: string;
  color: string;
  /** Value → text for the tooltip and the y axis. */
  format?: (value: number) => string;
  /** The smallest y tick step worth labelling (1 where `format` rounds to whole units). */
  minTickStep?: number;
}

/** Width of the y axis; timeline lanes use it to line up with the plot area. */
export const Y_AXIS_WIDTH = 52;
export const CHART_MARGIN = { top: 4, right: 8, bottom: 0, left: 0 };
const X_AXIS_HEIGHT = 18;
const PLOT_LEFT = CHART_MARGIN.left + Y_AXIS_WIDTH;
const PLOT_INSETS = PLOT_LEFT + CHART_MARGIN.right;

export function timeTicks(domain: [number, number], count = 5): number[] {
  const [from, to] = domain;
  if (!(to > from)) return [from];
  const step = (to - from) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(from + i * step));
}

interface TimeSeriesChartProps {
  rows: ChartRow[];
  series: SeriesDef[];
  domain: [number, number];
  height?: number;
  title?: React.ReactNode;
  subtitle?: React.ReactNode;
  testId?: string;
  syncId?: string;
  isLoading?: boolean;
  yDomain?: [YBound, YBound];
  /** Drag across the plot to pick a range (zoom). */
  onRangeSelect?: (from: number, to: number) => void;
}

/** Each series' finite [t, value] pairs (the hover cursor's and the tests' view of what is drawn). */
function usePlottedPoints(rows: ChartRow[], series: SeriesDef[]) {
  return useMemo(() => {
    const all: Record<string, [number, number][]> = {};
    let any = false;
    for (const s of series) {
      const pairs: [number, number][] = [];
      for (const row of rows) {
        const v = row[s.key];
        if (typeof v === 'number' && Number.isFinite(v)) pairs.push([row.t, v]);
      }
      if (pairs.length) any = true;
      all[s.key] = pairs;
    }
    return { points: all[series[0]?.key ?? ''] ?? [], allSeries: all, hasData: any };
  }, [rows, series]);
}

/** The instant under the mouse (epoch ms), or null outside the plot area. */
function timeAt(e: React.MouseEvent<HTMLDivElement>, domain: [number, number]): number | null {
  const rect = e.currentTarget.getBoundingClientRect();
  const width = rect.width - PLOT_INSETS;
  const frac = (e.clientX - rect.left - PLOT_LEFT) / width;
  if (!(width > 0) || frac < 0 || frac > 1) return null;
  return domain[0] + frac * (domain[1] - domain[0]);
}

/** Horizontal position of an instant inside the chart box (CSS length). */
function leftOf(t: number, domain: [number, number]): string {
  return `calc(${PLOT_LEFT}px + (100% - ${PLOT_INSETS}px) * ${xOf(t, domain) / PLOT_WIDTH})`;
}

/**
 * Drag across the plot to pick a range: the plot's pointer handlers (they also move the shared hover cursor), and
 * the range being dragged over.
 * A drag under a second is taken for a click and picks nothing.
 */
function useDragRange(
  domain: [number, number],
  syncId: string | undefined,
  onRangeSelect?: (from: number, to: number) => void,
) {
  const [dragStart, setDragStart] = useState<number | null>(null);
  const [dragEnd, setDragEnd] = useState<number | null>(null);

  const finishDrag = () => {
    if (dragStart != null && dragEnd != null && onRangeSelect) {
      const from = Math.min(dragStart, dragEnd);
      const to = Math.max(dragStart, dragEnd);
      if (to - from >= 1000) onRangeSelect(from, to);
    }
    setDragStart(null);
    setDragEnd(null);
  };

  const dragged = dragStart != null && dragEnd != null ? ([dragStart, dragEnd] as const) : null;
  return {
    dragged,
    onMouseMove: (e: React.MouseEvent<HTMLDivElement>) => {
      const t = timeAt(e, domain);
      if (syncId) setHoverTime(syncId, t);
      if (dragStart != null && t != null) setDragEnd(t);
    },
    onMouseDown: (e: React.MouseEvent<HTMLDivElement>) => {
      const t = timeAt(e, domain);
      if (!onRangeSelect || t == null) return;
      e.preventDefault(); // no text selection while dragging
      setDragStart(t);
      setDragEnd(null);
    },
    onMouseUp: finishDrag,
    onMouseLeave: () => {
      if (syncId) setHoverTime(syncId, null);
      if (dragStart != null) finishDrag();
    },
  };
}

/** The plot itself: grid lines at the y ticks and one path per series, stretched to the plot area. */
function PlotLines({
  series,
  paths,
  scale,
  plotHeight,
  domain,
}: {
  series: SeriesDef[];
  paths: string[];
  scale: YScale;
  plotHeight: number;
  domain: [number, number];
}) {
  return (
    <svg
      className="chart-svg"
      viewBox={`0 0 ${PLOT_WIDTH} ${plotHeight}`}
      preserveAspectRatio="none"
      style={{ left: PLOT_LEFT, top: CHART_MARGIN.top, width: `calc(100% - ${PLOT_INSETS}px)`, height: plotHeight }}
      data-from={domain[0]}
      data-to={domain[1]}
      data-y-min={scale.min}
      data-y-max={scale.max}
      aria-hidden="true"
    >
      {scale.ticks.map((v) => {
        const y = yOf(v, scale, plotHeight);
        return <line key={v} className="chart-grid" x1={0} x2={PLOT_WIDTH} y1={y} y2={y} />;
      })}
      {series.map((s, i) =>
        paths[i] ? <path key={s.key} className="chart-line" data-series={s.key} d={paths[i]} stroke={s.color} /> : null,
      )}
    </svg>
  );
}

/** The time axis under the plot, in the display zone. */
function TimeAxis({ domain }: { domain: [number, number] }) {
  const { formatTime } = useTimeFormat();
  // Not the last tick: it would sit on the plot's right edge with half its label cut off.
  const ticks = useMemo(() => timeTicks(domain).slice(0, -1), [domain]);
  return (
    <div
      className="chart-axis-x"
      aria-hidden="true"
      style={{ left: PLOT_LEFT, right: CHART_MARGIN.right, height: X_AXIS_HEIGHT }}
    >
      {ticks.map((t) => (
        <span key={t} style={{ left: `${(xOf(t, domain) / PLOT_WIDTH) * 100}%` }}>
          {formatTime(t)}
        </span>
      ))}
    </div>
  );
}

/**
 * A time-series chart drawn as plain SVG from pure geometry (lib/client/chart-geometry.ts): the same markup on the
 * server and in the browser, so the conference page's first screen arrives drawn, and a chart costs a few
 * elements instead of a recharts tree (recharts 3 draws nothing on the server and ~200 of its charts took
 * seconds to mount). Hover and drag-to-zoom are overlays: the shared hover store and a selection box.
 */
function TimeSeriesChartImpl({
  rows,
  series,
  domain,
  height = 110,
  title,
  subtitle,
  testId,
  syncId,
  isLoading = false,
  yDomain,
  onRangeSelect,
}: TimeSeriesChartProps) {
  const plotHeight = height - CHART_MARGIN.top - X_AXIS_HEIGHT;
  const lower = yDomain?.[0] ?? 0;
  const upper = yDomain?.[1] ?? 'auto';
  const { points, allSeries, hasData } = usePlottedPoints(rows, series);
  const drag = useDragRange(domain, syncId, onRangeSelect);
  const { dragged } = drag;

  const scale = useMemo(
    () =>
      yScaleFor(
        rows,
        series.map((s) => s.key),
        [lower, upper],
        3,
        series[0]?.minTickStep ?? 0,
      ),
    [rows, series, lower, upper],
  );
  const paths = useMemo(
    () => series.map((s) => linePath(rows, s.key, domain, scale, plotHeight)),
    [rows, series, domain, scale, plotHeight],
  );
  const primary = series[0];
  const yFormat = (v: number) => (primary?.format ? primary.format(v) : String(v));

  const cursorSeries = useMemo<CursorSeries[]>(
    () =>
      series.map((s) => ({
        key: s.key,
        label: s.label,
        color: s.color,
        format: s.format,
        points: allSeries[s.key] ?? [],
      })),
    [series, allSeries],
  );

  return (
    <ChartFrame
      title={title}
      subtitle={subtitle}
      height={height}
      testId={testId}
      points={points}
      allSeries={series.length > 1 ? allSeries : undefined}
      isLoading={isLoading && rows.length === 0}
      isEmpty={!isLoading && !hasData}
    >
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer-only affordances (hover cursor, drag to zoom); the zoom bar's buttons do the same from the keyboard */}
      <div
        className="chart-plot"
        onMouseMove={drag.onMouseMove}
        onMouseDown={drag.onMouseDown}
        onMouseUp={drag.onMouseUp}
        onMouseLeave={drag.onMouseLeave}
      >
        <div
          className="chart-axis-y"
          aria-hidden="true"
          style={{ width: Y_AXIS_WIDTH, top: CHART_MARGIN.top, height: plotHeight }}
        >
          {scale.ticks.map((v) => (
            <span key={v} style={{ top: yOf(v, scale, plotHeight) }}>
              {yFormat(v)}
            </span>
          ))}
        </div>
        <PlotLines series={series} paths={paths} scale={scale} plotHeight={plotHeight} domain={domain} />
        <TimeAxis domain={domain} />
        {dragged ? (
          <div
            className="chart-selection"
            style={{
              left: leftOf(Math.min(...dragged), domain),
              width: `calc((100% - ${PLOT_INSETS}px) * ${Math.abs(dragged[1] - dragged[0]) / (domain[1] - domain[0])})`,
              top: CHART_MARGIN.top,
              height: plotHeight,
            }}
          />
        ) : null}
        {syncId ? (
          <HoverCursor
            syncId={syncId}
            domain={domain}
            series={cursorSeries}
            plotLeft={PLOT_LEFT}
            plotRight={CHART_MARGIN.right}
            plotTop={CHART_MARGIN.top}
            plotBottom={X_AXIS_HEIGHT}
          />
        ) : null}
      </div>
    </ChartFrame>
  );
}

export const TimeSeriesChart = memo(TimeSeriesChartImpl);
