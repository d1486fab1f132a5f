import { refreshConferenceResult } from '@/lib/server/data/conference-results';
import type { StoreOutcome } from '@/lib/server/data/analysis-store';
import { beginProcessing, recordProcessingFailure, storeAnalysis } from '@/lib/server/data/session-results';
import { type DumpStore, readAll } from '@/lib/server/dump-store/dump-store';
import { logger } from '@/lib/server/logger';
import { inTurn } from '@/lib/server/in-turn';
import { observeProcessing } from '@/lib/server/metrics';
import type { PackedAnalysis } from './live-states';
import { analyzeInWorker } from './worker-pool';

/**
 * After a live thread stored an analysis this node made while the session streamed (live-analysis.ts,
 * live-store.ts): a snapshot (`final: false`), or the final one, after which the conference's stored result is
 * refreshed as for any ended session (in the background: `conferenceRefreshesSettled`). `analysedUpTo`: when the data it covers was all received (the lag gauge
 * counts from there). False when the row is gone or has no dump (nothing was stored).
 */
export async function afterLiveStore(
  sessionId: bigint,
  outcome: StoreOutcome,
  opts: { final: boolean; analysedUpTo: number },
): Promise<boolean> {
  if (!outcome.stored) {
    observeProcessing(sessionId, 'skipped', opts.analysedUpTo);
    return false;
  }
  observeProcessing(sessionId, 'stored', opts.analysedUpTo);
  // In the background, a few at a time: thousands of finals at once each waited for a transaction that loads the
  // conference's analyses, holding the queue's run slots. Meanwhile a read of the conference computes it itself.
  if (opts.final) {
    const refresh = refreshInTurn(() => refreshConference(sessionId, outcome.conference));
    backgroundRefreshes.add(refresh);
    void refresh.finally(() => backgroundRefreshes.delete(refresh));
  }
  return true;
}

/** Conference results refreshed after live finals at once (each a transaction on the pool of twenty). */
const refreshInTurn = inTurn(4);
const backgroundRefreshes = new Set<Promise<void>>();

/** Resolves when the refreshes started by live finals so far are done (shutdown, before the database closes). */
export async function conferenceRefreshesSettled(): Promise<void> {
  while (backgroundRefreshes.size > 0) await Promise.allSettled([...backgroundRefreshes]);
}

/**
 * Processes one session from its stored dump: raw dump → analysis (worker thread, series gzip'd there) → tracks,
 * issues, summary rows; true when its results were stored.
 * For uploads, sessions whose node died or could not keep up live, and reprocessing; a session analysed live stores
 * its own final analysis (live-store.ts, then afterLiveStore). Idempotent (each run replaces the previous results in one
 * transaction) and resumable: `features_processing_start/stop` say what finished, and start-up re-queues sessions
 * whose processing never completed. The session row's identity (token claims, else what the dump said) is the
 * analysis's identity. Each run is timed in the metrics (observeProcessing). A stored analysis of a session in a
 * conference recomputes that conference's stored pairing, verdicts and timeline (data/conference-results.ts);
 * should that fail, the next read of the conference computes it.
 */
export async function processSession(sessionId: bigint, store: DumpStore): Promise<boolean> {
  const startedAt = Date.now();
  const session = await beginProcessing(sessionId);
  if (!session) {
    observeProcessing(sessionId, 'skipped', startedAt);
    return false;
  }
  const conference = session.identity.conference;
  let packed: PackedAnalysis;
  try {
    const bytes = await readAll(await store.read(session.dumpId));
    packed = await analyzeInWorker(bytes, session.identity);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger().warn({ sessionId: String(sessionId), err: message }, 'processing failed');
    await recordProcessingFailure(sessionId, message);
    observeProcessing(sessionId, 'failed', startedAt);
    // The run's stamp changed (its last analysis stays): stored here, not by the next reader.
    await refreshConference(sessionId, conference);
    return false;
  }
  try {
    await storeAnalysis(sessionId, packed.analysis, packed.bytes, packed.seriesGz);
  } catch (err) {
    observeProcessing(sessionId, 'failed', startedAt);
    throw err;
  }
  observeProcessing(sessionId, 'stored', startedAt);
  await refreshConference(sessionId, conference);
  return true;
}

/** Per conference: the last refresh queued, and the one not yet started (callers meanwhile share it). */
const refreshes = new Map<string, { tail: Promise<void>; waiting: Promise<void> | undefined }>();

/**
 * The conference's stored result after a run of one of its sessions; a failure here leaves it to the next read.
 * Runs of one conference that end together (its participants leaving at once) share one computation: a refresh
 * that has not started yet reads every run committed before it, so a caller joins it; one already running may
 * have read too early, so the caller queues the next.
 */
function refreshConference(sessionId: bigint, conference: string | undefined): Promise<void> {
  if (!conference) return Promise.resolve();
  const entry = refreshes.get(conference) ?? { tail: Promise.resolve(), waiting: undefined };
  refreshes.set(conference, entry);
  if (entry.waiting) return entry.waiting;
  const run = entry.tail.then(async () => {
    entry.waiting = undefined;
    await refreshConferenceResult(conference).catch((err) =>
      logger().warn(
        { sessionId: String(sessionId), conference, err: err instanceof Error ? err.message : String(err) },
        'computing the conference result failed',
      ),
    );
  });
  entry.waiting = run;
  entry.tail = run;
  void run.then(() => {
    if (entry.tail === run) refreshes.delete(conference);
  });
  return run;
}
