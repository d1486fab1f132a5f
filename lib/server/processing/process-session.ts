import { gzipSync } from 'node:zlib';
import { db } from '@/lib/server/db/client';
import { logger } from '@/lib/server/logger';
import { readAll, type DumpStore } from '@/lib/server/storage';
import type { SessionAnalysis, TrackAnalysis } from '@/lib/stats/analyze/types';
import { analyzeInWorker } from './worker-pool';

/**
 * Processes one session: raw dump → analysis (worker thread) → tracks, issues, summary rows. Idempotent (each run
 * replaces the previous results in one transaction) and resumable: `features_processing_start/stop` say what
 * finished, and start-up re-queues sessions whose processing never completed.
 */
export async function processSession(sessionId: bigint, store: DumpStore): Promise<SessionAnalysis | null> {
  const client = db();
  const row = await client.rtcstatsSession.findUnique({ where: { id: sessionId } });
  if (!row) return null;
  if (row.status === 'ended' && !row.blobUrl) return null; // zero-message connection: nothing to process
  await client.rtcstatsSession.update({
    where: { id: sessionId },
    data: { featuresProcessingStart: new Date(), processingError: null },
  });
  let analysis: SessionAnalysis;
  let bytes: Buffer;
  try {
    bytes = await readAll(await store.read(row.dumpId));
    analysis = await analyzeInWorker(bytes);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger().warn({ sessionId: String(sessionId), err: message }, 'processing failed');
    await client.rtcstatsSession.update({
      where: { id: sessionId },
      data: { processingError: message.slice(0, 2000), featuresProcessingStop: new Date() },
    });
    return null;
  }
  await storeAnalysis(sessionId, analysis, bytes.length);
  return analysis;
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

export async function storeAnalysis(sessionId: bigint, analysis: SessionAnalysis, processedBytes: number): Promise<void> {
  const client = db();
  const issueTypes = [...new Set(analysis.issues.map((i) => i.type))].sort();
  const toDate = (t: number | null | undefined) => (typeof t === 'number' && Number.isFinite(t) ? new Date(t) : null);
  await client.$transaction([
    client.track.deleteMany({ where: { sessionId } }),
    client.detectedIssue.deleteMany({ where: { sessionId } }),
    client.track.createMany({
      data: analysis.tracks.map((t) => ({
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
        series: gzipSync(JSON.stringify(t.series), { level: 4 }),
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
export function analysisSummary(a: SessionAnalysis) {
  return {
    summary: a.summary,
    counts: a.counts,
    identity: a.identity,
    source: a.source,
    start: a.start,
    end: a.end,
  };
}

/** Sessions whose processing never finished (crash, restart) or is older than their end. */
export async function unfinishedSessions(): Promise<bigint[]> {
  const rows = await db().$queryRaw<{ id: bigint }[]>`
    SELECT id FROM "rtcstats-server"
    WHERE status = 'ended' AND blob_url IS NOT NULL
      AND (features_processing_stop IS NULL OR features_processing_stop < session_end
           OR (features_processing_start IS NOT NULL AND features_processing_stop < features_processing_start))
    ORDER BY id`;
  return rows.map((r) => r.id);
}
