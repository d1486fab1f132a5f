'use client';

import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { Suspense, useEffect, useMemo } from 'react';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { DataState } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { LiveBadge } from '@/components/ui/badges';
import { formatDuration } from '@/lib/client/format';
import { useConference } from '@/lib/client/hooks/use-conference';
import { trackSeriesQuery } from '@/lib/client/hooks/use-track-series';
import { useSelectedTrack } from '@/lib/client/hooks/use-selected-track';
import { type ZoomState, useZoomRange } from '@/lib/client/hooks/use-zoom-range';
import { trackPanelSeriesRange } from '@/lib/client/query-keys';
import type { ConferenceDetail, TimelineEvent } from '@/lib/client/types';
import { describePairs, firstScreenTracks, fullDomain, senderOf } from './conference-model';
import { MonitoringEventsPanel } from './monitoring-events';
import { PairsList } from './pairs-list';
import { ParticipantColumn } from './participant-column';

/** Above this many tracks, series load as they scroll into view (keeps a 10 × 1 h conference fast). */
const EAGER_TRACK_LIMIT = 24;
/** A participant column's narrowest width (px); wider screens show more columns side by side. */
const COLUMN_MIN_WIDTH = 340;

/** A conference: who receives whom, the zoom bar, and every participant's column on one time axis. */
export function ConferencePageClient({ name, initialData }: { name: string; initialData?: ConferenceDetail }) {
  // The server renders the page with the detail and the first screen's series (page.tsx); times in the display
  // zone the server used too (DisplayZoneProvider), so hydration keeps what was drawn.
  const query = useConference(name, initialData);
  const detail = query.data;
  const full = useMemo(() => (detail ? fullDomain(detail) : null), [detail]);
  const zoom = useZoomRange(full);
  usePrefetchFirstScreen(detail, zoom.range);
  const pairs = useMemo(() => (detail ? describePairs(detail) : []), [detail]);
  const { domain } = zoom;

  return (
    <section className="page page-wide" aria-labelledby="conference-title">
      <Breadcrumbs links={[{ href: `/?q=${encodeURIComponent(name)}`, label: 'Search' }]} current="Conference" />
      <div className="page-head page-head-row">
        <div>
          <h1 id="conference-title">
            {name} {detail?.conference.live ? <LiveBadge /> : null}
          </h1>
          {detail ? <ConferenceMeta detail={detail} full={full} /> : null}
        </div>
        <Link
          className="btn btn-small"
          prefetch={false}
          href={reportHref(name, zoom.range)}
          data-testid="conference-report-link"
        >
          Print / Save as PDF
        </Link>
      </div>

      <DataState
        testId="conference-state"
        query={query}
        isEmpty={!detail || detail.participants.length === 0 || !domain}
        loadingLabel="Loading the conference…"
        empty={<p>No sessions in this conference yet.</p>}
      >
        {detail && domain ? (
          <>
            <div className="panel">
              <h2 className="panel-title">Who receives whom</h2>
              <PairsList pairs={pairs} onZoom={zoom.select} />
            </div>
            <ZoomBar zoom={zoom} domain={domain} />
            <ParticipantGrid name={name} detail={detail} pairs={pairs} zoom={zoom} domain={domain} />
            {/* Below the columns: its rows arrive after hydration and must not move the columns as they do. */}
            <MonitoringEventsPanel name={name} live={detail.conference.live} />
          </>
        ) : null}
      </DataState>
    </section>
  );
}

/**
 * Runs once, at hydration: a window wider than the server assumed shows more columns; ask for their top series
 * now rather than when each panel mounts (those the server sent are fresh in the cache and not fetched again).
 */
function usePrefetchFirstScreen(detail: ConferenceDetail | undefined, range: ZoomState['range']) {
  const queryClient = useQueryClient();
  // biome-ignore lint/correctness/useExhaustiveDependencies: on purpose only at mount; later changes refetch through the panels
  useEffect(() => {
    if (!detail) return;
    const columns = Math.max(1, Math.ceil(window.innerWidth / COLUMN_MIN_WIDTH));
    for (const track of firstScreenTracks(detail, columns)) {
      void queryClient.prefetchQuery(trackSeriesQuery(track.sessionId, track.trackKey, trackPanelSeriesRange(range)));
    }
  }, []);
}

