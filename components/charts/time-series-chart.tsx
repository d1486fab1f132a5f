'use client';

import { memo, useMemo, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { MouseHandlerDataParam, TickItem } from 'recharts';
import { formatTime } from '@/lib/client/format';
import { ChartFrame } from './chart-frame';

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

/**
 * Synchronise hover by time, not by index: every chart of a conference has its own sample times, so the
 * receiving chart shows its sample nearest to the hovered instant (or nothing when it has none near).
 */
export const syncByTime = (ticks: ReadonlyArray<TickItem>, data: MouseHandlerDataParam): number => {
  const target = Number(data.activeLabel);
  if (!Number.isFinite(target) || ticks.length === 0) return -1;
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ticks.length; i++) {
    const d = Math.abs(Number(ticks[i].value) - target);
    if (d < bestDistance) {
      bestDistance = d;
      best = i;
    }
  }
  const first = Number(ticks[0].value);
  const last = Number(ticks[ticks.length - 1].value);
  const spacing = ticks.length > 1 ? (last - first) / (ticks.length - 1) : 0;
  return bestDistance <= Math.max(spacing * 2, 2000) ? ticks[best].index : -1;
};

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

  const ticks = useMemo(() => timeTicks(domain), [domain]);
  const primary = series[0];
  const yFormat = (v: number) => (primary?.format ? primary.format(v) : String(v));

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
      <ResponsiveContainer width="100%" height="100%">
        <LineChart
          data={rows}
          syncId={syncId}
          syncMethod={syncId ? syncByTime : undefined}
          margin={CHART_MARGIN}
          onMouseDown={(state) => {
            if (!onRangeSelect || state?.activeLabel == null) return;
            setDragStart(Number(state.activeLabel));
            setDragEnd(null);
          }}
          onMouseMove={(state) => {
            if (dragStart != null && state?.activeLabel != null) setDragEnd(Number(state.activeLabel));
          }}
          onMouseUp={finishDrag}
          onMouseLeave={() => {
            if (dragStart != null) finishDrag();
          }}
        >
          <CartesianGrid stroke="var(--grid)" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={domain}
            ticks={ticks}
            allowDataOverflow
            tickFormatter={(v: number) => formatTime(v)}
            tick={{ fontSize: 10, fill: 'var(--muted)' }}
            height={18}
            minTickGap={12}
          />
          <YAxis
            width={Y_AXIS_WIDTH}
            domain={yDomain}
            tickFormatter={yFormat}
            tick={{ fontSize: 10, fill: 'var(--muted)' }}
            tickCount={3}
            allowDecimals
          />
          <Tooltip
            isAnimationActive={false}
            labelFormatter={(v) => formatTime(Number(v))}
            formatter={(value, name) => {
              const def = series.find((s) => s.label === name || s.key === name);
              const n = Number(value);
              return [def?.format ? def.format(n) : `${n}${def?.unit ? ` ${def.unit}` : ''}`, def?.label ?? name];
            }}
            contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: 'var(--border)' }}
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
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
          {dragStart != null && dragEnd != null ? (
            <ReferenceArea x1={dragStart} x2={dragEnd} fill="var(--accent)" fillOpacity={0.12} />
          ) : null}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

export const TimeSeriesChart = memo(TimeSeriesChartImpl);
