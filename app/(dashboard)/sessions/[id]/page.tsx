import { notFound } from 'next/navigation';
import { Suspense } from 'react';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { getSessionRow } from '@/lib/server/data/read-sessions';
import { hasRole } from '@/lib/shared/roles';
import { SessionPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// One session: client, peer connections, ICE, event log, per-track charts, issues, raw dump.
export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  // Layouts and pages render in parallel: the role is checked here before any data is read.
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'support')) return redirectToLogin();
  // An unknown id is a 404 document (not-found.tsx), not a 200 page that fails in the browser.
  if (!(await getSessionRow(id))) notFound();
  return (
    <Suspense>
      <SessionPageClient id={id} />
    </Suspense>
  );
}
