import { dehydrate, HydrationBoundary, QueryClient } from '@tanstack/react-query';
import { notFound } from 'next/navigation';
import { queryKeys } from '@/lib/client/query-keys';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { getEndUser } from '@/lib/server/data/conferences';
import { hasRole } from '@/lib/shared/roles';
import { UserPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// One end user: sessions over time with their quality, and the issues that keep coming back.
export default async function UserPage({ params }: { params: Promise<{ user: string }> }) {
  const user = decodeURIComponent((await params).user);
  // Layouts and pages render in parallel: the role is checked here before any data is read.
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'support')) return redirectToLogin();
  // An unknown user is a 404 document (not-found.tsx). A known one comes with the page: what was read to tell is
  // handed to the browser's query cache under the key useUser reads, so it is not asked for a second time.
  const detail = await getEndUser(user);
  if (!detail) notFound();
  const queryClient = new QueryClient();
  queryClient.setQueryData(queryKeys.users.detail(user), detail);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <UserPageClient user={user} />
    </HydrationBoundary>
  );
}
