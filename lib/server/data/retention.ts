import { type Actor, auditFor } from '@/lib/server/data/audit';
import { db } from '@/lib/server/db/client';

/**
 * Retention settings: how many days raw dumps, per-track series and session rows are kept (null: forever).
 * Stored in the `setting` table under one key. This module only stores the policy; the purge job reads it.
 */

export interface Retention {
  rawDumpDays: number | null;
  seriesDays: number | null;
  sessionDays: number | null;
}

export const SETTING_RETENTION = 'retention';
export const DEFAULT_RETENTION: Retention = { rawDumpDays: null, seriesDays: null, sessionDays: null };

function daysOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

export async function getRetention(): Promise<Retention & { updatedAt: Date | null }> {
  const row = await db().setting.findUnique({ where: { key: SETTING_RETENTION } });
  const value = (row?.value ?? {}) as Record<string, unknown>;
  return {
    rawDumpDays: daysOrNull(value.rawDumpDays),
    seriesDays: daysOrNull(value.seriesDays),
    sessionDays: daysOrNull(value.sessionDays),
    updatedAt: row?.updatedAt ?? null,
  };
}

/** Replaces the policy (validated by the caller's schema) and writes the audit row in the same transaction. */
export async function setRetention(
  retention: Retention,
  opts: { actor?: Actor } = {},
): Promise<Retention & { updatedAt: Date | null }> {
  const value = {
    rawDumpDays: retention.rawDumpDays,
    seriesDays: retention.seriesDays,
    sessionDays: retention.sessionDays,
  };
  await db().$transaction(async (tx) => {
    const previous = await tx.setting.findUnique({ where: { key: SETTING_RETENTION } });
    await tx.setting.upsert({
      where: { key: SETTING_RETENTION },
      create: { key: SETTING_RETENTION, value },
      update: { value },
    });
    await auditFor(opts.actor, 'retention.set', null, { previous: previous?.value ?? DEFAULT_RETENTION, value }, tx);
  });
  return getRetention();
}
