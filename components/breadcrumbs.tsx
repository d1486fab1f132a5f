import Link from 'next/link';
import { Fragment } from 'react';

/** Where a detail page sits: links back (Search, its conference), then the page itself, " / " between them. */
export function Breadcrumbs({ links, current }: { links: { href: string; label: string }[]; current: string }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      {links.map((l) => (
        <Fragment key={l.href}>
          <Link href={l.href}>{l.label}</Link>
          {' / '}
        </Fragment>
      ))}
      {current}
    </nav>
  );
}
