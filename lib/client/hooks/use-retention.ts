'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { RetentionDto, RetentionInput } from '@/lib/schemas/settings';

const PATH = '/api/v1/settings/retention';

export function useRetention() {
  return useQuery({
    queryKey: queryKeys.settings.retention,
    queryFn: ({ signal }) => apiGet<{ retention: RetentionDto }>(PATH, undefined, signal),
  });
}

export function useSetRetention() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: RetentionInput) => apiRequest<{ retention: RetentionDto }>('PUT', PATH, { body: input }),
    onSuccess: (data) => client.setQueryData(queryKeys.settings.retention, data),
    onSettled: () => client.invalidateQueries({ queryKey: ['settings', 'audit'] }),
  });
}
