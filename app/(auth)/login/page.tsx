import { redirect } from 'next/navigation';
import { getStaffSession, ssoProviderName } from '@/lib/server/auth/staff-auth';
import { countStaff } from '@/lib/server/data/staff';
import { safeReturnPath } from '@/lib/shared/safe-path';
import { LoginForm } from './login-form';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getStaffSession()) redirect('/');
  const params = await searchParams;
  // Only same-site paths: never bounce a fresh sign-in to another origin.
  const callbackUrl = safeReturnPath(typeof params.callbackUrl === 'string' ? params.callbackUrl : null) ?? '/';
  const needsSetup = (await countStaff()) === 0;
  // next-auth sends a refused single sign-on back here with ?error=…
  const error = typeof params.error === 'string' ? params.error.slice(0, 200) : null;
  return <LoginForm callbackUrl={callbackUrl} needsSetup={needsSetup} sso={ssoProviderName()} initialError={error} />;
}
