'use client';

import { useQuery } from '@tanstack/react-query';
import { queryKeys } from '@/lib/client/query-keys';
import type { HealthResponse } from '@/lib/client/types';

export function useHealth() {
  return useQuery({
    queryKey: queryKeys.health,
    // /api/health answers 503 when degraded but still with a JSON body; the banner only needs authRequired.
    queryFn: async ({ signal }) => {
      const res = await fetch('/api/health', { signal, headers: { accept: 'application/json' } });
      return (await res.json()) as HealthResponse;
    },
    staleTime: 60_000,
  });
}
