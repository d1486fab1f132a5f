'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys, type SearchFilters } from '@/lib/client/query-keys';
import type { SearchResult } from '@/lib/client/types';

/** Search sessions by user / conference / session id (prefix), cursor-paginated ("Show more"). */
export function useSearch(filters: SearchFilters) {
  return useInfiniteQuery({
    queryKey: queryKeys.search.list(filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      apiGet<SearchResult>('/api/v1/search', { ...filters, cursor: pageParam ?? undefined }, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}
