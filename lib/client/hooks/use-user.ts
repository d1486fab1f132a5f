'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { UserDetail } from '@/lib/client/types';
import type { UserErasure } from '@/lib/schemas/privacy';

export function useUser(user: string) {
  return useQuery({
    queryKey: queryKeys.users.detail(user),
    queryFn: ({ signal }) => apiGet<UserDetail>(`/api/v1/users/${encodeURIComponent(user)}`, undefined, signal),
  });
}

/** Erases everything stored about the user (admin); the user's queries and every session list are stale after. */
export function useEraseUser(user: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest<UserErasure>('DELETE', `/api/v1/users/${encodeURIComponent(user)}`),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: queryKeys.users.all });
      await client.invalidateQueries({ queryKey: queryKeys.sessions.all });
    },
  });
}
