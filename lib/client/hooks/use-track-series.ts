'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys, type SeriesRange } from '@/lib/client/query-keys';
import type { TrackSeries } from '@/lib/client/types';
import { sessionPath } from './use-session';

/** The query for one track's series: shared by the hook and by prefetches, so both hit the same cache entry. */
export function trackSeriesQuery(sessionId: string, trackKey: string, range: SeriesRange) {
  return {
    queryKey: queryKeys.sessions.series(sessionId, trackKey, range),
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      apiGet<TrackSeries>(
        `${sessionPath(sessionId)}/tracks/${encodeURIComponent(trackKey)}/series`,
        { metrics: range.metrics, from: range.from, to: range.to, maxPoints: range.maxPoints },
        signal,
      ),
    staleTime: 5 * 60_000,
  };
}

/** One track's downsampled series for a time range (min/max downsampling happens on the server). `trackKey` as in the DTO. */
export function useTrackSeries(sessionId: string, trackKey: string, range: SeriesRange, enabled = true) {
  return useQuery({
    ...trackSeriesQuery(sessionId, trackKey, range),
    enabled,
    // Zooming changes the key; keep the previous points on screen until the sharper ones arrive.
    placeholderData: (previous) => previous,
  });
}
