import { Breadcrumbs } from '@/components/breadcrumbs';

/**
 * The not-found document of a detail page (an unknown session, conference or user id): the page's own frame and
 * state hook (`data-state="error"`, "Not found"), rendered by that segment's not-found.tsx with HTTP status 404.
 */
export function NotFoundState({ what, testId }: { what: 'Session' | 'Conference' | 'User'; testId: string }) {
  return (
    <section className="page" aria-labelledby="not-found-title">
      <Breadcrumbs links={[{ href: '/', label: 'Search' }]} current={what} />
      <div className="page-head">
        <h1 id="not-found-title">{what} not found</h1>
      </div>
      <div className="state state-error" role="alert" data-testid={testId} data-state="error">
        <strong>Not found</strong>
        <span>
          No {what.toLowerCase()} has this id. It may have been deleted by the retention rules, or never existed.
        </span>
      </div>
    </section>
  );
}
