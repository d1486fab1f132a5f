'use client';

import { useMutation } from '@tanstack/react-query';
import { apiPost } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { MintedTokenResponse, MintTokenInput } from '@/lib/schemas/settings';
import { useSettingsRefresh } from './use-settings-refresh';

/** The token tool: POST /api/v1/tokens as the signed-in admin (audited as token.mint). */
export function useMintToken() {
  // Minting counts towards the longest token lifetime, which drives the automatic grace period.
  const refresh = useSettingsRefresh(queryKeys.settings.signingKeys);
  return useMutation({
    mutationFn: (input: MintTokenInput) => apiPost<MintedTokenResponse>('/api/v1/tokens', input),
    onSettled: () => void refresh(),
  });
}
