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
 */
export async function processSession(sessionId: bigint, store: DumpStore): Promise<SessionAnalysis | null> {
  const startedAt = Date.now();
  const session = await beginProcessing(sessionId);
  if (!session) {
    observeProcessing(sessionId, 'skipped', startedAt);
    return null;
  }
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
    return null;
  }
  try {
    await storeAnalysis(sessionId, analysis, bytes.length);
  } catch (err) {
    observeProcessing(sessionId, 'failed', startedAt);
    throw err;
  }
  observeProcessing(sessionId, 'stored', startedAt);
  return analysis;
}
