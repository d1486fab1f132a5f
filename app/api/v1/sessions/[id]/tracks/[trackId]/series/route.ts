import { ApiError, route } from '@/lib/server/api';
import { getSessionRow, getTrackSeries } from '@/lib/server/data/read-sessions';
import { seriesQuery } from '@/lib/schemas/sessions';
import { downsample, sliceSeries } from '@/lib/stats/analyze/downsample';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/sessions/{id}/tracks/{trackId}/series: a track's metrics over time, min/max-downsampled.
export const GET = route<typeof seriesQuery, undefined, { id: string; trackId: string }>(
  { access: 'support', query: seriesQuery },
  async ({ params, query }) => {
    const row = await getSessionRow(params.id);
    if (!row) throw new ApiError('not_found', `No session ${params.id}`);
    const trackKey = decodeURIComponent(params.trackId);
    const full = await getTrackSeries(row.id, trackKey);
    if (!full) throw new ApiError('not_found', `No track ${trackKey} in session ${params.id}`);
    let series = full;
    if (query.metrics) {
      const values: typeof full.values = {};
      for (const m of query.metrics) {
        const v = full.values[m as keyof typeof full.values];
        if (v) values[m as keyof typeof values] = v;
      }
      series = { t: full.t, values };
    }
    if (query.from !== undefined || query.to !== undefined) {
      series = sliceSeries(series, query.from ?? Number.NEGATIVE_INFINITY, query.to ?? Number.POSITIVE_INFINITY);
    }
    series = downsample(series, query.maxPoints);
    return { sessionId: params.id, trackId: trackKey, points: series.t.length, ...series };
  },
);
