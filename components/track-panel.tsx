'use client';

import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { type ChartRow, type SeriesDef, TimeSeriesChart } from '@/components/charts/time-series-chart';
import { METRIC_COLORS } from '@/components/charts/palette';
import { formatBitrate, formatDuration, formatNumber } from '@/lib/client/format';
import { useTrackSeries } from '@/lib/client/hooks/use-track-series';
import { trackPanelSeriesRange } from '@/lib/client/query-keys';
import type { TrackDto, TrackMetric, TrackSeries } from '@/lib/client/types';

/** The per-track rows, in display order. Audio and video differ: video adds frame rate and resolution. */
const CHART_METRICS: { metric: TrackMetric; label: string; kinds: ('audio' | 'video')[] }[] = [
  { metric: 'bitrate', label: 'Bitrate', kinds: ['audio', 'video'] },
  { metric: 'packetLossPct', label: 'Packet loss', kinds: ['audio', 'video'] },
  { metric: 'jitterMs', label: 'Jitter', kinds: ['audio', 'video'] },
  { metric: 'rttMs', label: 'RTT', kinds: ['audio', 'video'] },
  { metric: 'framesPerSecond', label: 'Frame rate', kinds: ['video'] },
  { metric: 'frameHeight', label: 'Resolution', kinds: ['video'] },
];

const pct = (v: number) => `${formatNumber(v)}%`;
const ms = (v: number) => `${Math.round(v)} ms`;
const fps = (v: number) => `${formatNumber(v)} fps`;
const height = (v: number) => `${Math.round(v)}p`;
const kbps = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : `${Math.round(v / 1000)}k`);

function seriesFor(metric: TrackMetric, direction: string): SeriesDef[] {
  switch (metric) {
    case 'bitrate':
      // The encoder target is left out on purpose: it often sits far above the real rate and flattens the line.
      return [
        {
          key: 'bitrate',
          label: direction === 'outbound' ? 'Bitrate sent' : 'Bitrate received',
          color: METRIC_COLORS.bitrate,
          format: kbps,
          minTickStep: 1000,
        },
      ];
    case 'packetLossPct':
      return [{ key: metric, label: 'Packet loss', color: METRIC_COLORS.packetLossPct, format: pct }];
    case 'jitterMs':
      return [{ key: metric, label: 'Jitter', color: METRIC_COLORS.jitterMs, format: ms, minTickStep: 1 }];
    case 'rttMs':
      return [{ key: metric, label: 'RTT', color: METRIC_COLORS.rttMs, format: ms, minTickStep: 1 }];
    case 'framesPerSecond':
      return [{ key: metric, label: 'Frame rate', color: METRIC_COLORS.framesPerSecond, format: fps, minTickStep: 1 }];
    case 'frameHeight':
      return [
        { key: metric, label: 'Resolution (height)', color: METRIC_COLORS.frameHeight, format: height, minTickStep: 1 },
      ];
    default:
      return [{ key: metric, label: metric, color: '#495057' }];
  }
}

/** Columnar series → chart rows holding only the given keys (pure). */
function toRows(series: TrackSeries | undefined, keys: string[]): ChartRow[] {
  if (!series) return [];
  const columns = keys.map((k) => [k, series.values[k as TrackMetric]] as const);
  return series.t.map((t, i) => {
    const row: ChartRow = { t };
    for (const [k, col] of columns) row[k] = col?.[i] ?? null;
    return row;
  });
}

function trackTitle(track: Pick<TrackDto, 'kind' | 'direction' | 'isScreen' | 'label'>): string {
  const what = track.kind === 'audio' ? 'Microphone' : track.isScreen ? 'Screen share' : 'Camera';
  const dir = track.direction === 'outbound' ? 'sent' : 'received';
  return `${what} (${track.kind}, ${dir})`;
}

