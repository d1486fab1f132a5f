import { db, inTransaction } from '@/lib/server/db/client';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';
import { metadataTerms } from '@/lib/shared/search-terms';
import { overviewFacts } from '@/lib/stats/analyze/overview-facts';
import { encodeSeriesBlob } from '@/lib/stats/analyze/series-blob';
import type { SessionAnalysis, TrackAnalysis } from '@/lib/stats/analyze/types';

/**
 * Data access for processing: claiming a session row for a run, recording a failure, and storing a run's results
 * (tracks, issues, the session analysis and the row's quality, metadata, feedback and overview columns) in one transaction,
 * replacing the last run's. The row's update also moves it in the overview rollups (a trigger: the old run's
 * contribution out, this one's in; migration 20261204000000_overview).
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

/**
 * `seriesGz`: each track's series already gzip'd (live analyses arrive packed from their thread).
 *
 * Plain SQL on the process's pool, one transaction, a handful of statements whatever the number of tracks and
 * issues: a run's results are large nested JSON, and handing them to the Prisma client cost the main thread more
 * than anything else at scale (its argument walk was a third of the ingest thread with 1,000 live sessions
 * storing snapshots). Rows go in as one JSON document each for tracks and issues (`json_to_recordset`), series as a
 * bytea array.
 */
export async function storeAnalysis(
  sessionId: bigint,
  analysis: SessionAnalysis,
  processedBytes: number,
  seriesGz?: readonly Uint8Array<ArrayBuffer>[],
  /** Counts the session in the overview (false for a live snapshot: only its final analysis counts). */
  countInOverview = true,
): Promise<void> {
  const issueTypes = [...new Set(analysis.issues.map((i) => i.type))].sort();
  const toIso = (t: number | null | undefined) =>
    typeof t === 'number' && Number.isFinite(t) ? new Date(t).toISOString() : null;
  const tracks = analysis.tracks.map((t, i) => ({
    /** 1-based: its series' place in the bytea array. */
    n: i + 1,
    track_key: t.trackId,
    pc_id: t.pc,
    direction: t.direction,
    kind: t.kind,
    ssrc: Number.isFinite(t.ssrc) ? String(t.ssrc) : null,
    mid: t.mid ?? null,
    track_identifier: t.trackIdentifier ?? null,
    label: t.label ?? null,
    codec: t.codec ?? null,
    is_screen: t.isScreen ?? false,
    start_time: toIso(t.firstTime),
    end_time: toIso(t.lastTime),
    facts: trackFacts(t),
    summary: t.summary,
  }));
  const series = analysis.tracks.map((t, i) => Buffer.from(seriesGz?.[i] ?? encodeSeriesBlob(t.series)));
  const issues = analysis.issues.map((i) => ({
    type: i.type,
    severity: i.severity,
    track_key: i.trackId ?? null,
    pc_id: i.pc ?? null,
    start_time: toIso(i.start) ?? new Date(0).toISOString(),
    end_time: toIso(i.end),
    message: i.message,
    evidence: i.evidence ?? {},
  }));
  const id = String(sessionId);
  await inTransaction(async (q) => {
    await q('DELETE FROM track WHERE session_id = $1', [id]);
    await q('DELETE FROM detected_issue WHERE session_id = $1', [id]);
    if (tracks.length > 0) {
      await q(
        `INSERT INTO track (id, session_id, track_key, pc_id, direction, kind, ssrc, mid, track_identifier, label, codec,
                            is_screen, start_time, end_time, facts, summary, series)
         SELECT gen_random_uuid(), $1, t.track_key, t.pc_id, t.direction, t.kind, t.ssrc, t.mid, t.track_identifier,
                t.label, t.codec, t.is_screen, t.start_time, t.end_time, t.facts, t.summary, s.series
           FROM json_to_recordset($2::json)
                AS t(track_key text, pc_id text, direction text, kind text, ssrc bigint, mid text, track_identifier text,
                     label text, codec text, is_screen boolean, start_time timestamptz, end_time timestamptz,
                     facts jsonb, summary jsonb, n bigint)
           JOIN unnest($3::bytea[]) WITH ORDINALITY AS s(series, n) ON s.n = t.n`,
        [id, JSON.stringify(tracks), series],
      );
    }
    if (issues.length > 0) {
      await q(
        `INSERT INTO detected_issue (id, session_id, type, severity, track_key, pc_id, start_time, end_time, message,
                                     evidence)
         SELECT gen_random_uuid(), $1, i.type, i.severity, i.track_key, i.pc_id, i.start_time, i.end_time, i.message,
                i.evidence
           FROM json_to_recordset($2::json) AS i(type text, severity text, track_key text, pc_id text,
                                                 start_time timestamptz, end_time timestamptz, message text, evidence jsonb)`,
        [id, JSON.stringify(issues)],
      );
    }
    await q(
      `INSERT INTO session_analysis (session_id, version, client, connections, summary, warnings, updated_at)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6::jsonb, now())
       ON CONFLICT (session_id) DO UPDATE SET version = EXCLUDED.version, client = EXCLUDED.client,
         connections = EXCLUDED.connections, summary = EXCLUDED.summary, warnings = EXCLUDED.warnings, updated_at = now()`,
      [
        id,
        analysis.version,
        JSON.stringify(analysis.client ?? null),
        JSON.stringify(analysis.peerConnections ?? null),
        JSON.stringify(analysisSummary(analysis)),
        JSON.stringify(analysis.warnings ?? []),
      ],
    );
    const { metadata, feedback } = analysis.app;
    const facts = overviewFacts(analysis);
    const { rowCount } = await q(
      `UPDATE "rtcstats-server" SET features_processing_stop = now(), processed_bytes = $2, quality = $3,
              issue_types = $4::text[], issue_count = $5, processing_error = NULL, metadata = $6::jsonb,
              metadata_terms = $7::text[], feedback_rating = $8, feedback_comment = $9,
              mos = CASE WHEN $13 THEN $10 ELSE mos END, rtt_ms = CASE WHEN $13 THEN $11 ELSE rtt_ms END,
              connect_ms = CASE WHEN $13 THEN $12 ELSE connect_ms END, overview_counted = overview_counted OR $13
        WHERE id = $1`,
      [
        id,
        String(processedBytes),
        QUALITY[analysis.summary.verdict],
        issueTypes,
        analysis.issues.length,
        metadata ? JSON.stringify(metadata) : null,
        metadataTerms(metadata),
        feedback?.rating ?? null,
        feedback?.comment ?? null,
        facts.mos,
        facts.rttMs,
        facts.connectMs,
        countInOverview,
      ],
    );
    // As Prisma's update did: a row that is gone (erased meanwhile) undoes the results.
    if (rowCount === 0) throw new Error(`session ${id} not found`);
  });
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
    app: a.app,
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
