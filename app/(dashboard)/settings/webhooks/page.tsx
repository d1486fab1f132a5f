import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { WebhooksPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Settings → Webhooks: outbound session-monitoring webhooks (admins only).
export default async function Page() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return <WebhooksPageClient />;
}
