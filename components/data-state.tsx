'use client';

import type { ReactNode } from 'react';
import { ApiClientError } from '@/lib/client/api-client';

/** What DataState reads from a react-query result (query or infinite query). */
export interface QueryLike {
  isPending: boolean;
  error: unknown;
  refetch: () => unknown;
}

type Source =
  /** A query: loading while pending, its error, and "Try again" refetches it. */
  | { query: QueryLike; isLoading?: never; error?: never; onRetry?: never }
  | { query?: never; isLoading: boolean; error: unknown; onRetry?: () => void };

/**
 * Loading / error / empty in one consistent way. Renders `children` only when there is data to show.
 * `testId` lets tests wait for a section's state (`data-state="loading|error|empty|ready"`).
 */
export function DataState({
  isEmpty = false,
  empty,
  loadingLabel = 'Loading…',
  testId,
  children,
  ...source
}: Source & {
  isEmpty?: boolean;
  empty?: ReactNode;
  loadingLabel?: string;
  testId?: string;
  children: ReactNode;
}) {
  const { query } = source;
  const isLoading = query ? query.isPending : source.isLoading;
  const error = query ? query.error : source.error;
  const onRetry = query ? () => query.refetch() : source.onRetry;
  if (isLoading) {
    return (
      <div className="state state-loading" role="status" aria-live="polite" data-testid={testId} data-state="loading">
        <span className="spinner" aria-hidden="true" />
        {loadingLabel}
      </div>
    );
  }
  if (error) {
    // A 404 cannot be retried: what helps is a search (it was deleted, or the id is not quite right).
    const notFound = error instanceof ApiClientError && error.status === 404;
    return (
      <div className="state state-error" role="alert" data-testid={testId} data-state="error">
        <strong>{errorTitle(error)}</strong>
        <span>{errorMessage(error)}</span>
        {notFound ? (
          <a className="btn btn-small" href="/" data-testid="not-found-search-link">
            Search
          </a>
        ) : onRetry ? (
          <button type="button" className="btn btn-small" onClick={onRetry}>
            Try again
          </button>
        ) : null}
      </div>
    );
  }
  if (isEmpty) {
    return (
      <div className="state state-empty" data-testid={testId} data-state="empty">
        {empty ?? 'Nothing to show.'}
      </div>
    );
  }
  return <>{children}</>;
}

function errorTitle(error: unknown): string {
  if (error instanceof ApiClientError) {
    if (error.status === 401) return 'Your session has ended';
    if (error.status === 403) return 'Not allowed';
    if (error.status === 404) return 'Not found';
  }
  return 'Something went wrong';
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiClientError) {
    if (error.status === 401) return 'Sign in again to continue.';
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
