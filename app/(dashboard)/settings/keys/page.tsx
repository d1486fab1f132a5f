import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { KeysPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Settings → Signing keys: the ingest JWT secrets (admins only).
export default async function KeysPage() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return <KeysPageClient />;
}
