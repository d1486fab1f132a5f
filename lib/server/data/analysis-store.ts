import type { RtcstatsIdentity } from '@/lib/shared/auth-token';
import { metadataTerms } from '@/lib/shared/search-terms';
import { overviewFacts } from '@/lib/stats/analyze/overview-facts';
import { encodeSeriesBlob, type SeriesChunks } from '@/lib/stats/analyze/series-blob';
import type { SessionAnalysis, TrackAnalysis } from '@/lib/stats/analyze/types';
import { retryOnDeadlock, type Transaction } from '../db/transaction';

/**
 * Storing runs' results: tracks (with their series), issues, the session analysis, and the row's quality,
 * metadata, feedback and overview columns, any number of sessions in one transaction, replacing each one's last
 * run. The row's update also moves it in the overview rollups (a trigger: the old run's contribution out, this
 * one's in; migration 20261204000000_overview). The caller gives the transaction: the process's pool
 * (session-results.ts) or a live analysis thread's own (db/thread-database.ts); no Prisma here, so a worker thread
 * can import it.
 */

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

/** One run's results to store (storeAnalyses). */
export interface AnalysisToStore {
  sessionId: bigint;
  analysis: SessionAnalysis;
  processedBytes: number;
  /** Each track's series already gzip'd (live analyses arrive packed from their thread). */
  seriesGz?: readonly Uint8Array<ArrayBuffer>[];
  /**
   * A live snapshot: each track's rows since the last stored snapshot, appended to track_series_chunk (the track
   * row's series stays NULL). Without them the whole series goes on the track row and the chunks are dropped.
   */
  seriesChunks?: SeriesChunks;
  /** Counts the session in the overview (false for a live snapshot: only its final analysis counts). */
  countInOverview?: boolean;
  /**
   * A live analysis: the run starts here (no beginProcessing before it), and the row's identity wins over the
   * analysis's field by field (as passing it to the analyser does for a dump). A final may come before the row
   * says where its dump is (it is being compressed).
   */
  live?: boolean;
}

/**
 * What storeAnalyses did with one item: stored (with the conference of the identity it was stored with), or not
 * (the row is gone).
 */
export type StoreOutcome = { stored: true; conference: string | undefined } | { stored: false };

const toIso = (t: number | null | undefined) =>
  typeof t === 'number' && Number.isFinite(t) ? new Date(t).toISOString() : null;

/** The row's identity over the analysis's, field by field. */
function withIdentity(fromDump: SessionAnalysis['identity'], row: RtcstatsIdentity): SessionAnalysis['identity'] {
  return {
    session: row.session ?? fromDump.session,
    user: row.user ?? fromDump.user,
    conference: row.conference ?? fromDump.conference,
  };
}

/**
 * Several sessions' runs stored in one transaction of at most nine statements, whatever the number of sessions, tracks and
 * issues (live snapshots of thousands of sessions: one store a session cost more round trips than PostgreSQL and
 * the ingest thread could give). Each session's results replace its last run's. Plain SQL on the process's pool: a
 * run's results are large nested JSON, and handing them to the Prisma client cost the main thread more than
 * anything else at scale. Rows go in as one JSON document each for tracks, issues, analyses and row updates
 * (`json_to_recordset`), every series in one binary bytea parameter (each track says where its own is; a
 * snapshot's chunks likewise). The session rows are locked only by the last statement, in id order (as every
 * batched write of them is, so batches never deadlock) and FOR NO KEY UPDATE (the tracks' foreign keys take KEY
 * SHARE locks, which it does not wait for): a batch held them from its first statement on, and the sessions' ends
 * and progress waited behind its every statement. A row that is gone stores nothing and answers `stored: false`. A session given twice keeps its last item.
 */
