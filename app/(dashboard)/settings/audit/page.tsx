import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { AuditPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Settings → Audit log, read-only (admins only).
export default async function Page() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return <AuditPageClient />;
}
