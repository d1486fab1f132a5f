'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { ConferenceDetail } from '@/lib/client/types';

/** `initialData`: the detail the server rendered the page with (same shape as the API's answer). */
export function useConference(name: string, initialData?: ConferenceDetail) {
  return useQuery({
    initialData,
    queryKey: queryKeys.conferences.detail(name),
    queryFn: ({ signal }) =>
      apiGet<ConferenceDetail>(`/api/v1/conferences/${encodeURIComponent(name)}`, undefined, signal),
    // A conference still in progress refreshes on its own.
    refetchInterval: (query) => (query.state.data?.conference.live ? 5000 : false),
  });
}
