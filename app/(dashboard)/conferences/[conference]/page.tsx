import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import { notFound } from 'next/navigation';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { getConference } from '@/lib/server/data/conferences';
import { hasRole } from '@/lib/shared/roles';
import { firstScreenTracks } from './conference-model';
import { ConferencePageClient } from './page-client';
import { seriesCache } from './series-cache';

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

  // The first screen arrives drawn (series-cache.ts).
  const queryClient = await seriesCache(firstScreenTracks(detail, SERVER_RENDERED_COLUMNS), await searchParams);
  return (
    // No Suspense boundary: React would stream the page as a boundary revealed up to 300 ms after the header
    // (it batches reveals); without one, the drawn page is in the first paint.
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ConferencePageClient name={name} initialData={detail} />
    </HydrationBoundary>
  );
}
