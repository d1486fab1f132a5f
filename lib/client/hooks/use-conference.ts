'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { ConferenceDetail } from '@/lib/client/types';

export function useConference(name: string) {
  return useQuery({
    queryKey: queryKeys.conferences.detail(name),
    queryFn: ({ signal }) =>
      apiGet<ConferenceDetail>(`/api/v1/conferences/${encodeURIComponent(name)}`, undefined, signal),
    // A conference still in progress refreshes on its own.
    refetchInterval: (query) => (query.state.data?.conference.live ? 5000 : false),
  });
}
