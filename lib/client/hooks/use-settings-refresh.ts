'use client';

import { type QueryKey, useQueryClient } from '@tanstack/react-query';

/** Every page of the audit log, whatever its filter. */
const AUDIT_PREFIX = ['settings', 'audit'] as const;

/**
 * After a settings change: refetch what it changed (`keys`) and the audit log, which records every change. The
 * promise settles once all are fresh, for a mutation that must not finish before its list does.
 */
export function useSettingsRefresh(...keys: QueryKey[]): () => Promise<unknown> {
  const client = useQueryClient();
  return () => Promise.all([...keys, AUDIT_PREFIX].map((queryKey) => client.invalidateQueries({ queryKey })));
}
