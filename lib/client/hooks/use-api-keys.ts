'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { ApiKeyDto, ApiKeyInput, NewApiKeyResponse } from '@/lib/schemas/settings';
import { useSettingsRefresh } from './use-settings-refresh';

const PATH = '/api/v1/settings/api-keys';

export function useApiKeys() {
  return useQuery({
    queryKey: queryKeys.settings.apiKeys,
    queryFn: ({ signal }) => apiGet<{ apiKeys: ApiKeyDto[] }>(PATH, undefined, signal),
  });
}

/** The answer's full key is shown once: keep it in component state only. */
export function useCreateApiKey() {
  const refresh = useSettingsRefresh(queryKeys.settings.apiKeys);
  return useMutation({
    mutationFn: (input: ApiKeyInput) => apiRequest<NewApiKeyResponse>('POST', PATH, { body: input }),
    onSettled: () => void refresh(),
  });
}

export function useRevokeApiKey() {
  const refresh = useSettingsRefresh(queryKeys.settings.apiKeys);
  return useMutation({
    mutationFn: (id: string) => apiRequest<{ apiKey: ApiKeyDto }>('DELETE', `${PATH}/${encodeURIComponent(id)}`),
    onSettled: () => void refresh(),
  });
}