/** The printable report of what the page shows: the same zoom range. */
function reportHref(name: string, range: ZoomState['range']): string {
  const path = `/conferences/${encodeURIComponent(name)}/report`;
  return range ? `${path}?from=${range.from}&to=${range.to}` : path;
}

function ConferenceMeta({ detail, full }: { detail: ConferenceDetail; full: [number, number] | null }) {
  const { formatDateTime } = useTimeFormat();
  return (
    <p className="muted" data-testid="conference-meta">
      {detail.participants.length} participant{detail.participants.length === 1 ? '' : 's'} ·{' '}
      {detail.conference.sessionCount} session{detail.conference.sessionCount === 1 ? '' : 's'}
      {full ? ` · ${formatDateTime(full[0])} · ${formatDuration(full[1] - full[0])}` : ''}
    </p>
  );
}

/** The shown range and the zoom buttons (the keyboard's way to do what dragging on a chart does). */
function ZoomBar({ zoom, domain }: { zoom: ZoomState; domain: [number, number] }) {
  const { formatTime } = useTimeFormat();
  const { zoomed } = zoom;
  return (
    <div
      className="zoom-bar panel"
      data-testid="zoom-bar"
      data-from={domain[0]}
      data-to={domain[1]}
      data-zoomed={zoomed}
    >
      <span>
        <strong>{zoomed ? 'Zoomed' : 'Whole call'}:</strong> {formatTime(domain[0])} – {formatTime(domain[1])} (
        {formatDuration(domain[1] - domain[0])})
      </span>
      <span className="muted small">
        Drag across any chart to zoom; hover one chart and every chart shows the same instant.
      </span>
      <span className="zoom-buttons">
        <button type="button" className="btn btn-small" onClick={zoom.zoomIn} data-testid="zoom-in">
          Zoom in
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={zoom.zoomOut}
          disabled={!zoomed}
          data-testid="zoom-out"
        >
          Zoom out
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={zoom.reset}
          disabled={!zoomed}
          data-testid="zoom-reset"
        >
          Whole call
        </button>
      </span>
    </div>
  );
}

function ParticipantGrid({
  name,
  detail,
  pairs,
  zoom,
  domain,
}: {
  name: string;
  detail: ConferenceDetail;
  pairs: ReturnType<typeof describePairs>;
  zoom: ZoomState;
  domain: [number, number];
}) {
  const senders = useMemo(() => senderOf(pairs), [pairs]);
  const selected = useSelectedTrack();
  const eventsBySession = useMemo(() => {
    const map = new Map<string, TimelineEvent[]>();
    for (const lane of detail.timeline) map.set(lane.sessionId, lane.events);
    return map;
  }, [detail]);
  const trackCount = detail.participants.reduce((n, p) => n + p.sessions.reduce((m, s) => m + s.tracks.length, 0), 0);
  return (
    <div
      className="participant-grid"
      data-testid="participant-grid"
      style={{ gridTemplateColumns: `repeat(${detail.participants.length}, minmax(${COLUMN_MIN_WIDTH}px, 1fr))` }}
    >
      {detail.participants.map((p) => (
        // One boundary per column: nothing suspends, so the server's HTML is unchanged, but the browser
        // hydrates the columns one task each and can parse and paint in between, instead of one long task.
        <Suspense key={p.user ?? p.sessions[0]?.id}>
          <ParticipantColumn
            participant={p}
            events={p.sessions.flatMap((s) => eventsBySession.get(s.id) ?? [])}
            domain={domain}
            range={zoom.range}
            syncId={`conference:${name}`}
            senders={senders}
            lazy={trackCount > EAGER_TRACK_LIMIT}
            onRangeSelect={zoom.select}
            selectedTrack={selected.id}
            onSelectTrack={selected.toggle}
          />
        </Suspense>
      ))}
    </div>
  );
}
