import { db } from '@/lib/server/db/client';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';
import { encodeSeriesBlob } from '@/lib/stats/analyze/series-blob';
import type { SessionAnalysis, TrackAnalysis } from '@/lib/stats/analyze/types';

/**
 * Data access for processing: claiming a session row for a run, recording a failure, and storing a run's results
 * (tracks, issues, the session analysis and the row's quality columns) in one transaction, replacing the last run's.
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

function trackFacts(track: TrackAnalysis): Omit<TrackAnalysis, 'series'> {
  const { series: _series, ...facts } = track;
  return facts;
}

const QUALITY: Record<SessionAnalysis['summary']['verdict'], string> = {
  good: 'good',
  fair: 'fair',
  poor: 'poor',
  'no-media': 'unknown',
};

/** `seriesGz`: each track's series already gzip'd (live analyses arrive packed from their thread). */
export async function storeAnalysis(
  sessionId: bigint,
  analysis: SessionAnalysis,
  processedBytes: number,
  seriesGz?: readonly Uint8Array<ArrayBuffer>[],
): Promise<void> {
  const client = db();
  const issueTypes = [...new Set(analysis.issues.map((i) => i.type))].sort();
  const toDate = (t: number | null | undefined) => (typeof t === 'number' && Number.isFinite(t) ? new Date(t) : null);
  await client.$transaction([
    client.track.deleteMany({ where: { sessionId } }),
    client.detectedIssue.deleteMany({ where: { sessionId } }),
    client.track.createMany({
      data: analysis.tracks.map((t, i) => ({
        sessionId,
        trackKey: t.trackId,
        pcId: t.pc,
        direction: t.direction,
        kind: t.kind,
        ssrc: Number.isFinite(t.ssrc) ? BigInt(t.ssrc) : null,
        mid: t.mid,
        trackIdentifier: t.trackIdentifier,
        label: t.label,
        codec: t.codec,
        isScreen: t.isScreen,
        startTime: toDate(t.firstTime),
        endTime: toDate(t.lastTime),
        facts: trackFacts(t) as object,
        summary: t.summary as object,
        series: seriesGz?.[i] ?? encodeSeriesBlob(t.series),
      })),
    }),
    client.detectedIssue.createMany({
      data: analysis.issues.map((i) => ({
        sessionId,
        type: i.type,
        severity: i.severity,
        trackKey: i.trackId,
        pcId: i.pc,
        startTime: toDate(i.start) ?? new Date(0),
        endTime: toDate(i.end),
        message: i.message,
        evidence: i.evidence as object,
      })),
    }),
    client.sessionAnalysis.upsert({
      where: { sessionId },
      create: {
        sessionId,
        version: analysis.version,
        client: analysis.client as object,
        connections: analysis.peerConnections as object,
        summary: analysisSummary(analysis) as object,
        warnings: analysis.warnings,
      },
      update: {
        version: analysis.version,
        client: analysis.client as object,
        connections: analysis.peerConnections as object,
        summary: analysisSummary(analysis) as object,
        warnings: analysis.warnings,
      },
    }),
    client.rtcstatsSession.update({
      where: { id: sessionId },
      data: {
        featuresProcessingStop: new Date(),
        processedBytes: BigInt(processedBytes),
        quality: QUALITY[analysis.summary.verdict],
        issueTypes,
        issueCount: analysis.issues.length,
        processingError: null,
      },
    }),
  ]);
}

/** Everything of SessionAnalysis that is neither tracks, connections, client nor issues. */
function analysisSummary(a: SessionAnalysis) {
  return {
    summary: a.summary,
    counts: a.counts,
    identity: a.identity,
    source: a.source,
    start: a.start,
    end: a.end,
  };
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

/** The processing error the session's last run left, if any (the job queue retries such runs). */
export async function processingErrorOf(sessionId: bigint): Promise<string | null> {
  const row = await db().rtcstatsSession.findUnique({ where: { id: sessionId }, select: { processingError: true } });
  return row?.processingError ?? null;
}
