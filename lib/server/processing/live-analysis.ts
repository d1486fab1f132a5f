/**
 * Live sessions analysed as they stream (issue 13): every byte this node appends to a live dump (DumpWriter's
 * flush) is also sent, in batches every FEED_MS, to the live worker thread, which decodes it once into the
 * session's incremental analysis (live-states.ts). Snapshots while live and the final analysis at the end come
 * from that state; the dump is re-read only for uploads, crash recovery, reprocessing, and sessions this node
 * could not keep up with.
 *
 * Backpressure: bytes queued here or sent and not yet decoded are bounded (CALLSCOPE_LIVE_ANALYSIS_MAX_BACKLOG_MB). A session whose
 * bytes would go over is detached: its dump keeps being written as before, it gets no more snapshots, and its
 * final analysis is a job that reads its dump (counted in `callscope_live_analysis_detached_total`; the lag
 * gauge shows how far behind the snapshots are). A worker thread that dies loses its analyses: those sessions
 * are detached the same way (each session's analysis lives on one of the live threads: worker-pool.ts).
 *
 * Session monitoring: each batch's reply says which streams started or stopped being sent, and each snapshot and
 * the final analysis which issues opened or closed (live-states.ts); they go to the listener the session gave at
 * `open`, in the order the thread made them, the final analysis's before `finish` resolves.
 */

import { logger } from '@/lib/server/logger';
import type { StoreOutcome } from '@/lib/server/data/analysis-store';
import { liveAnalysisBacklog, liveAnalysisDetached, observeProcessing } from '@/lib/server/metrics';
import type { LiveFeedEntry, LiveMonitoring } from './live-states';
import type { LiveStoreReply } from './live-store';
import { liveAnalysisLane } from './worker-pool';

const FEED_MS = 200;
/** Snapshots every 5 s for the first SHORT_SESSION_MS; after that every 1/LONG_SESSION_FRACTION of the age. */
const SNAPSHOT_MS = 5_000;
const LONG_SESSION_FRACTION = 30;

/**
 * How long a live session waits between snapshots. A snapshot stores only its series' new rows and summarises long
 * series from running summaries, but its issues are still found over the whole session so far, so a fixed 5 s
 * would make an hour-long call cost ~7× one analysis of its dump (bench:scale, hour part); at 1/30 of the age past
 * 2.5 min ~1.7×, and a snapshot is at most 2 min old at one hour.
 */
export function snapshotIntervalMs(ageMs: number): number {
  return Math.max(SNAPSHOT_MS, Math.floor(ageMs / LONG_SESSION_FRACTION));
}

interface Tracked {
  chunks: Buffer[];
  bytes: number;
  generation: number;
  detached: boolean;
  onMonitoring?: LiveMonitoringListener;
}

/** Receives a live session's monitoring changes (LiveSession turns them into events). */
export type LiveMonitoringListener = (changes: LiveMonitoring) => void;

export interface LiveAnalysis {
  /** Starts tracking a live dump (before its first bytes); `onMonitoring` gets its streams' and issues' changes. */
  open(dumpId: string, onMonitoring?: LiveMonitoringListener): void;
  /** Bytes just appended to the dump. */
  feed(dumpId: string, chunk: Buffer): void;
  /**
   * Makes the final analysis after the dump's last bytes were fed (it waits in the thread for storeFinal); false:
   * there is none, analyse the dump instead. Stops tracking.
   */
  finish(dumpId: string): Promise<boolean>;
  /** Stops tracking without an analysis (a session without messages). */
  drop(dumpId: string): void;
  /** How long a session of this age waits between snapshots (snapshotIntervalMs). */
  snapshotIntervalMs(ageMs: number): number;
  /** Takes a snapshot and stores it (in the thread); false when there is none (detached). */
  storeSnapshot(sessionId: bigint, dumpId: string): Promise<boolean>;
  /** Stores the final analysis `finish` made; false when there is none (the caller then reads the dump). */
  storeFinal(sessionId: bigint, dumpId: string, finished: Promise<boolean>, endedAt: number): Promise<boolean>;
  readonly size: number;
  stop(): void;
}

/**
 * What the server does once a live analysis was stored (process-session.ts's afterLiveStore: metrics, the
 * conference's result after a final); true when it was stored. `analysedUpTo`: when the data it covers was all
 * received (the lag gauge counts from there).
 */
type AfterStore = (
  sessionId: bigint,
  outcome: StoreOutcome,
  opts: { final: boolean; analysedUpTo: number },
) => Promise<boolean>;

/**
 * `maxBacklogBytes`: CALLSCOPE_LIVE_ANALYSIS_MAX_BACKLOG_MB. Built by the server (app.ts) and reached by the live
 * sessions through the server context, so the code Next bundles for route handlers never imports the worker pool.
 */
