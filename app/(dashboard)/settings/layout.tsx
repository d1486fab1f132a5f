import { forbidden } from 'next/navigation';
import type { ReactNode } from 'react';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { SettingsNav } from './settings-nav';
import './settings.css';
import { WebhooksDisabledBanner } from './webhooks/disabled-banner';

export const dynamic = 'force-dynamic';

// Every settings screen: admins only (each page and every settings API route check again).
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return (
    <div className="settings">
      <SettingsNav />
      <div className="settings-body">
        <WebhooksDisabledBanner />
        {children}
      </div>
    </div>
  );
}
