'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { SETTINGS_SECTIONS } from './sections';

export function SettingsNav() {
  const pathname = usePathname() ?? '';
  return (
    <nav className="settings-nav" aria-label="Settings">
      <div className="settings-nav-title">
        <Link
          href="/settings"
          className="settings-nav-home"
          aria-current={pathname === '/settings' ? 'page' : undefined}
        >
          All settings
        </Link>
      </div>
      {SETTINGS_SECTIONS.map((s) => (
        <Link
          key={s.href}
          href={s.href}
          aria-current={pathname === s.href || pathname.startsWith(`${s.href}/`) ? 'page' : undefined}
          data-testid={`settings-nav-${s.href.split('/').pop()}`}
        >
          {s.label}
        </Link>
      ))}
    </nav>
  );
}
