/**
 * Processing runs off the ingest path: one job at a time per process, deduplicated per session. Ended
 * sessions are processed once; live ones at most every LIVE_INTERVAL_MS. Decoding and analysis run in the one
 * analysis worker thread (worker-pool.ts), so a slow or hostile dump never blocks ingest; reading the dump and
 * storing the results run on the main thread (process-session.ts).
 */

import { unfinishedSessions } from '@/lib/server/data/session-results';
import type { DumpStore } from '@/lib/server/dump-store/dump-store';
import { logger } from '@/lib/server/logger';
import { processSession } from '@/lib/server/processing/process-session';
import { stopAnalysisWorker } from '@/lib/server/processing/worker-pool';

const LIVE_INTERVAL_MS = 5_000;

export interface ProcessingQueue {
  schedule(sessionId: bigint, reason: 'ended' | 'live'): void;
  start(): void;
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running (tests, benchmarks). */
  idle(): Promise<void>;
}

export function createProcessingQueue(deps: { store: DumpStore; hostIdentifier?: string }): ProcessingQueue {
  const pending = new Map<string, 'ended' | 'live'>();
  const lastLiveRun = new Map<string, number>();
  let running: Promise<void> | undefined;
  let started = false;
  let stopped = false;
  let waiters: (() => void)[] = [];

  const runner = async (sessionId: bigint) => {
    await processSession(sessionId, deps.store);
  };

  const pump = () => {
    if (!started || stopped || running) return;
    const next = pending.entries().next();
    if (next.done) {
      const w = waiters;
      waiters = [];
      for (const resolve of w) resolve();
      return;
    }
    const [key] = next.value;
    pending.delete(key);
    running = runner(BigInt(key))
      .catch((err) => logger().error({ err, sessionId: key }, 'processing failed'))
      .finally(() => {
        running = undefined;
        setImmediate(pump);
      });
  };

  return {
    schedule(sessionId, reason) {
      const key = String(sessionId);
      if (reason === 'live') {
        const last = lastLiveRun.get(key) ?? 0;
        if (Date.now() - last < LIVE_INTERVAL_MS || pending.has(key)) return;
        lastLiveRun.set(key, Date.now());
      } else {
        lastLiveRun.delete(key);
      }
      pending.set(key, pending.get(key) === 'ended' ? 'ended' : reason);
      pump();
    },
    start() {
      started = true;
      // Resume what a previous process left half done.
      unfinishedSessions(deps.hostIdentifier)
        .then((ids) => {
          for (const id of ids) this.schedule(id, 'ended');
        })
        .catch((err) => logger().error({ err }, 'listing unfinished sessions failed'));
      pump();
    },
    async stop() {
      stopped = true;
      await running;
      await stopAnalysisWorker();
    },
    idle() {
      if (!running && pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
