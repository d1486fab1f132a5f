import { db, inTransaction } from '@/lib/server/db/client';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';
import type { SessionAnalysis } from '@/lib/stats/analyze/types';
import { type AnalysisToStore, type StoreOutcome, storeAnalysesIn } from './analysis-store';

/**
 * Data access for processing: claiming a session row for a run, recording a failure, and storing runs' results on
 * the process's pool (what is stored, and how: analysis-store.ts).
 */

export interface SessionToProcess {
  dumpId: string;
  identity: RtcstatsIdentity;
}

/**
 * Marks the start of a run and returns what it needs, or null when there is nothing to process (no row, or a
 * zero-message connection that ended without a dump).
 */
export async function beginProcessing(sessionId: bigint): Promise<SessionToProcess | null> {
  const client = db();
  const row = await client.rtcstatsSession.findUnique({
    where: { id: sessionId },
    select: {
      dumpId: true,
      status: true,
      blobUrl: true,
      rtcstatsUser: true,
      rtcstatsSession: true,
      rtcstatsConference: true,
    },
  });
  if (!row) return null;
  if (row.status === 'ended' && !row.blobUrl) return null;
  await client.rtcstatsSession.update({
    where: { id: sessionId },
    data: { featuresProcessingStart: new Date(), processingError: null },
  });
  return {
    dumpId: row.dumpId,
    identity: {
      user: row.rtcstatsUser ?? undefined,
      session: row.rtcstatsSession ?? undefined,
      conference: row.rtcstatsConference ?? undefined,
    },
  };
}

export async function recordProcessingFailure(sessionId: bigint, message: string): Promise<void> {
  await db().rtcstatsSession.update({
    where: { id: sessionId },
    data: { processingError: message.slice(0, 2000), featuresProcessingStop: new Date() },
  });
}

/** Runs' results stored on the process's pool (analysis-store.ts). */
export function storeAnalyses(items: readonly AnalysisToStore[]): Promise<StoreOutcome[]> {
  return storeAnalysesIn(inTransaction, items);
}

/** One run's results, replacing the last run's; throws when the row is gone (the transaction stores nothing). */
export async function storeAnalysis(
  sessionId: bigint,
  analysis: SessionAnalysis,
  processedBytes: number,
  seriesGz?: readonly Uint8Array<ArrayBuffer>[],
  countInOverview = true,
): Promise<void> {
  const [outcome] = await storeAnalyses([{ sessionId, analysis, processedBytes, seriesGz, countInOverview }]);
  if (!outcome?.stored) throw new Error(`session ${sessionId} not found`);
}

/**
 * Sessions of this host identifier whose processing never finished (crash, restart) or is older than their end.
 * Another instance's sessions (another identifier on the same database) are its own to resume.
 */
export async function unfinishedSessions(hostIdentifier: string | undefined): Promise<bigint[]> {
  const rows = await db().$queryRaw<{ id: bigint }[]>`
    SELECT id FROM "rtcstats-server"
    WHERE status = 'ended' AND blob_url IS NOT NULL
      AND host_identifier IS NOT DISTINCT FROM ${hostIdentifier ?? null}
      AND (features_processing_stop IS NULL OR features_processing_stop < session_end
           OR (features_processing_start IS NOT NULL AND features_processing_stop < features_processing_start))
    ORDER BY id`;
  return rows.map((r) => r.id);
}

/**
 * Ended sessions with a stored dump whose first event (else start) is in [since, until), optionally of one
 * conference, in id order: what npm run reprocess queues again.
 */
export async function reprocessCandidates(filter: {
  since: Date;
  until?: Date;
  conference?: string;
}): Promise<{ id: bigint; hostIdentifier: string | null }[]> {
  const rows = await db().$queryRaw<{ id: bigint; host_identifier: string | null }[]>`
    SELECT id, host_identifier FROM "rtcstats-server"
     WHERE status = 'ended' AND blob_url IS NOT NULL
       AND coalesce(first_event_at, session_start, created_at) >= ${filter.since}
       AND (${filter.until ?? null}::timestamptz IS NULL OR coalesce(first_event_at, session_start, created_at) < ${filter.until ?? null}::timestamptz)
       AND (${filter.conference ?? null}::text IS NULL OR rtcstats_conference = ${filter.conference ?? null}::text)
     ORDER BY id`;
  return rows.map((r) => ({ id: r.id, hostIdentifier: r.host_identifier }));
}

/** The processing error the session's last run left, if any (the job queue retries such runs). */
export async function processingErrorOf(sessionId: bigint): Promise<string | null> {
  const row = await db().rtcstatsSession.findUnique({ where: { id: sessionId }, select: { processingError: true } });
  return row?.processingError ?? null;
}
