import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { ConnectPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Connect your app: snippets with a fresh test token, "is my data arriving", and why attempts were refused
// (engineers and admins: the token and the refused clients' details are not for support).
export default async function ConnectPage() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'engineer')) forbidden();
  return <ConnectPageClient />;
}
