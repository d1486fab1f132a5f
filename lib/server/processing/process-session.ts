import { refreshConferenceResult } from '@/lib/server/data/conference-results';
import { beginProcessing, recordProcessingFailure, storeAnalysis } from '@/lib/server/data/session-results';
import { type DumpStore, readAll } from '@/lib/server/dump-store/dump-store';
import { logger } from '@/lib/server/logger';
import { observeProcessing } from '@/lib/server/metrics';
import type { SessionAnalysis } from '@/lib/stats/analyze/types';
import { analyzeInWorker } from './worker-pool';

/**
 * Processes one session: raw dump → analysis (worker thread) → tracks, issues, summary rows. Idempotent (each run
 * replaces the previous results in one transaction) and resumable: `features_processing_start/stop` say what
 * finished, and start-up re-queues sessions whose processing never completed. The session row's identity (token
 * claims, else what the dump said) is the analysis's identity. Each run is timed in the metrics (observeProcessing).
 * A stored analysis of a session in a conference recomputes that conference's stored pairing, verdicts and timeline
 * (data/conference-results.ts); should that fail, the next read of the conference computes it. Live re-analyses
 * (every few seconds per streaming session) leave that to the next read: recomputing a whole conference after each
 * of them cost every live participant's analysis of every other, whether or not anyone looked.
 */
export async function processSession(
  sessionId: bigint,
  store: DumpStore,
  opts: { live?: boolean } = {},
): Promise<SessionAnalysis | null> {
  const startedAt = Date.now();
  const session = await beginProcessing(sessionId);
  if (!session) {
    observeProcessing(sessionId, 'skipped', startedAt);
    return null;
  }
  const conference = opts.live ? undefined : session.identity.conference;
  let analysis: SessionAnalysis;
  let bytes: Buffer;
  try {
    bytes = await readAll(await store.read(session.dumpId));
    analysis = await analyzeInWorker(bytes, session.identity);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger().warn({ sessionId: String(sessionId), err: message }, 'processing failed');
    await recordProcessingFailure(sessionId, message);
    observeProcessing(sessionId, 'failed', startedAt);
    // The run's stamp changed (its last analysis stays): stored here, not by the next reader.
    await refreshConference(sessionId, conference);
    return null;
  }
  try {
    await storeAnalysis(sessionId, analysis, bytes.length);
  } catch (err) {
    observeProcessing(sessionId, 'failed', startedAt);
    throw err;
  }
  observeProcessing(sessionId, 'stored', startedAt);
  await refreshConference(sessionId, conference);
  return analysis;
}

/** The conference's stored result after a run of one of its sessions; a failure here leaves it to the next read. */
async function refreshConference(sessionId: bigint, conference: string | undefined): Promise<void> {
  if (!conference) return;
  await refreshConferenceResult(conference).catch((err) =>
    logger().warn(
      { sessionId: String(sessionId), conference, err: err instanceof Error ? err.message : String(err) },
      'computing the conference result failed',
    ),
  );
}