export async function storeAnalysesIn(
  transaction: Transaction,
  items: readonly AnalysisToStore[],
): Promise<StoreOutcome[]> {
  if (items.length === 0) return [];
  const last = new Map<string, AnalysisToStore>();
  for (const item of items) last.set(String(item.sessionId), item);
  const ids = [...last.keys()];
  // Finals move the overview rollups (a trigger): two batches may lock their buckets in different orders.
  const stored = await retryOnDeadlock(() =>
    transaction(async (q) => {
      const { rows } = await q(
        `SELECT id::text AS id, rtcstats_user, rtcstats_session, rtcstats_conference
         FROM "rtcstats-server" WHERE id = ANY($1::bigint[])`,
        [ids],
      );
      const present = new Map<string, string | undefined>();
      const tracks: object[] = [];
      const series: Uint8Array[] = [];
      let seriesBytes = 0;
      const chunks: object[] = [];
      const chunkBytes: Uint8Array[] = [];
      let chunkBytesLength = 0;
      /** Sessions whose stored chunks go: every one stored whole, and snapshots that start again from row 0. */
      const dropChunks: string[] = [];
      const issues: object[] = [];
      const analyses: object[] = [];
      const updates: object[] = [];
      for (const row of rows as {
        id: string;
        rtcstats_user: string | null;
        rtcstats_session: string | null;
        rtcstats_conference: string | null;
      }[]) {
        const item = last.get(row.id);
        if (!item) continue;
          const analysis = item.live
          ? {
              ...item.analysis,
              identity: withIdentity(item.analysis.identity, {
                user: row.rtcstats_user ?? undefined,
                session: row.rtcstats_session ?? undefined,
                conference: row.rtcstats_conference ?? undefined,
              }),
            }
          : item.analysis;
        present.set(row.id, analysis.identity.conference ?? undefined);
        const chunked = item.seriesChunks;
        if (!chunked || chunked.reset) dropChunks.push(row.id);
        analysis.tracks.forEach((t, i) => {
          const chunk = chunked?.tracks[i];
          if (chunk && chunk.rows > 0) {
            chunkBytes.push(chunk.blob);
            chunks.push({
              session_id: row.id,
              track_key: t.trackId,
              first_row: chunk.firstRow,
              row_count: chunk.rows,
              from: chunkBytesLength + 1,
              length: chunk.blob.byteLength,
            });
            chunkBytesLength += chunk.blob.byteLength;
          }
          const blob = chunked ? null : (item.seriesGz?.[i] ?? encodeSeriesBlob(t.series));
          if (blob) series.push(blob);
          tracks.push({
            /** Its series' place in the one bytea of all series (1-based, as substring counts); none when chunked. */
            from: blob ? seriesBytes + 1 : null,
            length: blob ? blob.byteLength : null,
            session_id: row.id,
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
          });
          if (blob) seriesBytes += blob.byteLength;
        });
        for (const i of analysis.issues)
          issues.push({
            session_id: row.id,
            type: i.type,
            severity: i.severity,
            track_key: i.trackId ?? null,
            pc_id: i.pc ?? null,
            start_time: toIso(i.start) ?? new Date(0).toISOString(),
            end_time: toIso(i.end),
            message: i.message,
            evidence: i.evidence ?? {},
          });
        analyses.push({
          session_id: row.id,
          version: analysis.version,
          client: analysis.client ?? null,
          connections: analysis.peerConnections ?? null,
          summary: analysisSummary(analysis),
          warnings: analysis.warnings ?? [],
        });
        const { metadata, feedback } = analysis.app;
        const facts = overviewFacts(analysis);
        updates.push({
          id: row.id,
          start: item.live === true,
          processed_bytes: String(item.processedBytes),
          quality: QUALITY[analysis.summary.verdict],
          issue_types: [...new Set(analysis.issues.map((i) => i.type))].sort(),
          issue_count: analysis.issues.length,
          metadata: metadata ?? null,
          metadata_terms: metadataTerms(metadata),
          feedback_rating: feedback?.rating ?? null,
          feedback_comment: feedback?.comment ?? null,
          mos: facts.mos,
          rtt_ms: facts.rttMs,
          connect_ms: facts.connectMs,
          counted: item.countInOverview ?? true,
        });
      }
      if (present.size === 0) return present;
      const storedIds = [...present.keys()];
      await q('DELETE FROM track WHERE session_id = ANY($1::bigint[])', [storedIds]);
      await q('DELETE FROM detected_issue WHERE session_id = ANY($1::bigint[])', [storedIds]);
      if (tracks.length > 0) {
        await q(
          `INSERT INTO track (id, session_id, track_key, pc_id, direction, kind, ssrc, mid, track_identifier, label, codec,
                            is_screen, start_time, end_time, facts, summary, series)
         SELECT gen_random_uuid(), t.session_id, t.track_key, t.pc_id, t.direction, t.kind, t.ssrc, t.mid,
                t.track_identifier, t.label, t.codec, t.is_screen, t.start_time, t.end_time, t.facts, t.summary,
                CASE WHEN t."from" IS NULL THEN NULL ELSE substring($2::bytea FROM t."from" FOR t.length) END
           FROM json_to_recordset($1::json)
                AS t(session_id bigint, track_key text, pc_id text, direction text, kind text, ssrc bigint, mid text,
                     track_identifier text, label text, codec text, is_screen boolean, start_time timestamptz,
                     end_time timestamptz, facts jsonb, summary jsonb, "from" int, length int)`,
          // One Buffer goes as a binary parameter; an array of them would go as hex text (twice the bytes).
          [JSON.stringify(tracks), Buffer.concat(series, seriesBytes)],
        );
      }
      if (dropChunks.length > 0) {
        await q('DELETE FROM track_series_chunk WHERE session_id = ANY($1::bigint[])', [dropChunks]);
      }
      if (chunks.length > 0) {
        // A chunk stored again (its store's answer was lost, then the next snapshot's rows start at it) is replaced.
        await q(
          `INSERT INTO track_series_chunk (session_id, track_key, first_row, row_count, series)
         SELECT c.session_id, c.track_key, c.first_row, c.row_count, substring($2::bytea FROM c."from" FOR c.length)
           FROM json_to_recordset($1::json)
                AS c(session_id bigint, track_key text, first_row int, row_count int, "from" int, length int)
         ON CONFLICT (session_id, track_key, first_row)
         DO UPDATE SET row_count = EXCLUDED.row_count, series = EXCLUDED.series`,
          [JSON.stringify(chunks), Buffer.concat(chunkBytes, chunkBytesLength)],
        );
      }
      if (issues.length > 0) {
        await q(
          `INSERT INTO detected_issue (id, session_id, type, severity, track_key, pc_id, start_time, end_time, message,
                                     evidence)
         SELECT gen_random_uuid(), i.session_id, i.type, i.severity, i.track_key, i.pc_id, i.start_time, i.end_time,
                i.message, i.evidence
           FROM json_to_recordset($1::json) AS i(session_id bigint, type text, severity text, track_key text,
                                                 pc_id text, start_time timestamptz, end_time timestamptz,
                                                 message text, evidence jsonb)`,
          [JSON.stringify(issues)],
        );
      }
      await q(
        `INSERT INTO session_analysis (session_id, version, client, connections, summary, warnings, updated_at)
       SELECT a.session_id, a.version, coalesce(a.client, 'null'), coalesce(a.connections, 'null'), a.summary,
              a.warnings, now()
         FROM json_to_recordset($1::json) AS a(session_id bigint, version int, client jsonb, connections jsonb,
                                               summary jsonb, warnings jsonb)
       ON CONFLICT (session_id) DO UPDATE SET version = EXCLUDED.version, client = EXCLUDED.client,
         connections = EXCLUDED.connections, summary = EXCLUDED.summary, warnings = EXCLUDED.warnings, updated_at = now()`,
        [JSON.stringify(analyses)],
      );
      // A live run starts and stops in this transaction (processing_start = stop: unfinishedSessions sees it done).
      await q(
        `WITH locked AS (SELECT id FROM "rtcstats-server" WHERE id = ANY($2::bigint[]) ORDER BY id FOR NO KEY UPDATE)
         UPDATE "rtcstats-server" r SET
              features_processing_start = CASE WHEN u.start THEN now() ELSE r.features_processing_start END,
              features_processing_stop = now(), processed_bytes = u.processed_bytes, quality = u.quality,
              issue_types = u.issue_types, issue_count = u.issue_count, processing_error = NULL,
              metadata = u.metadata, metadata_terms = u.metadata_terms, feedback_rating = u.feedback_rating,
              feedback_comment = u.feedback_comment,
              mos = CASE WHEN u.counted THEN u.mos ELSE r.mos END,
              rtt_ms = CASE WHEN u.counted THEN u.rtt_ms ELSE r.rtt_ms END,
              connect_ms = CASE WHEN u.counted THEN u.connect_ms ELSE r.connect_ms END,
              overview_counted = r.overview_counted OR u.counted
         FROM json_to_recordset($1::json) AS u(id bigint, start boolean, processed_bytes bigint, quality text,
                                               issue_types text[], issue_count int, metadata jsonb,
                                               metadata_terms text[], feedback_rating int, feedback_comment text,
                                               mos double precision, rtt_ms double precision,
                                               connect_ms int, counted boolean)
        WHERE r.id = u.id AND r.id IN (SELECT id FROM locked)`,
        [JSON.stringify(updates), storedIds],
      );
      return present;
    }),
  );
  return items.map((item) => {
    const key = String(item.sessionId);
    return stored.has(key) ? { stored: true, conference: stored.get(key) } : { stored: false };
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
