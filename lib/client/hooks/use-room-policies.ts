'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { RoomPolicyDto, RoomPolicyInput, UpdateRoomPolicyInput } from '@/lib/schemas/room-policies';
import { useSettingsRefresh } from './use-settings-refresh';

const PATH = '/api/v1/settings/room-policies';

export function useRoomPolicies() {
  return useQuery({
    queryKey: queryKeys.settings.roomPolicies,
    queryFn: ({ signal }) => apiGet<{ policies: RoomPolicyDto[] }>(PATH, undefined, signal),
  });
}

export function useCreateRoomPolicy() {
  const refresh = useSettingsRefresh(queryKeys.settings.roomPolicies);
  return useMutation({
    mutationFn: (input: RoomPolicyInput) => apiRequest<{ policy: RoomPolicyDto }>('POST', PATH, { body: input }),
    onSettled: () => void refresh(),
  });
}

export function useUpdateRoomPolicy() {
  const refresh = useSettingsRefresh(queryKeys.settings.roomPolicies);
  return useMutation({
    mutationFn: ({ id, ...patch }: UpdateRoomPolicyInput & { id: string }) =>
      apiRequest<{ policy: RoomPolicyDto }>('PATCH', `${PATH}/${encodeURIComponent(id)}`, { body: patch }),
    onSettled: () => void refresh(),
  });
}

export function useDeleteRoomPolicy() {
  const refresh = useSettingsRefresh(queryKeys.settings.roomPolicies);
  return useMutation({
    mutationFn: (id: string) => apiRequest<{ policy: RoomPolicyDto }>('DELETE', `${PATH}/${encodeURIComponent(id)}`),
    onSettled: () => void refresh(),
  });
}
