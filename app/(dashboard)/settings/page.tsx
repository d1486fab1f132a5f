import Link from 'next/link';
import { forbidden } from 'next/navigation';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { hasRole } from '@/lib/shared/roles';
import { SETTINGS_SECTIONS } from './sections';

export const dynamic = 'force-dynamic';

// Settings overview (admins only): one card per section.
export default async function SettingsPage() {
  const staff = await getStaffSession();
  if (!hasRole(staff?.role, 'admin')) forbidden();
  return (
    <section className="page" aria-labelledby="settings-title" data-testid="settings-overview">
      <div className="page-head">
        <h1 id="settings-title">Settings</h1>
        <p className="muted">
          Ingest security, accounts and data retention. Every change is recorded in the audit log.
        </p>
      </div>
      <div className="settings-cards">
        {SETTINGS_SECTIONS.map((s) => (
          <Link key={s.href} href={s.href} className="panel settings-card">
            <h2>{s.label}</h2>
            <span className="muted">{s.description}</span>
          </Link>
        ))}
      </div>
    </section>
  );
}
