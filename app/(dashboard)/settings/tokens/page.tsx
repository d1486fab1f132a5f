import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { TokenToolPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Settings → Token tool: mint an ingest token, with the trace.connect line and a backend snippet (admins only).
export default async function Page() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return <TokenToolPageClient />;
}
