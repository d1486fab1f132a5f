'use client';

import { memo, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { formatTime } from '@/lib/client/format';
import { ChartFrame } from './chart-frame';
import { type CursorSeries, HoverCursor, setHoverTime } from './hover-sync';

export interface SeriesDef {
  key: string;
  label: string;
  unit?: string;
  color: string;
  /** Value → text for the tooltip and the y axis. */
  format?: (value: number) => string;
}

/** One row per instant: `t` (epoch ms) plus one value per series key; null draws a gap. */
export type ChartRow = { t: number } & Record<string, number | null>;

/** Width of the y axis; timeline lanes use it to line up with the plot area. */
export const Y_AXIS_WIDTH = 52;
export const CHART_MARGIN = { top: 4, right: 8, bottom: 0, left: 0 };
const X_AXIS_HEIGHT = 18;
const PLOT_LEFT = CHART_MARGIN.left + Y_AXIS_WIDTH;

/*
 * Ticks are fixed (4 on x from timeTicks, 3 on y), so every tick is drawn (`interval={0}`) and there is no vertical
 * grid: otherwise recharts measures each tick label in the DOM to thin them out, for every chart (a third of the
 * render time of a 10-person conference).
 */
const noVerticalLines = () => [];

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
  lazy?: boolean;
  yDomain?: [number | 'auto' | 'dataMin' | 'dataMax', number | 'auto' | 'dataMin' | 'dataMax'];
  /** Drag across the plot to pick a range (zoom). */
  onRangeSelect?: (from: number, to: number) => void;
}

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
  lazy = false,
  yDomain = [0, 'auto'],
  onRangeSelect,
}: TimeSeriesChartProps) {
  const [dragStart, setDragStart] = useState<number | null>(null);
  const [dragEnd, setDragEnd] = useState<number | null>(null);

  const { points, allSeries, hasData } = useMemo(() => {
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

  // Not the last one: it would sit on the plot's right edge with half its label cut off.
  const ticks = useMemo(() => timeTicks(domain).slice(0, -1), [domain]);
  const primary = series[0];
  const yFormat = (v: number) => (primary?.format ? primary.format(v) : String(v));

  const cursorSeries = useMemo<CursorSeries[]>(
    () => series.map((s) => ({ key: s.key, label: s.label, color: s.color, format: s.format, points: allSeries[s.key] ?? [] })),
    [series, allSeries],
  );

  /** The instant under the mouse (epoch ms), or null outside the plot area. */
  const timeAt = (e: React.MouseEvent<HTMLDivElement>): number | null => {
    const rect = e.currentTarget.getBoundingClientRect();
    const width = rect.width - PLOT_LEFT - CHART_MARGIN.right;
    const frac = (e.clientX - rect.left - PLOT_LEFT) / width;
    if (!(width > 0) || frac < 0 || frac > 1) return null;
    return domain[0] + frac * (domain[1] - domain[0]);
  };

  const finishDrag = () => {
    if (dragStart != null && dragEnd != null && onRangeSelect) {
      const from = Math.min(dragStart, dragEnd);
      const to = Math.max(dragStart, dragEnd);
      if (to - from >= 1000) onRangeSelect(from, to);
    }
    setDragStart(null);
    setDragEnd(null);
  };

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
      lazy={lazy}
    >
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer-only affordances (hover cursor, drag to zoom); the zoom bar's buttons do the same from the keyboard */}
      <div
        className="chart-plot"
        onMouseMove={(e) => {
          const t = timeAt(e);
          if (syncId) setHoverTime(syncId, t);
          if (dragStart != null && t != null) setDragEnd(t);
        }}
        onMouseDown={(e) => {
          const t = timeAt(e);
          if (!onRangeSelect || t == null) return;
          e.preventDefault(); // no text selection while dragging
          setDragStart(t);
          setDragEnd(null);
        }}
        onMouseUp={finishDrag}
        onMouseLeave={() => {
          if (syncId) setHoverTime(syncId, null);
          if (dragStart != null) finishDrag();
        }}
      >
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={CHART_MARGIN}>
            <CartesianGrid stroke="var(--grid)" vertical={false} verticalCoordinatesGenerator={noVerticalLines} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={domain}
              ticks={ticks}
              allowDataOverflow
              tickFormatter={(v: number) => formatTime(v)}
              tick={{ fontSize: 10, fill: 'var(--muted)' }}
              height={X_AXIS_HEIGHT}
              interval={0}
            />
            <YAxis
              width={Y_AXIS_WIDTH}
              domain={yDomain}
              tickFormatter={yFormat}
              tick={{ fontSize: 10, fill: 'var(--muted)' }}
              tickCount={3}
              interval={0}
              allowDecimals
            />
            {series.map((s) => (
              <Line
                key={s.key}
                type="linear"
                dataKey={s.key}
                name={s.label}
                stroke={s.color}
                strokeWidth={1.5}
                dot={false}
                activeDot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
            {dragStart != null && dragEnd != null ? (
              <ReferenceArea x1={dragStart} x2={dragEnd} fill="var(--accent)" fillOpacity={0.12} />
            ) : null}
          </LineChart>
        </ResponsiveContainer>
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
