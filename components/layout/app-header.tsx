'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { useEffect, useRef, useState } from 'react';
import { hasRole } from '@/lib/shared/roles';
import { useStaff } from './staff-context';

const NAV = [
  { href: '/overview', label: 'Overview', role: 'support' },
  { href: '/', label: 'Search', role: 'support' },
  { href: '/live', label: 'Live', role: 'support' },
  { href: '/connect', label: 'Connect', role: 'engineer' },
  { href: '/api-reference', label: 'API', role: 'support' },
  { href: '/settings', label: 'Settings', role: 'admin' },
] as const;

function isActive(pathname: string, href: string): boolean {
  if (href === '/') return pathname === '/' || pathname.startsWith('/sessions') || pathname.startsWith('/users') || pathname.startsWith('/conferences');
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function AppHeader() {
  const staff = useStaff();
  const pathname = usePathname() ?? '/';
  const [open, setOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onClick = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onClick);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onClick);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <header className="app-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link href="/" className="brand" aria-label="Callscope home">
        <span className="brand-mark" aria-hidden="true">
          ◉
        </span>
        Callscope
      </Link>
      <nav aria-label="Main" className="main-nav">
        {NAV.filter((item) => hasRole(staff?.role, item.role)).map((item) => (
          <Link
            key={item.href}
            href={item.href}
            className={isActive(pathname, item.href) ? 'nav-link active' : 'nav-link'}
            aria-current={isActive(pathname, item.href) ? 'page' : undefined}
            data-testid={`nav-${item.label.toLowerCase()}`}
          >
            {item.label}
          </Link>
        ))}
      </nav>
      <div className="user-menu" ref={menuRef}>
        <button
          type="button"
          className="user-button"
          aria-haspopup="menu"
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
          data-testid="user-menu"
        >
          <span className="avatar" aria-hidden="true">
            {(staff?.name ?? staff?.email ?? '?').charAt(0).toUpperCase()}
          </span>
          <span className="user-name">{staff?.name ?? staff?.email}</span>
          <span className={`badge role role-${staff?.role}`} data-testid="user-role">
            {staff?.role}
          </span>
        </button>
        {open ? (
          <div className="menu" role="menu">
            <div className="menu-info">
              <div>{staff?.email}</div>
              <div className="muted small">Role: {staff?.role}</div>
            </div>
            <button
              type="button"
              role="menuitem"
              className="menu-item"
              data-testid="sign-out"
              onClick={() => signOut({ callbackUrl: '/login' })}
            >
              Sign out
            </button>
          </div>
        ) : null}
      </div>
    </header>
  );
}
