import { dehydrate, HydrationBoundary, QueryClient } from '@tanstack/react-query';
import { notFound } from 'next/navigation';
import { queryKeys, trackPanelSeriesRange } from '@/lib/client/query-keys';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { getConference } from '@/lib/server/data/conferences';
import { readTrackSeries } from '@/lib/server/data/read-sessions';
import { hasRole } from '@/lib/shared/roles';
import { firstScreenTracks, zoomRange } from './conference-model';
import { ConferencePageClient } from './page-client';

export const dynamic = 'force-dynamic';

/**
 * Columns whose top track comes with the page: as many as a 2,040 px wide window shows side by side (the page
 * cannot know the window; a wider one fetches the rest as it hydrates).
 */
const SERVER_RENDERED_COLUMNS = 6;

// A conference: every participant side by side on one synchronized time axis, with sender→receiver pairs.
export default async function ConferencePage({
  params,
  searchParams,
}: {
  params: Promise<{ conference: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { conference } = await params;
  const name = decodeURIComponent(conference);
  // Layouts and pages render in parallel: this page checks the role itself before reading any data.
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'support')) return redirectToLogin();
  const detail = await getConference(name);
  // An unknown conference is a 404 document (not-found.tsx), not a 200 page that fails in the browser.
  if (!detail) notFound();

  // The first screen arrives drawn: its series are read here and handed to the browser's query cache under the
  // key the track panels use, so the charts render on the server and hydrate without a request.
  const query = await searchParams;
  const range = trackPanelSeriesRange(zoomRange(first(query.from), first(query.to)));
  const queryClient = new QueryClient();
  await Promise.all(
    firstScreenTracks(detail, SERVER_RENDERED_COLUMNS).map(async (track) => {
      const series = await readTrackSeries(track.sessionId, track.trackKey, {
        ...range,
        metrics: range.metrics.split(','),
      });
      if (series) queryClient.setQueryData(queryKeys.sessions.series(track.sessionId, track.trackKey, range), series);
    }),
  );
  return (
    // No Suspense boundary: React would stream the page as a boundary revealed up to 300 ms after the header
    // (it batches reveals); without one, the drawn page is in the first paint.
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ConferencePageClient name={name} initialData={detail} />
    </HydrationBoundary>
  );
}

function first(v: string | string[] | undefined): string | null {
  return (Array.isArray(v) ? v[0] : v) ?? null;
}
