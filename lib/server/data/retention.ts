import type { RetentionDto } from '@/lib/schemas/settings';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import { dropConferenceResults } from '@/lib/server/data/conference-results';
import { epochMsOrNull } from '@/lib/server/data/round-numbers';
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

// ---------------------------------------------------------------------------------------------------------------
// What the purge job (retention-purge.ts) reads and deletes, in bounded batches: ended sessions by session end.

export async function endedSessionsBefore(cutoff: Date, take: number, withDump = false) {
  return db().rtcstatsSession.findMany({
    where: { status: 'ended', sessionEnd: { lt: cutoff }, ...(withDump ? { blobUrl: { not: null } } : {}) },
    select: { id: true, dumpId: true },
    take,
  });
}

/** Deletes the rows (results go with them) and the stored results of their conferences (recomputed when read). */
export async function deleteSessions(ids: bigint[]): Promise<void> {
  await db().$transaction(async (tx) => {
    const conferences = await tx.rtcstatsSession.findMany({
      where: { id: { in: ids }, rtcstatsConference: { not: null } },
      select: { rtcstatsConference: true },
      distinct: ['rtcstatsConference'],
    });
    await dropConferenceResults(
      tx,
      conferences.map((c) => c.rtcstatsConference),
    );
    await tx.rtcstatsSession.deleteMany({ where: { id: { in: ids } } });
  });
}

/** The rows keep their data; only the pointer to the deleted raw dump goes. */
export async function forgetDumps(ids: bigint[]): Promise<void> {
  await db().rtcstatsSession.updateMany({ where: { id: { in: ids } }, data: { blobUrl: null } });
}

/**
 * Drops the full-resolution series of tracks whose session ended before `cutoff`, on the track rows and in chunks
 * (a session ended without a final analysis: its node was lost); returns how many tracks' series went.
 */
export async function dropSeriesBefore(cutoff: Date): Promise<number> {
  const { count } = await db().track.updateMany({
    where: { series: { not: null }, session: { sessionEnd: { lt: cutoff } } },
    data: { series: null },
  });
  const [chunked] = await db().$queryRaw<{ tracks: number }[]>`
    WITH gone AS (
      DELETE FROM track_series_chunk c USING "rtcstats-server" r
       WHERE c.session_id = r.id AND r.session_end < ${cutoff}
      RETURNING c.session_id, c.track_key)
    SELECT count(DISTINCT (session_id, track_key))::int AS tracks FROM gone`;
  return count + (chunked?.tracks ?? 0);
}

export function retentionDto(r: Retention & { updatedAt: Date | null }): RetentionDto {
  return {
    rawDumpDays: r.rawDumpDays,
    seriesDays: r.seriesDays,
    sessionDays: r.sessionDays,
    updatedAt: epochMsOrNull(r.updatedAt),
  };
}
