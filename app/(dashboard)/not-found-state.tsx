'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { Breadcrumbs } from '@/components/breadcrumbs';

/** The id an unknown detail URL asked for: its `at`-th path segment from the end (not-found documents get no params). */
function requestedId(pathname: string | null, at: number): string {
  const last = pathname?.split('/').filter(Boolean).at(-at) ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * The not-found document of a detail page (an unknown session, conference or user id): the page's own frame and
 * state hook (`data-state="error"`, "Not found"), rendered by that segment's not-found.tsx with HTTP status 404.
 * Nothing here can be retried, so it offers what helps instead: a search, prefilled with the id that was asked for
 * (a prefix of it, a typo, or the same id as another kind may find the call). A plain GET form: it works before
 * hydration too.
 */
export function NotFoundState({
  what,
  testId,
  idAt = 1,
}: {
  what: 'Session' | 'Conference' | 'User';
  testId: string;
  /** Which path segment from the end is the id: 1, the last; 2 under a sub-page (`/conferences/{name}/report`). */
  idAt?: number;
}) {
  const id = requestedId(usePathname(), idAt);
  return (
    <section className="page" aria-labelledby="not-found-title">
      <Breadcrumbs links={[{ href: '/', label: 'Search' }]} current={what} />
      <div className="page-head">
        <h1 id="not-found-title">{what} not found</h1>
      </div>
      <div className="state state-error" role="alert" data-testid={testId} data-state="error">
        <strong>Not found</strong>
        <span>
          No {what.toLowerCase()} has the id <span className="mono copy-id-value">{id}</span>. It may have been deleted
          by the retention rules, or never existed.
        </span>
      </div>
      <search>
        <form action="/" method="get" className="search-form panel" data-testid="not-found-search">
          <div className="search-main">
            <label className="sr-only" htmlFor="not-found-q">
              User, conference or session id
            </label>
            <input
              id="not-found-q"
              name="q"
              type="search"
              className="search-input"
              defaultValue={id}
              autoComplete="off"
              data-testid="not-found-search-input"
            />
            <button type="submit" className="btn btn-primary">
              Search
            </button>
          </div>
          <p className="muted small">
            Search matches user, conference and session ids by prefix.{' '}
            <Link href={id ? `/?q=${encodeURIComponent(id)}` : '/'} data-testid="not-found-search-link">
              Search for “{id}”
            </Link>
          </p>
        </form>
      </search>
    </section>
  );
}