export function createLiveAnalysis(
  maxBacklogBytes: number,
  afterStore: AfterStore,
  lane = liveAnalysisLane,
): LiveAnalysis {
  const tracked = new Map<string, Tracked>();
  let queuedBytes = 0;
  let inFlightBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();

  const backlog = () => liveAnalysisBacklog(queuedBytes + inFlightBytes);

  const report = (t: Tracked | undefined, changes: LiveMonitoring | undefined) => {
    if (!t?.onMonitoring || !changes || (changes.streams.length === 0 && changes.issues.length === 0)) return;
    try {
      t.onMonitoring(changes);
    } catch (err) {
      logger().warn({ err, dumpId: changes.dumpId }, 'live monitoring changes not reported');
    }
  };

  const detach = (dumpId: string, t: Tracked, why: string) => {
    if (t.detached) return;
    t.detached = true;
    queuedBytes -= t.bytes;
    t.chunks = [];
    t.bytes = 0;
    liveAnalysisDetached(why);
    logger().warn({ dumpId, reason: why }, 'live analysis detached: the final analysis will read the dump');
    void lane.drop(dumpId).catch(() => {});
  };

  /** Sends everything queued as one batch; resolves when the thread has decoded it. */
  const flush = (): Promise<void> => {
    const entries: LiveFeedEntry[] = [];
    const sent = new Map<string, Tracked>();
    const parts: Buffer[] = [];
    let offset = 0;
    for (const [dumpId, t] of tracked) {
      if (t.detached || t.bytes === 0) continue;
      if (t.generation !== lane.generation(dumpId)) {
        detach(dumpId, t, 'worker_restarted');
        continue;
      }
      entries.push({ dumpId, offset, length: t.bytes });
      sent.set(dumpId, t);
      parts.push(...t.chunks);
      offset += t.bytes;
      queuedBytes -= t.bytes;
      t.chunks = [];
      t.bytes = 0;
    }
    if (entries.length === 0) return sending;
    const bytes = offset;
    inFlightBytes += bytes;
    const batch = lane.feed(entries, Buffer.concat(parts, bytes));
    sending = batch
      .then(({ failed, monitoring }) => {
        for (const changes of monitoring ?? []) report(sent.get(changes.dumpId), changes);
        for (const dumpId of failed) {
          const t = tracked.get(dumpId);
          if (t) detach(dumpId, t, 'undecodable');
        }
      })
      .catch((err) => {
        // The thread died or timed out: what it held is gone (the next flush detaches by generation).
        logger().warn({ err: err instanceof Error ? err.message : String(err) }, 'live analysis batch failed');
      })
      .finally(() => {
        inFlightBytes -= bytes;
        backlog();
      });
    backlog();
    return sending;
  };

  const ensureTimer = () => {
    if (timer) return;
    timer = setInterval(() => void flush(), FEED_MS);
    timer.unref();
  };

  /**
   * The dump's queued bytes sent; its entry when its analysis is still in its thread, else undefined (detached,
   * or the thread restarted). `final` stops tracking it.
   */
  const ready = async (dumpId: string, final: boolean): Promise<Tracked | undefined> => {
    const t = tracked.get(dumpId);
    if (!t || t.detached) {
      if (final) tracked.delete(dumpId);
      return undefined;
    }
    const generation = t.generation;
    await flush();
    if (final) tracked.delete(dumpId);
    if (t.detached || generation !== lane.generation(dumpId)) return undefined;
    return t;
  };

  /** A store the thread answered (null: it held no analysis), handed to the server. */
  const stored = async (
    sessionId: bigint,
    t: Tracked | undefined,
    reply: LiveStoreReply | null,
    opts: { final: boolean; analysedUpTo: number },
  ): Promise<boolean> => {
    if (!reply) return false;
    if (t && !t.detached) report(t, reply.monitoring);
    return afterStore(sessionId, reply.outcome, opts);
  };

  /** A store that failed: a thread that died lost the analysis (false); PostgreSQL's error is the caller's. */
  const storeFailed = (sessionId: bigint, dumpId: string, generation: number, err: unknown, analysedUpTo: number) => {
    observeProcessing(sessionId, 'failed', analysedUpTo);
    if (generation === lane.generation(dumpId)) throw err;
    logger().warn({ dumpId, err: err instanceof Error ? err.message : String(err) }, 'live analysis failed');
    return false;
  };

  return {
    open(dumpId, onMonitoring) {
      ensureTimer();
      tracked.set(dumpId, { chunks: [], bytes: 0, generation: lane.start(dumpId), detached: false, onMonitoring });
    },
    feed(dumpId, chunk) {
      const t = tracked.get(dumpId);
      if (!t || t.detached) return;
      if (queuedBytes + inFlightBytes + chunk.length > maxBacklogBytes) return detach(dumpId, t, 'backlog');
      t.chunks.push(chunk);
      t.bytes += chunk.length;
      queuedBytes += chunk.length;
    },
    async finish(dumpId) {
      const t = await ready(dumpId, true);
      if (!t) return false;
      try {
        const monitoring = await lane.finish(dumpId);
        if (!monitoring) return false;
        report(t, monitoring);
        return true;
      } catch (err) {
        logger().warn({ dumpId, err: err instanceof Error ? err.message : String(err) }, 'live analysis failed');
        return false;
      }
    },
    drop(dumpId) {
      const t = tracked.get(dumpId);
      if (!t) return;
      tracked.delete(dumpId);
      queuedBytes -= t.bytes;
      void lane.drop(dumpId).catch(() => {});
    },
    snapshotIntervalMs,
    async storeSnapshot(sessionId, dumpId) {
      const requestedAt = Date.now();
      const t = await ready(dumpId, false);
      if (!t) return false;
      let reply: LiveStoreReply | null;
      try {
        reply = await lane.snapshot(dumpId, sessionId);
      } catch (err) {
        return storeFailed(sessionId, dumpId, t.generation, err, requestedAt);
      }
      return stored(sessionId, t, reply, { final: false, analysedUpTo: requestedAt });
    },
    async storeFinal(sessionId, dumpId, finished, endedAt) {
      if (!(await finished.catch(() => false))) return false;
      const generation = lane.generation(dumpId);
      let reply: LiveStoreReply | null;
      try {
        reply = await lane.storeFinal(dumpId, sessionId);
      } catch (err) {
        return storeFailed(sessionId, dumpId, generation, err, endedAt);
      }
      return stored(sessionId, undefined, reply, { final: true, analysedUpTo: endedAt });
    },
    get size() {
      return tracked.size;
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
