'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiRequest } from '@/lib/client/api-client';
import { queryKeys } from '@/lib/client/query-keys';
import type { CreateStaffInput, StaffAccountDto, UpdateStaffInput } from '@/lib/schemas/settings';

const PATH = '/api/v1/settings/staff';
const AUDIT_PREFIX = ['settings', 'audit'] as const;

export function useStaffAccounts() {
  return useQuery({
    queryKey: queryKeys.settings.staff,
    queryFn: ({ signal }) => apiGet<{ staff: StaffAccountDto[] }>(PATH, undefined, signal),
  });
}

export function useCreateStaff() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateStaffInput) => apiRequest<{ staff: StaffAccountDto }>('POST', PATH, { body: input }),
    onSettled: () => {
      client.invalidateQueries({ queryKey: queryKeys.settings.staff });
      client.invalidateQueries({ queryKey: AUDIT_PREFIX });
    },
  });
}

export function useUpdateStaff() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...patch }: UpdateStaffInput & { id: string }) =>
      apiRequest<{ staff: StaffAccountDto }>('PATCH', `${PATH}/${encodeURIComponent(id)}`, { body: patch }),
    onSettled: () => {
      client.invalidateQueries({ queryKey: queryKeys.settings.staff });
      client.invalidateQueries({ queryKey: AUDIT_PREFIX });
    },
  });
}
