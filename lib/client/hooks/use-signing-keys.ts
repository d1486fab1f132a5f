'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type {
  GracePeriodDto,
  GracePeriodInput,
  NewSigningKeyResponse,
  SigningKeyDto,
  SigningKeyInput,
  SigningKeysResponse,
} from '@/lib/schemas/settings';
import { useSettingsRefresh } from './use-settings-refresh';

const PATH = '/api/v1/settings/keys';

export function useSigningKeys() {
  return useQuery({
    queryKey: queryKeys.settings.signingKeys,
    queryFn: ({ signal }) => apiGet<SigningKeysResponse>(PATH, undefined, signal),
    // Usage counters move while the page is open.
    refetchInterval: 30_000,
  });
}

/**
 * After a change: refetch the key list and the audit log. The mutation settles only once the list is fresh, so the
 * page never shows a new secret beside the old list (the rotation e2e test caught that once).
 */
function useRefreshKeys() {
  return useSettingsRefresh(queryKeys.settings.signingKeys);
}

/** Create the first key or rotate. The answer's secret is shown once: keep it in component state only. */
export function useNewSigningKey() {
  const refreshKeys = useRefreshKeys();
  return useMutation({
    mutationFn: (input: SigningKeyInput) => apiRequest<NewSigningKeyResponse>('POST', PATH, { body: input }),
    onSettled: refreshKeys,
  });
}

export function useRevokeSigningKey() {
  const refreshKeys = useRefreshKeys();
  return useMutation({
    mutationFn: (id: string) => apiRequest<{ key: SigningKeyDto }>('DELETE', `${PATH}/${encodeURIComponent(id)}`),
    onSettled: refreshKeys,
  });
}

export function useSetGracePeriod() {
  const refreshKeys = useRefreshKeys();
  return useMutation({
    mutationFn: (input: GracePeriodInput) =>
      apiRequest<{ grace: GracePeriodDto }>('PUT', `${PATH}/grace`, { body: input }),
    onSettled: refreshKeys,
  });
}
