import type { DumpStore } from '@/lib/server/storage';
import { logger } from '@/lib/server/logger';

/**
 * Processing runs off the ingest path: one job at a time per process, deduplicated per session. Ended
 * sessions are processed once; live ones at most every LIVE_INTERVAL_MS. The work itself (decode, analyze,
 * store) runs in a worker thread (process-session.ts) so a slow or hostile dump never blocks ingest.
 */
const LIVE_INTERVAL_MS = 5_000;

export interface ProcessingQueue {
  schedule(sessionId: bigint, reason: 'ended' | 'live'): void;
  start(): void;
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running (tests, benchmarks). */
  idle(): Promise<void>;
}

export function createProcessingQueue(deps: {
  store: DumpStore;
  run?: (sessionId: bigint) => Promise<void>;
}): ProcessingQueue {
  const pending = new Map<string, 'ended' | 'live'>();
  const lastLiveRun = new Map<string, number>();
  let running: Promise<void> | undefined;
  let started = false;
  let stopped = false;
  let waiters: (() => void)[] = [];

  const runner =
    deps.run ??
    (async (sessionId: bigint) => {
      const { processSession } = await import('@/lib/server/processing/process-session');
      await processSession(sessionId, deps.store);
    });

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
      import('@/lib/server/processing/process-session')
        .then(({ unfinishedSessions }) => unfinishedSessions())
        .then((ids) => {
          for (const id of ids) this.schedule(id, 'ended');
        })
        .catch((err) => logger().error({ err }, 'listing unfinished sessions failed'));
      pump();
    },
    async stop() {
      stopped = true;
      await running;
      const { stopAnalysisWorker } = await import('@/lib/server/processing/worker-pool');
      await stopAnalysisWorker();
    },
    idle() {
      if (!running && pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
