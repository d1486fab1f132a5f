'use client';

import { useQuery } from '@tanstack/react-query';
import { apiGet } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { UserDetail } from '@/lib/client/types';

export function useUser(user: string) {
  return useQuery({
    queryKey: queryKeys.users.detail(user),
    queryFn: ({ signal }) => apiGet<UserDetail>(`/api/v1/users/${encodeURIComponent(user)}`, undefined, signal),
  });
}
