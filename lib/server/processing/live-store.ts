/**
 * A live analysis thread's stores (runs in the thread, analyze-worker.ts): the snapshots and finals this thread
 * made are stored by it, on its own pool (db/thread-database.ts), so neither the analyses (a structured clone of
 * every track's facts and every connection's series) nor their SQL (JSON, the loopback socket's writes) cost the
 * ingest thread. The stores in flight together are one transaction (analysis-store.ts `storeAnalysesIn`); two
 * batches at a time: they never hold the same session (the processing queue runs one run of a session at a time),
 * and one waiting for PostgreSQL does not hold up the next.
 */

import { Batcher, eachOnFailure } from '@/lib/server/batcher';
import { type AnalysisToStore, type StoreOutcome, storeAnalysesIn } from '@/lib/server/data/analysis-store';
import { threadTransaction } from '@/lib/server/db/thread-database';
import type { LiveMonitoring, PackedAnalysis } from './live-states';

const stores = new Batcher<AnalysisToStore, StoreOutcome>(
  (items) => eachOnFailure(items, (all) => storeAnalysesIn(threadTransaction, all)),
  { maxBatch: 100, concurrency: 2 },
);

/** What a live store answers the ingest thread: what was stored, and the run's monitoring changes. */
export interface LiveStoreReply {
  outcome: StoreOutcome;
  monitoring?: LiveMonitoring;
}

/** Stores a snapshot (`final: false`) or the final analysis of the session row `sessionId`. */
export async function storeLive(sessionId: bigint, packed: PackedAnalysis, final: boolean): Promise<LiveStoreReply> {
  const outcome = await stores.add({
    sessionId,
    analysis: packed.analysis,
    processedBytes: packed.bytes,
    seriesGz: packed.seriesGz,
    seriesChunks: packed.seriesChunks,
    countInOverview: final,
    live: true,
  });
  return { outcome, monitoring: packed.monitoring };
}
