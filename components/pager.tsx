'use client';

/**
 * The button under a list that shows the next page: search results and the audit log (fetched page by page) and
 * the event log (already loaded, shown 300 rows at a time). Nothing when there is no more; "Loading…" and
 * disabled while a page is on its way, so a double click asks once.
 */
export function Pager({
  hasMore,
  onMore,
  isLoading = false,
  label = 'Load more',
  testId,
}: {
  hasMore: boolean;
  onMore: () => void;
  isLoading?: boolean;
  label?: string;
  testId?: string;
}) {
  if (!hasMore) return null;
  return (
    <div className="pager">
      <button type="button" className="btn" onClick={onMore} disabled={isLoading} data-testid={testId}>
        {isLoading ? 'Loading…' : label}
      </button>
    </div>
  );
}
