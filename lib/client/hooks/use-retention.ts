'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { RetentionDto, RetentionInput } from '@/lib/schemas/settings';
import { useSettingsRefresh } from './use-settings-refresh';

const PATH = '/api/v1/settings/retention';

export function useRetention() {
  return useQuery({
    queryKey: queryKeys.settings.retention,
    queryFn: ({ signal }) => apiGet<{ retention: RetentionDto }>(PATH, undefined, signal),
  });
}

export function useSetRetention() {
  const client = useQueryClient();
  // The answer is the new setting: no refetch of it, only of the audit log.
  const refreshAudit = useSettingsRefresh();
  return useMutation({
    mutationFn: (input: RetentionInput) => apiRequest<{ retention: RetentionDto }>('PUT', PATH, { body: input }),
    onSuccess: (data) => client.setQueryData(queryKeys.settings.retention, data),
    onSettled: () => refreshAudit(),
  });
}
