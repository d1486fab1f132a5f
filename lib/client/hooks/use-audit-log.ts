'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { AuditPage } from '@/lib/schemas/settings';

const PAGE_SIZE = 50;

/** The audit log, newest first, 50 entries a page ("Load more" fetches the next one). */
export function useAuditLog(filters: { action?: string } = {}) {
  return useInfiniteQuery({
    queryKey: queryKeys.settings.audit(filters),
    queryFn: ({ pageParam, signal }) =>
      apiGet<AuditPage>(
        '/api/v1/settings/audit',
        { limit: PAGE_SIZE, cursor: pageParam ?? undefined, action: filters.action },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    staleTime: 0,
  });
}
