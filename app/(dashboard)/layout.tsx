import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { AppHeader } from '@/components/layout/app-header';
import { IngestAuthBanner } from '@/components/layout/ingest-auth-banner';
import { StaffProvider } from '@/components/layout/staff-context';
import { Providers } from '@/components/providers';
import { redirectToLogin } from '@/lib/server/auth/login-redirect';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { DISPLAY_ZONE_COOKIE, parseDisplayZone } from '@/lib/shared/display-zone';
import '@/components/app.css';

export const dynamic = 'force-dynamic';

// Every dashboard page: signed-in staff only (roles are checked again by each page and every API route).
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const staff = await getStaffSession();
  if (!staff) return redirectToLogin();
  // Times render in the browser's zone, which it keeps in a cookie (lib/shared/display-zone.ts).
  const displayZone = parseDisplayZone((await cookies()).get(DISPLAY_ZONE_COOKIE)?.value);
  return (
    <Providers displayZone={displayZone}>
      <StaffProvider staff={staff}>
        <div className="app">
          <AppHeader />
          <IngestAuthBanner />
          <main id="main" className="app-main" tabIndex={-1}>
            {children}
          </main>
        </div>
      </StaffProvider>
    </Providers>
  );
}
