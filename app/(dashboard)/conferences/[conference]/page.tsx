import { Suspense } from 'react';
import type { ConferenceDetail } from '@/lib/client/types';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { getConference } from '@/lib/server/data/conferences';
import { hasRole } from '@/lib/shared/roles';
import { ConferencePageClient } from './page-client';

export const dynamic = 'force-dynamic';

// A conference: every participant side by side on one synchronized time axis, with sender→receiver pairs.
export default async function ConferencePage({ params }: { params: Promise<{ conference: string }> }) {
  const { conference } = await params;
  const name = decodeURIComponent(conference);
  // Layouts and pages render in parallel: this page checks the role itself before reading any data.
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'support')) return redirectToLogin();
  // The detail (what GET /api/v1/conferences/{name} returns) comes with the page, so the columns render and the
  // first screen's series requests start as soon as the page hydrates: one round trip earlier.
  const detail = (await getConference(name)) as ConferenceDetail | null;
  return (
    <Suspense>
      <ConferencePageClient name={name} initialData={detail ?? undefined} />
    </Suspense>
  );
}
