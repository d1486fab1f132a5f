'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { LiveResponse } from '@/lib/client/types';

export const LIVE_POLL_MS = 2000;

/** Calls in progress, polled every 2 s (also while the tab is in the background: it is a wallboard). */
export function useLive() {
  return useQuery({
    queryKey: queryKeys.live,
    queryFn: ({ signal }) => apiGet<LiveResponse>('/api/v1/live', undefined, signal),
    refetchInterval: LIVE_POLL_MS,
    refetchIntervalInBackground: true,
    staleTime: 0,
  });
}
