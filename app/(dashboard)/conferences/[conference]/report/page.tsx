import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import { notFound } from 'next/navigation';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { getConference } from '@/lib/server/data/conferences';
import { hasRole } from '@/lib/shared/roles';
import { reportTracks } from '../conference-model';
import { seriesCache } from '../series-cache';
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

  // Every charted track's series comes with the page: printed as soon as it loads, it holds every chart.
  const queryClient = await seriesCache(
    reportTracks(detail).flatMap((p) => p.tracks),
    await searchParams,
  );
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ConferenceReportClient name={name} initialData={detail} />
    </HydrationBoundary>
  );
}
