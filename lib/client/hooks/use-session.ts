'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { EventLog, SessionDetail } from '@/lib/client/types';

export function sessionPath(id: string): string {
  return `/api/v1/sessions/${encodeURIComponent(id)}`;
}

export function useSession(id: string) {
  return useQuery({
    queryKey: queryKeys.sessions.detail(id),
    queryFn: ({ signal }) => apiGet<SessionDetail>(sessionPath(id), undefined, signal),
  });
}

export function useSessionEvents(id: string, filters: { pc?: string; type?: string } = {}) {
  return useQuery({
    queryKey: queryKeys.sessions.events(id, filters),
    queryFn: ({ signal }) => apiGet<EventLog>(`${sessionPath(id)}/events`, filters, signal),
    staleTime: 5 * 60_000,
  });
}
