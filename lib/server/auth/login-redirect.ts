import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { safeReturnPath } from '@/lib/shared/safe-path';

/** Sends a signed-out visitor to /login, to come back to the page they asked for (proxy.ts passes it on). */
export async function redirectToLogin(): Promise<never> {
  const back = safeReturnPath((await headers()).get('x-callscope-url'));
  redirect(back && back !== '/' ? `/login?callbackUrl=${encodeURIComponent(back)}` : '/login');
}
