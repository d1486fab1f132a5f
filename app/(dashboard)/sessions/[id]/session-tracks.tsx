'use client';

import { useMemo } from 'react';
import { useTimeFormat } from '@/components/display-zone-provider';
import { TrackPanel } from '@/components/track-panel';
import type { TrackDto } from '@/lib/client/types';
import { useSelectedTrack } from '@/lib/client/hooks/use-selected-track';
import type { ZoomState } from '@/lib/client/hooks/use-zoom-range';
import { sortTracks } from './session-model';

/** Above this many tracks, a track's series load when it scrolls into view. */
const EAGER_TRACK_LIMIT = 8;

/** The session's tracks, each with its charts on the shared (zoomable) time axis. */
export function SessionTracks({ tracks, syncId, zoom }: { tracks: TrackDto[]; syncId: string; zoom: ZoomState }) {
  const { formatTime } = useTimeFormat();
  const { domain, zoomed, range, select, reset } = zoom;
  const sorted = useMemo(() => sortTracks(tracks), [tracks]);
  const selected = useSelectedTrack();
  return (
    <section aria-labelledby="tracks-title" data-testid="session-tracks">
      <div className="section-head">
        <h2 id="tracks-title" className="section-title">
          Tracks ({tracks.length})
        </h2>
        {domain ? (
          <span className="small muted">
            {zoomed ? 'Zoomed' : 'Whole session'}: {formatTime(domain[0])} – {formatTime(domain[1])} · drag on a chart
            to zoom{' '}
            {zoomed ? (
              <button type="button" className="btn btn-small" onClick={reset} data-testid="zoom-reset">
                Whole session
              </button>
            ) : null}
          </span>
        ) : null}
      </div>
      {domain && tracks.length ? (
        <div className="track-grid">
          {sorted.map((t) => (
            <div key={t.trackKey} className="panel">
              <TrackPanel
                track={t}
                domain={domain}
                range={range}
                syncId={syncId}
                onRangeSelect={select}
                lazy={tracks.length > EAGER_TRACK_LIMIT}
                selected={selected.id === t.id}
                onSelect={selected.toggle}
              />
            </div>
          ))}
        </div>
      ) : (
        <p className="muted">No media tracks.</p>
      )}
    </section>
  );
}
