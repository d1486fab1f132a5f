'use client';

import Link from 'next/link';
import { useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useCallback, useEffect, useMemo } from 'react';
import { DataState } from '@/components/data-state';
import { LiveBadge } from '@/components/ui/badges';
import { formatDuration } from '@/lib/client/format';
import { useConference } from '@/lib/client/hooks/use-conference';
import { trackSeriesQuery } from '@/lib/client/hooks/use-track-series';
import { trackPanelSeriesRange } from '@/lib/client/query-keys';
import type { ConferenceDetail, TimelineEvent } from '@/lib/client/types';
import { describePairs, firstScreenTracks, fullDomain, senderOf, zoomRange } from './conference-model';
import { PairsList } from './pairs-list';
import { ParticipantColumn } from './participant-column';
import { useTimeFormat } from '@/components/display-zone-provider';

/** Above this many tracks, series load as they scroll into view (keeps a 10 × 1 h conference fast). */
const EAGER_TRACK_LIMIT = 24;
/** A participant column's narrowest width (px); wider screens show more columns side by side. */
const COLUMN_MIN_WIDTH = 340;
const MIN_ZOOM_MS = 2000;

export function ConferencePageClient({ name, initialData }: { name: string; initialData?: ConferenceDetail }) {
  const { formatTime, formatDateTime } = useTimeFormat();
  const router = useRouter();
  const pathname = usePathname() ?? '';
  const params = useSearchParams();
  // The server renders the page with the detail and the first screen's series (page.tsx); times in the display
  // zone the server used too (DisplayZoneProvider), so hydration keeps what was drawn.
  const query = useConference(name, initialData);
  const detail = query.data;

  const zoomFrom = params.get('from');
  const zoomTo = params.get('to');
  const full = useMemo(() => (detail ? fullDomain(detail) : null), [detail]);
  const range = useMemo(() => zoomRange(zoomFrom, zoomTo), [zoomFrom, zoomTo]);
  const zoomed = range !== undefined;
  const domain = useMemo<[number, number] | null>(() => (range ? [range.from, range.to] : full), [range, full]);

  // Runs once, at hydration: a window wider than the server assumed shows more columns; ask for their top series
  // now rather than when each panel mounts (those the server sent are fresh in the cache and not fetched again).
  const queryClient = useQueryClient();
  const serverDetail = query.data;
  // biome-ignore lint/correctness/useExhaustiveDependencies: on purpose only at mount; later changes refetch through the panels
  useEffect(() => {
    if (!serverDetail) return;
    const columns = Math.max(1, Math.ceil(window.innerWidth / COLUMN_MIN_WIDTH));
    for (const track of firstScreenTracks(serverDetail, columns)) {
      void queryClient.prefetchQuery(trackSeriesQuery(track.sessionId, track.trackKey, trackPanelSeriesRange(range)));
    }
  }, []);

  const setRange = useCallback(
    (from: number | null, to: number | null) => {
      const next = new URLSearchParams(params.toString());
      if (from == null || to == null) {
        next.delete('from');
        next.delete('to');
      } else {
        next.set('from', String(Math.round(from)));
        next.set('to', String(Math.round(Math.max(to, from + MIN_ZOOM_MS))));
      }
      const qs = next.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );
  const onRangeSelect = useCallback((from: number, to: number) => setRange(from, to), [setRange]);

  const zoomOut = () => {
    if (!domain || !full) return;
    const span = domain[1] - domain[0];
    const from = Math.max(full[0], domain[0] - span / 2);
    const to = Math.min(full[1], domain[1] + span / 2);
    if (from <= full[0] && to >= full[1]) setRange(null, null);
    else setRange(from, to);
  };
  const zoomIn = () => {
    if (!domain) return;
    const span = domain[1] - domain[0];
    if (span / 2 < MIN_ZOOM_MS) return;
    setRange(domain[0] + span / 4, domain[1] - span / 4);
  };

  const pairs = useMemo(() => (detail ? describePairs(detail) : []), [detail]);
  const senders = useMemo(() => senderOf(pairs), [pairs]);
  const eventsBySession = useMemo(() => {
    const map = new Map<string, TimelineEvent[]>();
    for (const lane of detail?.timeline ?? []) map.set(lane.sessionId, lane.events);
    return map;
  }, [detail]);
  const trackCount = detail?.participants.reduce((n, p) => n + p.sessions.reduce((m, s) => m + s.tracks.length, 0), 0) ?? 0;
  const syncId = `conference:${name}`;

  return (
    <section className="page page-wide" aria-labelledby="conference-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link href={`/?q=${encodeURIComponent(name)}`}>Search</Link> / Conference
      </nav>
      <div className="page-head">
        <h1 id="conference-title">
          {name} {detail?.conference.live ? <LiveBadge /> : null}
        </h1>
        {detail ? (
          <p className="muted" data-testid="conference-meta">
            {detail.participants.length} participant{detail.participants.length === 1 ? '' : 's'} ·{' '}
            {detail.conference.sessionCount} session{detail.conference.sessionCount === 1 ? '' : 's'}
            {full ? ` · ${formatDateTime(full[0])} · ${formatDuration(full[1] - full[0])}` : ''}
          </p>
        ) : null}
      </div>

      <DataState
        testId="conference-state"
        isLoading={query.isPending}
        error={query.error}
        onRetry={() => query.refetch()}
        isEmpty={!detail || detail.participants.length === 0 || !domain}
        loadingLabel="Loading the conference…"
        empty={<p>No sessions in this conference yet.</p>}
      >
        {detail && domain ? (
          <>
            <div className="panel">
              <h2 className="panel-title">Who receives whom</h2>
              <PairsList pairs={pairs} onZoom={onRangeSelect} />
            </div>

            <div className="zoom-bar panel" data-testid="zoom-bar" data-from={domain[0]} data-to={domain[1]} data-zoomed={zoomed}>
              <span>
                <strong>{zoomed ? 'Zoomed' : 'Whole call'}:</strong> {formatTime(domain[0])} – {formatTime(domain[1])} (
                {formatDuration(domain[1] - domain[0])})
              </span>
              <span className="muted small">Drag across any chart to zoom; hover one chart and every chart shows the same instant.</span>
              <span className="zoom-buttons">
                <button type="button" className="btn btn-small" onClick={zoomIn} data-testid="zoom-in">
                  Zoom in
                </button>
                <button type="button" className="btn btn-small" onClick={zoomOut} disabled={!zoomed} data-testid="zoom-out">
                  Zoom out
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => setRange(null, null)}
                  disabled={!zoomed}
                  data-testid="zoom-reset"
                >
                  Whole call
                </button>
              </span>
            </div>

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
                  range={range}
                  syncId={syncId}
                  senders={senders}
                  lazy={trackCount > EAGER_TRACK_LIMIT}
                  onRangeSelect={onRangeSelect}
                />
                </Suspense>
              ))}
            </div>
          </>
        ) : null}
      </DataState>
    </section>
  );
}
