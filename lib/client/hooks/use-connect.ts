'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiPost } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { SessionPage } from '@/lib/schemas/read-api';
import type { ConnectionAttemptsResponse, TestTokenResponse } from '@/lib/schemas/connect';

/** The connect page polls while someone wires up a client: a few seconds is "live" enough, and cheap. */
export const CONNECT_POLL_MS = 2000;

/** The last 200 refused ingest attempts, newest first, polled. */
export function useRejectedAttempts() {
  return useQuery({
    queryKey: queryKeys.ingest.rejections,
    queryFn: ({ signal }) => apiGet<ConnectionAttemptsResponse>('/api/v1/ingest/rejections', undefined, signal),
    refetchInterval: CONNECT_POLL_MS,
    staleTime: 0,
  });
}

/** The newest session of all (the read API, newest first), polled: has the test client's session arrived? */
export function useNewestSession() {
  return useQuery({
    queryKey: queryKeys.ingest.newestSession,
    queryFn: ({ signal }) => apiGet<SessionPage>('/api/v1/sessions', { limit: 1 }, signal),
    select: (page) => page.sessions[0] ?? null,
    refetchInterval: CONNECT_POLL_MS,
    staleTime: 0,
  });
}

/** A fresh test token (POST: each one is minted and audited). */
export function useMintTestToken() {
  return useMutation({
    mutationFn: () => apiPost<TestTokenResponse>('/api/v1/ingest/test-token', {}),
  });
}
