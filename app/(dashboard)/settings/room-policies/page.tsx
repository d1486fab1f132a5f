import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { RoomPoliciesPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Settings → Room policies: per conference, max participants, max duration, screen sharing (admins only).
export default async function Page() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return <RoomPoliciesPageClient />;
}
