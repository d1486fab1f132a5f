'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiPost } from '@/lib/client/api-client';
import type { MintedTokenResponse, MintTokenInput } from '@/lib/schemas/settings';

/** The token tool: POST /api/v1/tokens as the signed-in admin (audited as token.mint). */
export function useMintToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: MintTokenInput) => apiPost<MintedTokenResponse>('/api/v1/tokens', input),
    onSettled: () => {
      client.invalidateQueries({ queryKey: ['settings', 'audit'] });
      // Minting counts towards the longest token lifetime, which drives the automatic grace period.
      client.invalidateQueries({ queryKey: ['settings', 'signing-keys'] });
    },
  });
}
