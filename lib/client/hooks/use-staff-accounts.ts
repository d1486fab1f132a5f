'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { CreateStaffInput, StaffAccountDto, UpdateStaffInput } from '@/lib/schemas/settings';
import { useSettingsRefresh } from './use-settings-refresh';

const PATH = '/api/v1/settings/staff';

export function useStaffAccounts() {
  return useQuery({
    queryKey: queryKeys.settings.staff,
    queryFn: ({ signal }) => apiGet<{ staff: StaffAccountDto[] }>(PATH, undefined, signal),
  });
}

export function useCreateStaff() {
  const refresh = useSettingsRefresh(queryKeys.settings.staff);
  return useMutation({
    mutationFn: (input: CreateStaffInput) => apiRequest<{ staff: StaffAccountDto }>('POST', PATH, { body: input }),
    onSettled: () => void refresh(),
  });
}

export function useUpdateStaff() {
  const refresh = useSettingsRefresh(queryKeys.settings.staff);
  return useMutation({
    mutationFn: ({ id, ...patch }: UpdateStaffInput & { id: string }) =>
      apiRequest<{ staff: StaffAccountDto }>('PATCH', `${PATH}/${encodeURIComponent(id)}`, { body: patch }),
    onSettled: () => void refresh(),
  });
}
