'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { type OverviewFilters, queryKeys } from '@/lib/client/query-keys';
import type { Overview } from '@/lib/schemas/overview';

/** The Overview page's aggregates for a range and filters. */
export function useOverview(filters: OverviewFilters) {
  return useQuery({
    queryKey: queryKeys.overview.range(filters),
    queryFn: ({ signal }) => apiGet<Overview>('/api/v1/overview', { ...filters }, signal),
  });
}