function TrackSummaryLine({ track }: { track: TrackDto }) {
  const m = track.summary?.metrics ?? {};
  const res = track.facts?.resolution;
  const items: [string, string][] = [
    ['Bitrate avg', formatBitrate(m.bitrate?.avg)],
    ['Loss p95', m.packetLossPct ? `${formatNumber(m.packetLossPct.p95)}%` : '—'],
    ['Jitter p95', m.jitterMs ? `${Math.round(m.jitterMs.p95)} ms` : '—'],
    ['RTT avg', m.rttMs ? `${Math.round(m.rttMs.avg)} ms` : '—'],
  ];
  if (track.kind === 'video') {
    items.push(['FPS avg', m.framesPerSecond ? formatNumber(m.framesPerSecond.avg) : '—']);
    items.push(['Resolution', res ? `${res.width}×${res.height}` : '—']);
    if (track.summary?.freezeCount) {
      items.push(['Freezes', `${track.summary.freezeCount} (${formatDuration(track.summary.freezeDurationMs)})`]);
    }
  }
  return (
    <dl className="track-summary">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

interface TrackPanelProps {
  track: TrackDto;
  domain: [number, number];
  /** The zoomed range (URL), sent to the API so a zoom gets sharper points; undefined = whole track. */
  range?: { from?: number; to?: number };
  syncId?: string;
  /** Shown after the title, e.g. "from Alice" on a received track. */
  peer?: string | null;
  onRangeSelect?: (from: number, to: number) => void;
  lazy?: boolean;
  chartHeight?: number;
  /** Only these charts (the printed report: bitrate and loss); default every chart of the track's kind. */
  only?: TrackMetric[];
  /** The track the URL names (`?track=`): marked, and scrolled to when the page opens. */
  selected?: boolean;
  /** Select this track by its id (or, when it is selected, no track): shows the header's "Select" toggle. */
  onSelect?: (trackId: string) => void;
}

/** True once the element came near the viewport (always true when not lazy). */
function useNearViewport(lazy: boolean) {
  const ref = useRef<HTMLElement>(null);
  const [near, setNear] = useState(!lazy);
  useEffect(() => {
    if (near) return;
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') {
      setNear(true);
      return;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setNear(true);
          observer.disconnect();
        }
      },
      { rootMargin: '600px 0px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [near]);
  return { ref, near };
}

/** A page opened on a link naming this track shows it: scrolled into view once, at mount. */
function useScrollToSelected(ref: React.RefObject<HTMLElement | null>, selected: boolean) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: at mount only; selecting a track later must not jump
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'center', inline: 'center' });
  }, []);
}

/** A chart's title line above its plot (px), for the placeholder's height. */
const CHART_TITLE_HEIGHT = 16;

function TrackPanelImpl({
  track,
  domain,
  range,
  syncId,
  peer,
  onRangeSelect,
  lazy = false,
  chartHeight = 90,
  only,
  selected = false,
  onSelect,
}: TrackPanelProps) {
  // Big conferences fetch a track's series only when it scrolls near (keeps the first load small).
  // The selected track (a link's) loads at once: the page scrolls to it.
  const { ref, near } = useNearViewport(lazy && !selected);
  const { data, isLoading, error } = useTrackSeries(
    track.sessionId,
    track.trackKey,
    trackPanelSeriesRange(range),
    near,
  );
  const metrics = useMemo(
    () => CHART_METRICS.filter((m) => m.kinds.includes(track.kind) && (!only || only.includes(m.metric))),
    [track.kind, only],
  );
  useScrollToSelected(ref, selected);
  const rowsByMetric = useMemo(() => {
    const out: Record<string, ChartRow[]> = {};
    for (const m of metrics) {
      const defs = seriesFor(m.metric, track.direction);
      out[m.metric] = toRows(
        data,
        defs.map((d) => d.key),
      );
    }
    return out;
  }, [data, metrics, track.direction]);

  return (
    <section
      ref={ref}
      className={`track track-${track.kind}${selected ? ' track-selected' : ''}`}
      data-testid="track"
      data-track-key={track.trackKey}
      data-track-id={track.id}
      data-kind={track.kind}
      data-direction={track.direction}
      data-selected={selected}
      aria-label={`${trackTitle(track)}${peer ? ` ${peer}` : ''}`}
    >
      <header className="track-header">
        <h4>
          {trackTitle(track)}
          {peer ? <span className="track-peer"> {peer}</span> : null}
        </h4>
        <span className="muted small">
          {[track.codec, track.label, track.ssrc != null ? `ssrc ${track.ssrc}` : null].filter(Boolean).join(' · ')}
        </span>
        {onSelect ? (
          <button
            type="button"
            className="btn btn-small track-select"
            aria-pressed={selected}
            onClick={() => onSelect(track.id)}
            data-testid="track-select"
            title="Keep this track in the page's link"
          >
            {selected ? 'Selected' : 'Select'}
          </button>
        ) : null}
      </header>
      <TrackSummaryLine track={track} />
      {error ? (
        <p className="state state-error small" role="alert">
          Could not load the series: {error instanceof Error ? error.message : String(error)}
        </p>
      ) : null}
      {near || data ? (
        <div className="track-charts">
          {metrics.map((m) => (
            <TimeSeriesChart
              key={m.metric}
              testId={`chart-${track.trackKey}-${m.metric}`}
              title={m.label}
              rows={rowsByMetric[m.metric]}
              series={seriesFor(m.metric, track.direction)}
              domain={domain}
              syncId={syncId}
              height={chartHeight}
              isLoading={isLoading || !near}
              onRangeSelect={onRangeSelect}
            />
          ))}
        </div>
      ) : (
        // Far from the window in a large conference: one box instead of 4–6 empty charts, so the page the server
        // sends, and what the browser parses, lays out and hydrates, is a fraction of the size.
        <div
          className="track-charts chart-placeholder"
          data-testid="track-charts-pending"
          style={{ height: metrics.length * (chartHeight + CHART_TITLE_HEIGHT + 4) }}
        >
          Charts load when this track comes into view
        </div>
      )}
    </section>
  );
}

export const TrackPanel = memo(TrackPanelImpl);
