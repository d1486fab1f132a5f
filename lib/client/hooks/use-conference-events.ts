'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { MonitoringEventList } from '@/lib/schemas/monitoring';

/** The most the conference page lists (the API's page limit). */
const LIMIT = 1000;

/**
 * A conference's session-monitoring events, oldest first. While the conference is live they refresh every few
 * seconds, as its detail does.
 */
export function useConferenceEvents(name: string, live: boolean) {
  return useQuery({
    queryKey: queryKeys.conferences.events(name),
    queryFn: ({ signal }) =>
      apiGet<MonitoringEventList>(`/api/v1/conferences/${encodeURIComponent(name)}/events`, { limit: LIMIT }, signal),
    refetchInterval: live ? 5000 : false,
  });
}
