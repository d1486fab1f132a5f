'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys, type SeriesRange } from '@/lib/client/query-keys';
import type { TrackSeries } from '@/lib/client/types';
import { sessionPath } from './use-session';

/** One track's downsampled series for a time range (min/max downsampling happens on the server). `trackKey` as in the DTO. */
export function useTrackSeries(sessionId: string, trackKey: string, range: SeriesRange, enabled = true) {
  return useQuery({
    queryKey: queryKeys.sessions.series(sessionId, trackKey, range),
    queryFn: ({ signal }) =>
      apiGet<TrackSeries>(
        `${sessionPath(sessionId)}/tracks/${encodeURIComponent(trackKey)}/series`,
        { metrics: range.metrics, from: range.from, to: range.to, maxPoints: range.maxPoints },
        signal,
      ),
    enabled,
    staleTime: 5 * 60_000,
    // Zooming changes the key; keep the previous points on screen until the sharper ones arrive.
    placeholderData: (previous) => previous,
  });
}
