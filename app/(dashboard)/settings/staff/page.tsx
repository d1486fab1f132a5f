import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { StaffPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Settings → Staff accounts: create, change role, disable, reset password (admins only).
export default async function Page() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return <StaffPageClient />;
}
