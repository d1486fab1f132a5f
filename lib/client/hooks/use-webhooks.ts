'use client';

import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type {
  CreateWebhookInput,
  UpdateWebhookInput,
  WebhookAttemptResponse,
  WebhookDeliveryList,
  WebhookEndpointDto,
  WebhookSecretResponse,
} from '@/lib/schemas/webhooks';
import { useSettingsRefresh } from './use-settings-refresh';

/**
 * Outbound webhooks in settings: the endpoints and each one's delivery log, both refreshed every few seconds while
 * shown (deliveries and the disable rule happen in the background), and the changes, after which the webhook
 * queries and the audit log are fetched again.
 */
const PATH = '/api/v1/webhooks';
const REFRESH_MS = 5_000;
const PAGE_SIZE = 25;

const endpointPath = (id: string) => `${PATH}/${encodeURIComponent(id)}`;

export function useWebhooks() {
  return useQuery({
    queryKey: queryKeys.webhooks.list,
    queryFn: ({ signal }) => apiGet<{ endpoints: WebhookEndpointDto[] }>(PATH, undefined, signal),
    refetchInterval: REFRESH_MS,
  });
}

export function useWebhookDeliveries(id: string) {
  return useInfiniteQuery({
    queryKey: queryKeys.webhooks.deliveries(id),
    queryFn: ({ pageParam, signal }) =>
      apiGet<WebhookDeliveryList>(
        `${endpointPath(id)}/deliveries`,
        { limit: PAGE_SIZE, cursor: pageParam ?? undefined },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: REFRESH_MS,
    staleTime: 0,
  });
}

/** The answer's secret is shown once: keep it in component state only. */
export function useCreateWebhook() {
  const refresh = useSettingsRefresh(queryKeys.webhooks.all);
  return useMutation({
    mutationFn: (input: CreateWebhookInput) => apiRequest<WebhookSecretResponse>('POST', PATH, { body: input }),
    onSettled: () => void refresh(),
  });
}

export function useUpdateWebhook(id: string) {
  const refresh = useSettingsRefresh(queryKeys.webhooks.all);
  return useMutation({
    mutationFn: (input: UpdateWebhookInput) =>
      apiRequest<{ endpoint: WebhookEndpointDto }>('PATCH', endpointPath(id), { body: input }),
    onSettled: () => void refresh(),
  });
}

export function useDeleteWebhook() {
  const refresh = useSettingsRefresh(queryKeys.webhooks.all);
  return useMutation({
    mutationFn: (id: string) => apiRequest<{ deleted: boolean }>('DELETE', endpointPath(id)),
    onSettled: () => void refresh(),
  });
}

export function useTestWebhook(id: string) {
  const refresh = useSettingsRefresh(queryKeys.webhooks.all);
  return useMutation({
    mutationFn: () => apiRequest<WebhookAttemptResponse>('POST', `${endpointPath(id)}/test`),
    onSettled: () => void refresh(),
  });
}

export function useRedeliver(id: string) {
  const refresh = useSettingsRefresh(queryKeys.webhooks.all);
  return useMutation({
    mutationFn: (deliveryId: string) =>
      apiRequest<WebhookAttemptResponse>(
        'POST',
        `${endpointPath(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
      ),
    onSettled: () => void refresh(),
  });
}

/** The answer's secret is shown once, like a new endpoint's. */
export function useRotateWebhookSecret(id: string) {
  const refresh = useSettingsRefresh(queryKeys.webhooks.all);
  return useMutation({
    mutationFn: (overlapHours: number) =>
      apiRequest<WebhookSecretResponse>('POST', `${endpointPath(id)}/rotate-secret`, { body: { overlapHours } }),
    onSettled: () => void refresh(),
  });
}
