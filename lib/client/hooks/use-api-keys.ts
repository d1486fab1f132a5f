'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { ApiKeyDto, ApiKeyInput, NewApiKeyResponse } from '@/lib/schemas/settings';

const PATH = '/api/v1/settings/api-keys';
const AUDIT_PREFIX = ['settings', 'audit'] as const;

export function useApiKeys() {
  return useQuery({
    queryKey: queryKeys.settings.apiKeys,
    queryFn: ({ signal }) => apiGet<{ apiKeys: ApiKeyDto[] }>(PATH, undefined, signal),
  });
}

/** The answer's full key is shown once: keep it in component state only. */
export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ApiKeyInput) => apiRequest<NewApiKeyResponse>('POST', PATH, { body: input }),
    onSettled: () => {
      client.invalidateQueries({ queryKey: queryKeys.settings.apiKeys });
      client.invalidateQueries({ queryKey: AUDIT_PREFIX });
    },
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<{ apiKey: ApiKeyDto }>('DELETE', `${PATH}/${encodeURIComponent(id)}`),
    onSettled: () => {
      client.invalidateQueries({ queryKey: queryKeys.settings.apiKeys });
      client.invalidateQueries({ queryKey: AUDIT_PREFIX });
    },
  });
}
