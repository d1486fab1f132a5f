import 'server-only';
import { QueryClient } from '@tanstack/react-query';
import { queryKeys, trackPanelSeriesRange } from '@/lib/client/query-keys';
import type { TrackDto } from '@/lib/schemas/read-api';
import { readTrackSeries } from '@/lib/server/data/read-sessions';
import { zoomRange } from './conference-model';

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * A query cache holding these tracks' series under the key their panels read, for the zoom range of the page's
 * link: the conference page's first screen and the report arrive drawn, and hydration fetches nothing.
 */
export async function seriesCache(tracks: TrackDto[], query: SearchParams): Promise<QueryClient> {
  const range = trackPanelSeriesRange(zoomRange(first(query.from), first(query.to)));
  const queryClient = new QueryClient();
  await Promise.all(
    tracks.map(async (track) => {
      const series = await readTrackSeries(track.sessionId, track.trackKey, {
        ...range,
        metrics: range.metrics.split(','),
      });
      if (series) queryClient.setQueryData(queryKeys.sessions.series(track.sessionId, track.trackKey, range), series);
    }),
  );
  return queryClient;
}

function first(v: string | string[] | undefined): string | null {
  return (Array.isArray(v) ? v[0] : v) ?? null;
}
