import { seriesQuery } from '@/lib/schemas/sessions';
import { ApiError, route } from '@/lib/server/api';
import { getSessionRow, readTrackSeries } from '@/lib/server/data/read-sessions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/sessions/{id}/tracks/{trackId}/series: a track's metrics over time, min/max-downsampled.
export const GET = route<typeof seriesQuery, undefined, { id: string; trackId: string }>(
  { access: 'support', query: seriesQuery },
  async ({ params, query }) => {
    const trackKey = decodeURIComponent(params.trackId);
    const series = await readTrackSeries(params.id, trackKey, query);
    if (series) return series;
    if (!(await getSessionRow(params.id))) throw new ApiError('not_found', `No session ${params.id}`);
    throw new ApiError('not_found', `No track ${trackKey} in session ${params.id}`);
  },
);
