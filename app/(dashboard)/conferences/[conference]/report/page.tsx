import { dehydrate, HydrationBoundary, QueryClient } from '@tanstack/react-query';
import { notFound } from 'next/navigation';
import { queryKeys, trackPanelSeriesRange } from '@/lib/client/query-keys';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { getConference } from '@/lib/server/data/conferences';
import { readTrackSeries } from '@/lib/server/data/read-sessions';
import { hasRole } from '@/lib/shared/roles';
import { reportTracks, zoomRange } from '../conference-model';
import { ConferenceReportClient } from './page-client';

export const dynamic = 'force-dynamic';

// A conference's report, made for printing (the browser saves it as a PDF): every chart arrives drawn.
export default async function ConferenceReportPage({
  params,
  searchParams,
}: {
  params: Promise<{ conference: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { conference } = await params;
  const name = decodeURIComponent(conference);
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'support')) return redirectToLogin();
  const detail = await getConference(name);
  if (!detail) notFound();

  // Every charted track's series under the key its panel reads (as the conference page's first screen): a page
  // printed as soon as it loads holds every chart, and hydration fetches nothing.
  const query = await searchParams;
  const range = trackPanelSeriesRange(zoomRange(first(query.from), first(query.to)));
  const queryClient = new QueryClient();
  const tracks = reportTracks(detail).flatMap((p) => p.tracks);
  await Promise.all(
    tracks.map(async (track) => {
      const series = await readTrackSeries(track.sessionId, track.trackKey, {
        ...range,
        metrics: range.metrics.split(','),
      });
      if (series) queryClient.setQueryData(queryKeys.sessions.series(track.sessionId, track.trackKey, range), series);
    }),
  );
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ConferenceReportClient name={name} initialData={detail} />
    </HydrationBoundary>
  );
}

function first(v: string | string[] | undefined): string | null {
  return (Array.isArray(v) ? v[0] : v) ?? null;
}
